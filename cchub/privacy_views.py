"""Self-service GDPR pages: a signed-in person downloads what the hub holds about them, or
erases their account (with their password). Guests without an account ask the network's
administrators, who use ``cchub privacy``."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from cchub import privacy


class EraseForm(forms.Form):
    password = forms.CharField(widget=forms.PasswordInput(attrs={"aria-describedby": "id_password_help",
                                                                 "autocomplete": "current-password"}),
                               label="Your password",
                               help_text="To confirm that it is you; erasure cannot be undone.")
    confirm = forms.BooleanField(label="Erase my account and my personal data")


@login_required
@require_GET
def my_data(request: HttpRequest) -> HttpResponse:
    person = privacy.find(request.user.get_username())
    body = json.dumps(privacy.export(person), indent=1, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="cchub-my-data.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def erase_me(request: HttpRequest) -> HttpResponse:
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not request.user.check_password(form.cleaned_data["password"]):  # type: ignore[union-attr]
            form.add_error("password", "This is not your password.")
        else:
            person = privacy.find(request.user.get_username())
            logout(request)
            privacy.erase(person)
            messages.success(request, "Your account and personal data were erased.")
            return redirect("/")
    return render(request, "accounts/erase.html", {"form": form},
                  status=400 if request.method == "POST" else 200)
