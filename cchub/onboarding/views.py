"""Pages of onboarding: the network's projects by call and cluster, a project, an output's
case (checks, FAIR assessment, review, timeline, deposit), the forms that act on it, the
JSON feed and the embeddable snippet for the clusters' and calls' websites."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from csp.decorators import csp_replace, csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_POST

from cchub.lib.api import Refused, json_response
from cchub.lib.text import clean_text, unique_slug
from cchub.onboarding import checks, deposit, fair, queries, workflow
from cchub.onboarding.models import STATES, Call, DepositTarget, Output, Project, ProjectMember
from cchub.onboarding.tasks import assess_output, deposit_run
from cchub.registry.models import Centre, Cluster

MAX_UPLOAD = workflow.MAX_FILE


def network(request: HttpRequest) -> HttpResponse:
    call, cluster = request.GET.get("call", ""), request.GET.get("cluster", "")
    context = {
        "groups": queries.grouped(queries.projects(call, cluster)),
        "calls": Call.objects.all(),
        "clusters": Cluster.objects.all(),
        "chosen": {"call": call, "cluster": cluster},
        "may_create": workflow.may_manage_project(request.user),
    }
    return render(request, "onboarding/network.html", context)


def project(request: HttpRequest, slug: str) -> HttpResponse:
    item = get_object_or_404(queries.projects(), slug=slug)
    outputs = list(item.outputs.all())
    user = request.user
    inside = workflow.is_team(user, item) or workflow.is_mentor(user, item) or workflow.is_curator(user)
    context = {
        "project": item,
        "outputs": outputs,
        "progress": queries.progress(outputs),
        "team": item.memberships.select_related("user") if inside else None,
        "may_add": workflow.is_team(user, item) or workflow.may_manage_project(user, item),
        "kinds": checks.KINDS,
    }
    return render(request, "onboarding/project.html", context)


def _output(pk: int) -> Output:
    return get_object_or_404(Output.objects.select_related("project__call", "project__mentor_centre"), pk=pk)


def output(request: HttpRequest, pk: int) -> HttpResponse:
    item = _output(pk)
    can = workflow.rights(request.user, item)
    assessment = item.assessments.first()
    latest = item.check_runs.first()
    context: dict[str, Any] = {
        "output": item,
        "project": item.project,
        "can": can,
        "assessment": assessment,
        "framework": fair.framework_for(item.kind)[0],
        "metrics": fair.metric_ids(item.kind),
        "check": latest if can["view_case"] else None,
        "history": [(a.created_at, a.score, a.version) for a in item.assessments.all()[:20]],
        "timeline": workflow.timeline(item) if can["view_case"] else [],
        "files": item.files.all() if can["view_case"] else [],
        "metadata_json": json.dumps(item.metadata, indent=2, ensure_ascii=False),
        "deposits": item.deposits.select_related("target") if can["view_case"] else [],
        "targets": DepositTarget.objects.select_related("centre").exclude(token_encrypted="")
        if can["deposit"]
        else [],
        "candidates": get_user_model().objects.filter(groups__name=workflow.CURATOR_GROUP)
        if can["start_review"]
        else [],
        "overrides": workflow.active_overrides(item),
    }
    return render(request, "onboarding/output.html", context)


def _back(item: Output, anchor: str = "") -> HttpResponseRedirect:
    return HttpResponseRedirect(item.get_absolute_url() + (f"#{anchor}" if anchor else ""))


def _upload(request: HttpRequest, item: Output) -> HttpResponse | None:
    upload = request.FILES.get("file")
    if upload is None:
        raise Refused("Choose a file.", field="file")
    if upload.size and upload.size > MAX_UPLOAD:
        raise Refused(f"The file is larger than {MAX_UPLOAD // 1048576} MB.", field="file", status=413)
    run, report = workflow.upload(item, request.user, upload.name or "upload", upload.read())
    if run is None:
        messages.error(request, "Nothing was changed: " + "; ".join(p.line() for p in report.problems))
    else:
        messages.success(
            request,
            f"Metadata read and checked: {report.count(checks.ERROR)} error(s), "
            f"{report.count(checks.WARNING)} warning(s).",
        )
    return None


def _metadata(request: HttpRequest, item: Output) -> HttpResponse | None:
    try:
        document = json.loads(request.POST.get("metadata", ""))
    except json.JSONDecodeError as exc:
        raise Refused(
            f"The metadata is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.",
            field="metadata",
        ) from exc
    run = workflow.set_metadata(item, request.user, document)
    messages.success(request, f"Saved and checked: {run.errors} error(s), {run.warnings} warning(s).")
    return None


def _file(request: HttpRequest, item: Output) -> HttpResponse | None:
    upload = request.FILES.get("file")
    if upload is None:
        raise Refused("Choose a file.", field="file")
    workflow.add_file(item, request.user, upload.name or "file", upload.read())
    return None


def _comment(request: HttpRequest, item: Output) -> HttpResponse | None:
    data = request.POST
    run_id = data.get("check_run", "")
    run = item.check_runs.filter(pk=int(run_id)).first() if run_id.isdigit() else None
    workflow.comment(item, request.user, data.get("body", ""), data.get("field", ""), run)
    return _back(item, "timeline")


def _override(request: HttpRequest, item: Output) -> HttpResponse | None:
    data = request.POST
    workflow.override(
        item, request.user, data.get("metric", ""), data.get("status", ""), data.get("justification", "")
    )
    return _back(item, "fair")


def _assess(request: HttpRequest, item: Output) -> HttpResponse | None:
    may = workflow.rights(request.user, item)["assess"]
    workflow.require(may, "Only those taking part assess the output.")
    assess_output.enqueue(item.pk, request.user.pk)
    messages.success(request, "The assessment runs in the background; reload in a moment.")
    return _back(item, "fair")


def _deposit(request: HttpRequest, item: Output) -> HttpResponse | None:
    target = DepositTarget.objects.filter(pk=int(request.POST.get("target") or 0)).first()
    if target is None:
        raise Refused("Choose a repository.", field="target")
    started = deposit.start(item, target, request.user)
    deposit_run.enqueue(started.pk)
    messages.success(request, f"Deposit to {target.name} started; its steps appear below.")
    return None


def _refresh(request: HttpRequest, item: Output) -> HttpResponse | None:
    may = workflow.rights(request.user, item)["refresh_deposit"]
    workflow.require(may, "Only community curators do this.")
    last = item.deposits.filter(step="submitted").first()
    if last is None:
        raise Refused("There is no submitted deposit to ask about.", status=409)
    state = deposit.refresh(last, request.user)
    messages.success(request, f"The repository says: {dict(STATES)[state]}.")
    return None


def _review(step: str) -> Callable[[HttpRequest, Output], HttpResponse | None]:
    def run(request: HttpRequest, item: Output) -> HttpResponse | None:
        ids = [v for v in request.POST.getlist("reviewers") if v.isdigit()]
        people = list(get_user_model().objects.filter(pk__in=ids))
        workflow.review_step(item, request.user, step, request.POST.get("body", ""), people)
        return None

    return run


# What each form on an output's page does: the review's steps are the API's (one table,
# ``workflow.REVIEW_STEPS``), the rest are the page's own. A handler returns where to go, or
# None for the output's page.
PAGE_ACTIONS: dict[str, Callable[[HttpRequest, Output], HttpResponse | None]] = {
    "upload": _upload,
    "metadata": _metadata,
    "file": _file,
    "comment": _comment,
    "override": _override,
    "assess": _assess,
    "deposit": _deposit,
    "refresh": _refresh,
    **{step: _review(step) for step in workflow.REVIEW_STEPS},
}


@login_required
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Every form on the output's page posts here."""
    item = _output(pk)
    handler = PAGE_ACTIONS.get(action)
    if handler is None:
        raise Http404
    try:
        return handler(request, item) or _back(item)
    except Refused as exc:
        messages.error(request, exc.message)
    except deposit.DepositFailed as exc:
        messages.error(request, str(exc))
    return _back(item)


@login_required
def output_file(request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
    item = _output(pk)
    if not workflow.takes_part(request.user, item):
        raise Http404
    stored = get_object_or_404(item.files, pk=file_pk)
    return FileResponse(stored.file.open("rb"), as_attachment=True, filename=stored.name)


@login_required
@require_POST
def add_output(request: HttpRequest, slug: str) -> HttpResponse:
    item = get_object_or_404(Project, slug=slug)
    try:
        made = workflow.create_output(
            request.user,
            item,
            request.POST.get("kind", ""),
            request.POST.get("title", ""),
            request.POST.get("landing_url", "").strip(),
        )
    except Refused as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(item.get_absolute_url())
    return HttpResponseRedirect(made.get_absolute_url())


@login_required
def new_project(request: HttpRequest) -> HttpResponse:
    if not workflow.may_manage_project(request.user):
        raise Http404
    errors: dict[str, str] = {}
    values = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        call = Call.objects.filter(slug=values.get("call", "")).first()
        acronym, title = clean_text(values.get("acronym", ""))[:40], clean_text(values.get("title", ""))[:300]
        centre = Centre.objects.filter(slug=values.get("mentor_centre", "")).first()
        lead = get_user_model().objects.filter(username=values.get("lead", "").strip()).first()
        if call is None:
            errors["call"] = "Choose the call."
        if not acronym:
            errors["acronym"] = "The acronym is required."
        if not title:
            errors["title"] = "The title is required."
        if centre is None:
            errors["mentor_centre"] = "Choose the mentor centre."
        elif not workflow.is_curator(request.user) and centre.pk not in workflow.curated_centre_ids(
            request.user
        ):
            errors["mentor_centre"] = "You may only create projects mentored by a centre you curate."
        if values.get("lead") and lead is None:
            errors["lead"] = "No user has this name."
        if not errors and call is not None:
            made = Project.objects.create(
                slug=unique_slug(Project, acronym),
                call=call,
                acronym=acronym,
                title=title,
                grant_id=clean_text(values.get("grant_id", ""))[:60],
                mentor_centre=centre,
                cluster=Cluster.objects.filter(slug=values.get("cluster", "")).first(),
                community=clean_text(values.get("community", ""))[:100],
                mentor=request.user,  # type: ignore[misc]
                summary=clean_text(values.get("summary", "")),
            )
            if lead is not None:
                ProjectMember.objects.create(project=made, user=lead, role=ProjectMember.LEAD)
            return HttpResponseRedirect(made.get_absolute_url())
    context = {
        "errors": errors,
        "values": values,
        "calls": Call.objects.all(),
        "clusters": Cluster.objects.all(),
        "centres": Centre.objects.order_by("acronym"),
    }
    return render(request, "onboarding/project_form.html", context, status=400 if errors else 200)


def feed(request: HttpRequest) -> HttpResponse:
    """All projects and outputs with their progress, for the clusters' and calls' sites."""
    qs = queries.projects(request.GET.get("call", ""), request.GET.get("cluster", ""))
    response = json_response({"projects": [queries.project_summary(p) for p in qs]})
    response["Access-Control-Allow-Origin"] = "*"
    return response


@xframe_options_exempt
@csp_update({"style-src": ["'unsafe-inline'"]})
@csp_replace({"frame-ancestors": ["*"]})
def embed(request: HttpRequest) -> HttpResponse:
    """A self-contained HTML snippet (inline style, no script) for an iframe."""
    qs = queries.projects(request.GET.get("call", ""), request.GET.get("cluster", ""))
    context = {"groups": queries.grouped(qs), "site_url": settings.SITE_URL, "site_name": settings.SITE_NAME}
    return render(request, "onboarding/embed.html", context)
