"""What pages, the API and the feeds show of projects and outputs."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet

from cchub.onboarding.models import FINAL, PROGRESS, STATES, Output, Project

STEPS = max(PROGRESS.values())


def projects(call: str = "", cluster: str = "") -> QuerySet[Project]:
    qs = Project.objects.select_related("call", "cluster", "mentor_centre").prefetch_related(
        Prefetch("outputs", queryset=Output.objects.order_by("kind", "title")), "partners"
    )
    if call:
        qs = qs.filter(call__slug=call)
    if cluster:
        qs = qs.filter(cluster__slug=cluster)
    return qs.order_by("call__name", "cluster__position", "acronym")


def progress(outputs: list[Output]) -> dict[str, Any]:
    """How far a set of outputs is: counts by state, the share done, a percentage."""
    states = Counter(o.state for o in outputs)
    done = sum(1 for o in outputs if o.state in FINAL)
    percent = round(100 * sum(PROGRESS[o.state] for o in outputs) / (STEPS * len(outputs))) if outputs else 0
    scores = [o.fair_score for o in outputs if o.fair_score is not None]
    return {
        "outputs": len(outputs),
        "done": done,
        "percent": percent,
        "by_state": [{"state": s, "label": label, "count": states[s]} for s, label in STATES if states[s]],
        "fair_mean": round(sum(scores) / len(scores), 1) if scores else None,
    }


def output_summary(output: Output) -> dict[str, Any]:
    return {
        "id": output.pk,
        "title": output.title,
        "kind": output.kind,
        "state": output.state,
        "state_label": output.get_state_display(),
        "progress": round(100 * PROGRESS[output.state] / STEPS),
        "fair_score": output.fair_score,
        "checks_passed": output.checks_passed,
        "doi": output.doi,
        "record_url": output.record_url,
        "url": settings.SITE_URL + output.get_absolute_url(),
        "updated": output.updated_at.isoformat(),
    }


def project_summary(project: Project) -> dict[str, Any]:
    outputs = list(project.outputs.all())
    return {
        "slug": project.slug,
        "acronym": project.acronym,
        "title": project.title,
        "call": {"slug": project.call.slug, "name": project.call.name},
        "cluster": project.cluster.acronym if project.cluster else None,
        "grant_id": project.grant_id,
        "mentor_centre": project.mentor_centre.acronym if project.mentor_centre else None,
        "partners": [p.name for p in project.partners.all()],
        "starts": project.starts,
        "ends": project.ends,
        "url": settings.SITE_URL + project.get_absolute_url(),
        "progress": progress(outputs),
        "outputs": [output_summary(o) for o in outputs],
    }


def grouped(qs: QuerySet[Project]) -> list[dict[str, Any]]:
    """Projects by call, then by cluster, each group with its progress."""
    calls: dict[str, dict[str, Any]] = {}
    for project in qs:
        call = calls.setdefault(project.call.slug, {"call": project.call, "clusters": {}, "outputs": []})
        key = project.cluster.acronym if project.cluster else "—"
        group = call["clusters"].setdefault(key, {"cluster": project.cluster, "projects": [], "outputs": []})
        outputs = list(project.outputs.all())
        group["projects"].append({"project": project, "progress": progress(outputs)})
        group["outputs"] += outputs
        call["outputs"] += outputs
    result = []
    for call in calls.values():
        clusters = [{**g, "progress": progress(g["outputs"])} for g in call["clusters"].values()]
        result.append({"call": call["call"], "clusters": clusters, "progress": progress(call["outputs"])})
    return result
