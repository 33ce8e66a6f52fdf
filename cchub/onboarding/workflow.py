"""The one write path of onboarding: pages, API and command line call these functions.

Who may do what:
- the project team (its members) edits its outputs' metadata and files, submits and
  resubmits;
- the mentor (the project's mentor, or a curator of the mentor centre) starts the review,
  requests changes and may override a FAIR metric with a justification;
- community curators (the "Onboarding curators" group, and network administrators)
  approve, decline, deposit and record the inclusion; they may also do what mentors do;
- everyone taking part comments; the public sees projects, outputs' states and scores.

Each function checks the right, validates, then writes in one transaction with a timeline
event; e-mail goes out after the commit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction

from cchub.accounts.permissions import is_network_admin
from cchub.lib.api import Refused
from cchub.lib.text import clean_text
from cchub.lib.validators import is_http_url
from cchub.onboarding import checks, fair, landing
from cchub.onboarding.mail import send_output_mail
from cchub.onboarding.models import (
    APPROVED,
    CHANGES_REQUESTED,
    CHECKS_FAILED,
    CHECKS_PASSED,
    DECLINED,
    DEPOSITED,
    DRAFT,
    FINAL,
    IN_REVIEW,
    INCLUDED,
    RESUBMITTED,
    SUBMITTED,
    Assessment,
    CheckRun,
    Event,
    Output,
    OutputFile,
    Override,
    Project,
)
from cchub.registry.permissions import curated_centre_ids

CURATOR_GROUP = "Onboarding curators"
EDITABLE = {DRAFT, CHECKS_FAILED, CHECKS_PASSED, CHANGES_REQUESTED}
REVIEWING = {IN_REVIEW, RESUBMITTED}
MAX_FILE = 50 * 1024 * 1024
MAX_COMMENT = 10000


def _authenticated(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def is_curator(user: Any) -> bool:
    if not _authenticated(user):
        return False
    return is_network_admin(user) or user.groups.filter(name=CURATOR_GROUP).exists()


def is_team(user: Any, project: Project) -> bool:
    return _authenticated(user) and project.memberships.filter(user=user).exists()


def is_mentor(user: Any, project: Project) -> bool:
    if not _authenticated(user):
        return False
    return project.mentor_id == user.pk or (
        project.mentor_centre_id is not None and project.mentor_centre_id in curated_centre_ids(user)
    )


def may_review(user: Any, output: Output) -> bool:
    return (
        is_curator(user)
        or is_mentor(user, output.project)
        or (_authenticated(user) and output.reviewers.filter(pk=user.pk).exists())
    )


def takes_part(user: Any, output: Output) -> bool:
    return is_team(user, output.project) or may_review(user, output)


def may_manage_project(user: Any, project: Project | None = None) -> bool:
    """Create projects (any curator of a centre, or a community curator) or change one
    (its mentor or a community curator)."""
    if is_curator(user):
        return True
    if project is None:
        return bool(curated_centre_ids(user))
    return is_mentor(user, project)


def rights(user: Any, output: Output) -> dict[str, bool]:
    """What ``user`` may do with ``output`` now (for pages and the API)."""
    team, reviewer, curator = is_team(user, output.project), may_review(user, output), is_curator(user)
    state = output.state
    return {
        "view_case": team or reviewer,
        "edit": team and state in EDITABLE,
        "submit": team and state in {DRAFT, CHECKS_FAILED, CHANGES_REQUESTED},
        "start_review": reviewer and state == CHECKS_PASSED,
        "request_changes": reviewer and state in REVIEWING,
        "approve": curator and state in REVIEWING,
        "decline": curator and state not in FINAL and state != DRAFT,
        "deposit": curator and state == APPROVED,
        "refresh_deposit": curator and state == DEPOSITED,
        "override": reviewer and state not in FINAL,
        "assess": team or reviewer,
        "comment": team or reviewer,
    }


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise Refused(message, status=403)


def _event(output: Output, actor: Any, kind: str, **fields: Any) -> Event:
    return Event.objects.create(
        output=output, actor=actor if _authenticated(actor) else None, kind=kind, **fields
    )


def _move(output: Output, actor: Any, to_state: str, body: str = "") -> None:
    old = output.state
    output.state = to_state
    output.save(update_fields=["state"])
    _event(output, actor, "state", from_state=old, to_state=to_state, body=body)
    announce(output, to_state, body)


def announce(output: Output, event: str, body: str = "") -> None:
    """E-mail the people who act next (after the commit)."""
    project = output.project
    team = [m.user.email for m in project.memberships.select_related("user")]
    reviewers = [u.email for u in output.reviewers.all()] + ([project.mentor.email] if project.mentor else [])
    curators = [u.email for u in get_user_model().objects.filter(is_active=True, groups__name=CURATOR_GROUP)]
    to = {
        SUBMITTED: reviewers,
        CHECKS_PASSED: team + reviewers,
        CHECKS_FAILED: team,
        IN_REVIEW: team + reviewers,
        CHANGES_REQUESTED: team,
        RESUBMITTED: reviewers,
        APPROVED: team + reviewers + curators,
        DEPOSITED: team + reviewers,
        INCLUDED: team + reviewers,
        DECLINED: team + reviewers,
        "comment": team + reviewers,
    }.get(event, [])
    recipients = sorted({address for address in to if address})
    if recipients:
        transaction.on_commit(lambda: send_output_mail.enqueue(output.pk, event, recipients, body[:2000]))


# --- creating ---


def create_output(user: Any, project: Project, kind: str, title: str, landing_url: str = "") -> Output:
    require(
        is_team(user, project) or may_manage_project(user, project),
        "Only the project's team, its mentor or a curator adds outputs.",
    )
    if kind not in dict(checks.KINDS):
        raise Refused(f"kind must be one of {', '.join(dict(checks.KINDS))}", field="kind")
    title = clean_text(title)[:300]
    if not title:
        raise Refused("A title is required.", field="title")
    landing_url = (landing_url or "").strip()
    if landing_url and not is_http_url(landing_url):
        raise Refused("The landing page must be an http(s) address.", field="landing_url")
    with transaction.atomic():
        output = Output.objects.create(
            project=project, kind=kind, title=title, landing_url=landing_url, metadata={"name": title}
        )
        _event(output, user, "created", to_state=DRAFT)
    return output


# --- metadata and checks ---


def _record_check(output: Output, user: Any, report: checks.Report) -> CheckRun:
    run = CheckRun.objects.create(
        output=output,
        checker=report.checker,
        passed=report.passed,
        errors=report.count(checks.ERROR),
        warnings=report.count(checks.WARNING),
        report=report.as_dict(),
        by=user if _authenticated(user) else None,
    )
    output.checks_passed = report.passed
    output.save(update_fields=["checks_passed"])
    _event(
        output,
        user,
        "check",
        check_run=run,
        data={"passed": run.passed, "errors": run.errors, "warnings": run.warnings},
    )
    return run


def check(output: Output, user: Any = None) -> CheckRun:
    """Check the output's current metadata and record the run."""
    report = checks.check_document(output.metadata, output.kind)
    with transaction.atomic():
        return _record_check(output, user, report)


def _changed(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))


def set_metadata(output: Output, user: Any, document: dict[str, Any], note: str = "") -> CheckRun:
    """Replace the output's metadata (team only, while it may be edited) and check it."""
    require(is_team(user, output.project), "Only the project's team edits its metadata.")
    if output.state not in EDITABLE:
        raise Refused(
            f"The metadata cannot change while the output is {output.get_state_display().lower()}.",
            status=409,
        )
    if not isinstance(document, dict):
        raise Refused("The metadata is one JSON object.", field="metadata")
    with transaction.atomic():
        changed = _changed(output.metadata, document)
        output.metadata = document
        if isinstance(document.get("name"), str) and document["name"].strip():
            output.title = clean_text(document["name"])[:300]
        output.save(update_fields=["metadata", "title"])
        _event(output, user, "metadata", body=note, data={"changed": changed})
        if output.state == CHECKS_PASSED:
            _move(output, user, DRAFT, "The metadata changed after the checks; submit again.")
        return check(output, user)


def upload(output: Output, user: Any, name: str, data: bytes) -> tuple[CheckRun | None, checks.Report]:
    """Take an uploaded codemeta.json, a source archive holding one, or (other kinds) a
    JSON metadata file: the report, and the check run when the metadata could be read
    (it then replaces the output's metadata). Archives are also kept as the output's files."""
    require(is_team(user, output.project), "Only the project's team uploads its files and metadata.")
    if len(data) > MAX_FILE:
        raise Refused(f"{name} is larger than {MAX_FILE // 1048576} MB.", field="file", status=413)
    report, document = checks.check_upload(name, data, output.kind)
    if document is None:
        return None, report
    with transaction.atomic():
        run = set_metadata(output, user, document, note=f"from {name}")
        if not checks.is_json(data):
            add_file(output, user, name, data)
    return run, report


def add_file(output: Output, user: Any, name: str, data: bytes) -> OutputFile:
    require(is_team(user, output.project), "Only the project's team uploads its files.")
    if output.state not in EDITABLE:
        raise Refused("Files cannot change while the output is in review or deposited.", status=409)
    if len(data) > MAX_FILE:
        raise Refused(f"{name} is larger than {MAX_FILE // 1048576} MB.", field="file", status=413)
    safe = clean_text(name).replace("/", "_").replace("\\", "_")[:200] or "file"
    with transaction.atomic():
        stored = OutputFile(
            output=output,
            name=safe,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by=user,
        )
        stored.file.save(safe, ContentFile(data), save=False)
        stored.save()
        _event(output, user, "file", body=safe, data={"size": len(data), "sha256": stored.sha256})
    return stored


# --- FAIR ---


def active_overrides(output: Output) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for o in output.overrides.filter(active=True).select_related("by"):
        if o.metric not in found:
            found[o.metric] = {
                "status": o.status,
                "justification": o.justification,
                "by": o.by.get_username() if o.by else "",
            }
    return found


def assess(output: Output, user: Any = None, read_landing: bool = True) -> Assessment:
    """Assess the output as it stands (reading its landing page when it has one)."""
    page = landing.read(output.landing_url) if (output.landing_url and read_landing) else None
    subject = fair.Subject(
        kind=output.kind,
        metadata=output.metadata,
        doi=output.doi,
        checks_passed=output.checks_passed,
        landing=page,
        hub_url=output.get_absolute_url(),
    )
    result = fair.assess(subject, active_overrides(output))
    with transaction.atomic():
        stored = Assessment.objects.create(
            output=output,
            framework=result.framework,
            version=result.version,
            score=result.score,
            results=[r.__dict__ for r in result.results],
            landing=page.as_dict() if page else None,
            by=user if _authenticated(user) else None,
        )
        output.fair_score = result.score
        output.save(update_fields=["fair_score"])
        _event(
            output,
            user,
            "fair",
            data={"score": result.score, "framework": result.framework, "version": result.version},
        )
    return stored


def override(output: Output, user: Any, metric: str, status: str, justification: str) -> Assessment:
    """A mentor's (or curator's) judgement on one metric; the output is assessed again."""
    require(may_review(user, output), "Only the mentor or a curator overrides a FAIR metric.")
    if metric not in fair.metric_ids(output.kind):
        raise Refused(f"'{metric}' is not a metric of this output's framework.", field="metric")
    if status not in (*fair.STATUSES, "withdraw"):
        raise Refused("status is pass, partial, fail or withdraw.", field="status")
    justification = clean_text(justification)
    if status != "withdraw" and len(justification) < 10:
        raise Refused("Write the justification (at least a sentence).", field="justification")
    with transaction.atomic():
        output.overrides.filter(metric=metric, active=True).update(active=False)
        if status != "withdraw":
            Override.objects.create(
                output=output, metric=metric, status=status, justification=justification, by=user
            )
        _event(output, user, "override", field=metric, body=justification, data={"status": status})
    return assess(output, user, read_landing=False)


# --- the review ---


def submit(output: Output, user: Any) -> Output:
    """The team submits (or resubmits): the checks run; passing outputs wait for review
    (or, when resubmitted, go back to their reviewers)."""
    require(is_team(user, output.project), "Only the project's team submits its outputs.")
    if output.state not in {DRAFT, CHECKS_FAILED, CHANGES_REQUESTED}:
        raise Refused(
            f"An output that is {output.get_state_display().lower()} cannot be submitted.", status=409
        )
    with transaction.atomic():
        was_reviewed = output.state == CHANGES_REQUESTED or output.reviewers.exists()
        _move(output, user, RESUBMITTED if was_reviewed else SUBMITTED)
        run = check(output, user)
        if not run.passed:
            _move(output, user, CHECKS_FAILED, f"{run.errors} problem(s) to fix; see the check report.")
        elif not was_reviewed:
            _move(output, user, CHECKS_PASSED)
    assess(output, user, read_landing=False)
    return output


def start_review(output: Output, user: Any, reviewers: list[Any]) -> Output:
    require(may_review(user, output), "Only the mentor or a curator starts the review.")
    if output.state != CHECKS_PASSED:
        raise Refused("The review starts once the checks have passed.", status=409)
    # Reviewers see the whole case (metadata, files, timeline): only people who hold a
    # reviewing role already — community curators and the project's mentors — may be named.
    unqualified = sorted(u.get_username() for u in reviewers
                         if not (is_curator(u) or is_mentor(u, output.project)))
    if unqualified:
        raise Refused(f"Not curators or mentors of this project: {', '.join(unqualified)}.",
                      field="reviewers")
    with transaction.atomic():
        chosen = {u.pk: u for u in reviewers if _authenticated(u)}
        if output.project.mentor is not None:
            chosen.setdefault(output.project.mentor.pk, output.project.mentor)
        if not chosen:
            chosen[user.pk] = user
        output.reviewers.set(list(chosen.values()))
        _event(
            output, user, "reviewers", data={"reviewers": sorted(u.get_username() for u in chosen.values())}
        )
        _move(output, user, IN_REVIEW)
    return output


def request_changes(output: Output, user: Any, body: str) -> Output:
    require(may_review(user, output), "Only the reviewers request changes.")
    if output.state not in REVIEWING:
        raise Refused("Changes are requested during the review.", status=409)
    body = clean_text(body)
    if not body:
        raise Refused("Say what should change.", field="body")
    with transaction.atomic():
        _move(output, user, CHANGES_REQUESTED, body[:MAX_COMMENT])
    return output


def approve(output: Output, user: Any, body: str = "") -> Output:
    require(is_curator(user), "Only community curators approve.")
    if output.state not in REVIEWING:
        raise Refused("Only an output in review can be approved.", status=409)
    if not output.checks_passed:
        raise Refused("The latest metadata checks did not pass.", status=409)
    with transaction.atomic():
        _move(output, user, APPROVED, clean_text(body)[:MAX_COMMENT])
    return output


def decline(output: Output, user: Any, reasons: str) -> Output:
    require(is_curator(user), "Only community curators decline.")
    if output.state in FINAL or output.state == DRAFT:
        raise Refused(
            f"An output that is {output.get_state_display().lower()} cannot be declined.", status=409
        )
    reasons = clean_text(reasons)
    if not reasons:
        raise Refused("Give the reasons.", field="reasons")
    with transaction.atomic():
        output.decline_reason = reasons[:MAX_COMMENT]
        output.save(update_fields=["decline_reason"])
        _move(output, user, DECLINED, reasons[:MAX_COMMENT])
    return output


def record_deposited(output: Output, user: Any, doi: str, record_url: str) -> None:
    with transaction.atomic():
        output.doi, output.record_url = doi, record_url
        output.save(update_fields=["doi", "record_url"])
        _move(output, user, DEPOSITED, f"DOI {doi}" if doi else "")


def record_included(output: Output, user: Any, accepted: bool, note: str = "") -> None:
    with transaction.atomic():
        if accepted:
            _move(output, user, INCLUDED, note)
        else:
            output.decline_reason = note or "The community did not accept the record."
            output.save(update_fields=["decline_reason"])
            _move(output, user, DECLINED, output.decline_reason)


def comment(
    output: Output, user: Any, body: str, field: str = "", check_run: CheckRun | None = None
) -> Event:
    require(takes_part(user, output), "Only the team, the mentor and the curators comment.")
    body = clean_text(body)
    if not body:
        raise Refused("The comment is empty.", field="body")
    if len(body) > MAX_COMMENT:
        raise Refused(f"A comment has at most {MAX_COMMENT} characters.", field="body")
    with transaction.atomic():
        event = _event(output, user, "comment", field=clean_text(field)[:100], body=body, check_run=check_run)
        announce(output, "comment", body)
    return event


def timeline(output: Output) -> list[Event]:
    return list(output.events.select_related("actor", "check_run"))


# The review's steps, as the page and the API both take them: (output, user, body,
# reviewers) -> the output. The page and the API each find the reviewers they name.
ReviewStep = Callable[[Output, Any, str, list[Any]], Output]
REVIEW_STEPS: dict[str, ReviewStep] = {
    "submit": lambda output, user, body, reviewers: submit(output, user),
    "start_review": lambda output, user, body, reviewers: start_review(output, user, reviewers),
    "request_changes": lambda output, user, body, reviewers: request_changes(output, user, body),
    "approve": lambda output, user, body, reviewers: approve(output, user, body),
    "decline": lambda output, user, body, reviewers: decline(output, user, body),
}


def review_step(
    output: Output, user: Any, step: str, body: str = "", reviewers: list[Any] | None = None
) -> Output:
    """Take one step of the review (``REVIEW_STEPS``); an unknown step is refused (404)."""
    run = REVIEW_STEPS.get(step)
    if run is None:
        raise Refused(f"Unknown action; one of {', '.join(REVIEW_STEPS)}.", field="action", status=404)
    return run(output, user, body, reviewers or [])
