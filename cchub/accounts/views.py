from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cchub.accounts.forms import TokenForm
from cchub.accounts.models import ApiToken


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@login_required
def account(request: HttpRequest) -> HttpResponse:
    new_key = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _, new_key = ApiToken.issue(request.user, form.cleaned_data["name"])
        form = TokenForm()
    return render(request, "accounts/account.html", {
        "form": form, "new_key": new_key,
        "tokens": ApiToken.objects.filter(user=request.user.pk),
        # The registry's centres through the user's reverse relations (accounts sits below
        # the registry and does not import it).
        "curated": request.user.curated_centres.all(),  # type: ignore[union-attr,misc]
        "proposed": request.user.proposed_centres.all(),  # type: ignore[union-attr,misc]
    })


@login_required
@require_POST
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    token.delete()
    messages.success(request, f"Token '{token.name}' revoked.")
    return redirect("accounts:account")
