"""Changes, releases (frozen public snapshots with their differences) and the export."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render

from cchub.accounts.permissions import is_network_admin
from cchub.history import visibility
from cchub.history.models import Change
from cchub.registry.exchange import export_registry, public_view
from cchub.registry.forms import ReleaseForm
from cchub.registry.models import Release
from cchub.registry.releases import ReleaseError, compare, previous_release, publish_release


def changes(request: HttpRequest) -> HttpResponse:
    reveal = is_network_admin(request.user)
    changes = visibility.visible(Change.objects.select_related("user", "content_type"), reveal)
    page = Paginator(changes, 50).get_page(request.GET.get("page"))
    page.object_list = visibility.prepare(page.object_list, reveal)
    return render(request, "registry/history.html", {"subject": None, "page": page, "back": "/"})


def release_list(request: HttpRequest) -> HttpResponse:
    form = None
    if is_network_admin(request.user):
        form = ReleaseForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                release = publish_release(form.cleaned_data["version"], form.cleaned_data["title"],
                                          form.cleaned_data["notes"], request.user)
                messages.success(request, f"Release {release.version} published.")
                return redirect(release)
            except ReleaseError as exc:
                form.add_error(None, str(exc))
    elif request.method == "POST":
        raise PermissionDenied
    return render(request, "registry/release_list.html", {
        "releases": Release.objects.defer("snapshot").select_related("created_by"), "form": form,
    })


def release_detail(request: HttpRequest, version: str) -> HttpResponse:
    release = get_object_or_404(Release, version=version)
    before = previous_release(release)
    diff = compare(public_view(before.snapshot), public_view(release.snapshot)) if before else None
    return render(request, "registry/release_detail.html", {
        "release": release, "previous": before, "diff": diff,
    })


def release_download(request: HttpRequest, version: str) -> HttpResponse:
    release = get_object_or_404(Release, version=version)
    response = JsonResponse(public_view(release.snapshot),
                            json_dumps_params={"indent": 1, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="cchub-registry-{release.version}.json"'
    return response


def export_download(request: HttpRequest) -> HttpResponse:
    data = export_registry()
    if not is_network_admin(request.user):
        data = public_view(data)
    body = json.dumps(data, indent=1, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="cchub-registry.json"'
    return response
