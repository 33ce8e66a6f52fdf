"""Onboarding in the API: projects and outputs (public summaries; the case to those taking
part), checking metadata, the review's actions, comments, FAIR overrides."""

# No ``from __future__ import annotations``: django-ninja reads these annotations at run time.

from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Router

from cchub.accounts.auth import TokenAuth, optional_user
from cchub.lib.api import Refused, Strict, json_response
from cchub.onboarding import checks, queries, workflow
from cchub.onboarding.models import Output

router = Router(tags=["onboarding"])
token_auth = TokenAuth()


class MetadataIn(Strict):
    metadata: dict[str, Any]


class ActionIn(Strict):
    body: str = ""
    reviewers: list[str] = []


class CommentIn(Strict):
    body: str
    field: str = ""


class OverrideIn(Strict):
    metric: str
    status: str
    justification: str = ""


class CheckIn(Strict):
    metadata: dict[str, Any]
    kind: str = "software"


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _case(output: Output, user: Any) -> dict[str, Any]:
    data = queries.output_summary(output)
    data["project"] = output.project.slug
    assessment = output.assessments.first()
    data["fair"] = (
        {
            "framework": assessment.framework,
            "version": assessment.version,
            "score": assessment.score,
            "results": assessment.results,
            "at": assessment.created_at.isoformat(),
        }
        if assessment
        else None
    )
    can = workflow.rights(user, output)
    data["rights"] = {k: v for k, v in can.items() if v}
    if can["view_case"]:
        latest = output.check_runs.first()
        data["metadata"] = output.metadata
        data["checks"] = latest.report if latest else None
        data["timeline"] = [
            {
                "at": e.created_at.isoformat(),
                "kind": e.kind,
                "actor": e.actor.get_username() if e.actor else None,
                "from": e.from_state,
                "to": e.to_state,
                "field": e.field,
                "body": e.body,
                "data": e.data,
            }
            for e in workflow.timeline(output)
        ]
    return data


@router.get("/projects", summary="Funded projects with their outputs' progress", auth=None)
def list_projects(request: HttpRequest, call: str = "", cluster: str = "") -> HttpResponse:
    return json_response({"projects": [queries.project_summary(p) for p in queries.projects(call, cluster)]})


@router.get("/projects/{slug}", summary="One project", auth=None)
def read_project(request: HttpRequest, slug: str) -> HttpResponse:
    return json_response(queries.project_summary(get_object_or_404(queries.projects(), slug=slug)))


@router.get(
    "/outputs/{pk}", summary="One output: state, FAIR; its case to those taking part", auth=None
)
def read_output(request: HttpRequest, pk: int) -> HttpResponse:
    return json_response(_case(get_object_or_404(Output, pk=pk), optional_user(request)))


@router.post(
    "/check", summary="Check metadata (CodeMeta for software) without storing it", auth=None
)
def check_metadata(request: HttpRequest, payload: CheckIn) -> HttpResponse:
    if payload.kind not in dict(checks.KINDS):
        raise Refused(f"kind must be one of {', '.join(dict(checks.KINDS))}", field="kind", status=422)
    return json_response(checks.check_document(payload.metadata, payload.kind).as_dict())


@router.put("/outputs/{pk}/metadata", summary="Replace the metadata (the team)", auth=token_auth)
def put_metadata(request: HttpRequest, pk: int, payload: MetadataIn) -> HttpResponse:
    output = get_object_or_404(Output, pk=pk)
    run = workflow.set_metadata(output, _user(request), payload.metadata)
    return json_response({"checks": run.report, "output": _case(output, _user(request))})


@router.post("/outputs/{pk}/actions/{action}", summary="Act on the review", auth=token_auth)
def act(request: HttpRequest, pk: int, action: str, payload: ActionIn) -> HttpResponse:
    output = get_object_or_404(Output, pk=pk)
    user = _user(request)
    people = list(get_user_model().objects.filter(username__in=payload.reviewers))
    workflow.review_step(output, user, action, payload.body, people)
    output.refresh_from_db()
    return json_response(_case(output, user))


@router.post(
    "/outputs/{pk}/comments", summary="Comment (on the whole or on a field)", auth=token_auth
)
def add_comment(request: HttpRequest, pk: int, payload: CommentIn) -> HttpResponse:
    output = get_object_or_404(Output, pk=pk)
    event = workflow.comment(output, _user(request), payload.body, payload.field)
    return json_response({"id": event.pk, "at": event.created_at.isoformat()}, status=201)


@router.post("/outputs/{pk}/overrides", summary="Override a FAIR metric (mentor)", auth=token_auth)
def add_override(request: HttpRequest, pk: int, payload: OverrideIn) -> HttpResponse:
    output = get_object_or_404(Output, pk=pk)
    workflow.override(output, _user(request), payload.metric, payload.status, payload.justification)
    return json_response(_case(output, _user(request)))
