"""Importing the landscaping survey or a JSON export (administrators), in the background."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from cchub.lib.http import is_htmx
from cchub.registry.forms import ImportForm
from cchub.registry.models import ImportJob
from cchub.registry.views.common import require_admin, signed_in


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    require_admin(request)
    from cchub.registry.tasks import run_import

    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            folder = settings.DATA_DIR / "imports"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{uuid.uuid4().hex}-{upload.name.rsplit('/', 1)[-1][-80:]}"
            with path.open("wb") as fh:
                for chunk in upload.chunks():
                    fh.write(chunk)
            job = ImportJob.objects.create(file_name=upload.name, stored_path=str(path),
                                           dry_run=form.cleaned_data["dry_run"],
                                           created_by=signed_in(request))
            transaction.on_commit(lambda: run_import.enqueue(job.pk))
            return redirect(job)
    else:
        form = ImportForm()
    jobs = ImportJob.objects.select_related("created_by")[:10]
    return render(request, "registry/import.html", {"form": form, "jobs": jobs})


@login_required
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request)
    job = get_object_or_404(ImportJob, pk=pk)
    template = "registry/_import_job.html" if is_htmx(request) else "registry/import_job.html"
    return render(request, template, {"job": job})
