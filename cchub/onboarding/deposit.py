"""Deposit an approved output to a Zenodo-compatible repository through the InvenioRDM
REST API: create a draft, upload the files, set the metadata, reserve the DOI, ask for
inclusion in the community (a community-submission review) and submit it.

Each step is committed as it completes (the repository's draft id first of all), so a
failure leaves a record of how far the deposit went, and running it again resumes from
there. 429 and 5xx answers and lost connections are retried with back-off (Retry-After
honoured); creating the draft is not retried after a timeout, since the repository may
have made it. Every failure ends as a plain sentence on the deposit and the timeline.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cchub.lib.fetch import FetchError, Limits, Response, request
from cchub.lib.jobs import is_stale, runner_id
from cchub.lib.sealed import Unreadable, seal, unseal
from cchub.onboarding import checks, workflow
from cchub.onboarding.models import APPROVED, DEPOSITED, Deposit, DepositTarget, Event, Output

RESOURCE_TYPES = {
    "software": "software",
    "dataset": "dataset",
    "publication": "publication-article",
    "training": "lesson",
    "service": "other",
}


FINISHED = ("submitted", "accepted", "declined")


class DepositFailed(Exception):
    pass


def set_token(target: DepositTarget, token: str) -> None:
    token = token.strip()
    if not token:
        raise ValueError("The token is empty.")
    target.token_encrypted = seal(token)
    target.token_hint = token[-4:]
    target.save(update_fields=["token_encrypted", "token_hint"])


def _explain(status: int, body: bytes, what: str) -> str:
    try:
        detail = json.loads(body.decode("utf-8")).get("message", "")
    except (ValueError, AttributeError):
        detail = ""
    reasons = {
        400: "the repository refused the request as invalid",
        401: "the repository refused the token; set a new token for this repository",
        403: "the token may not do this; check its scopes (deposit:write, deposit:actions)",
        404: "the repository does not know this record or community",
        409: "the repository reports a conflict",
        413: "the file is larger than the repository accepts",
        429: "the repository kept answering 'too many requests'; try again later",
    }
    reason = reasons.get(status, "the repository failed" if status >= 500 else "the repository refused it")
    return f"{what}: {reason} (HTTP {status}{': ' + str(detail)[:300] if detail else ''})."


class Client:
    def __init__(self, target: DepositTarget, sleep: Callable[[float], None] | None = None):
        try:
            self.token = unseal(target.token_encrypted) if target.token_encrypted else ""
        except Unreadable as exc:
            raise DepositFailed(str(exc)) from exc
        if not self.token:
            raise DepositFailed(
                f"No token is set for {target.name}; a curator of {target.centre.acronym} sets it."
            )
        self.base = target.base_url.rstrip("/")
        self.limits = Limits(
            timeout=float(getattr(settings, "ONBOARDING_DEPOSIT_TIMEOUT", 60)),
            max_bytes=20 * 1024 * 1024,
            retries=int(getattr(settings, "ONBOARDING_DEPOSIT_RETRIES", 4)),
            allow_private=target.allow_private,
            backoff=float(getattr(settings, "ONBOARDING_DEPOSIT_BACKOFF", 2.0)),
        )
        self.sleep = sleep

    def call(
        self,
        method: str,
        path: str,
        what: str,
        *,
        payload: Any = None,
        data: bytes | None = None,
        ok: tuple[int, ...] = (200, 201, 202),
        once: bool = False,
    ) -> Any:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        body = data
        if payload is not None:
            body = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        elif data is not None:
            headers["Content-Type"] = "application/octet-stream"
        kwargs: dict[str, Any] = {"body": body, "headers": headers, "retry_timeouts": not once}
        if self.sleep is not None:
            kwargs["sleep"] = self.sleep
        try:
            response: Response = request(method, self.base + path, self.limits, **kwargs)
        except FetchError as exc:
            if exc.status:
                raise DepositFailed(
                    _explain(exc.status, getattr(exc, "content", b""), what)
                    + f" ({exc.message.rsplit('(', 1)[-1].rstrip(')')})"
                ) from exc
            raise DepositFailed(f"{what}: {exc.message}") from exc
        if response.status not in ok:
            raise DepositFailed(_explain(response.status, response.content, what))
        try:
            return response.json() if response.content else {}
        except ValueError as exc:
            raise DepositFailed(f"{what}: the repository's answer is not JSON.") from exc


def _person(creator: dict[str, Any]) -> dict[str, Any]:
    name = str(creator.get("name", ""))
    family, _, given = (
        name.partition(", ") if ", " in name else (name.rpartition(" ")[2], "", name.rpartition(" ")[0])
    )
    person: dict[str, Any] = {"type": "personal", "family_name": family or name, "given_name": given}
    orcid = str(creator.get("orcid", "")).rsplit("/", 1)[-1]
    if orcid:
        person["identifiers"] = [{"scheme": "orcid", "identifier": orcid}]
    entry: dict[str, Any] = {"person_or_org": person}
    if creator.get("affiliation"):
        entry["affiliations"] = [{"name": creator["affiliation"]}]
    return entry


def zenodo_metadata(output: Output) -> dict[str, Any]:
    """The output's Zenodo deposit metadata (eossr's conversion for software)."""
    report = checks.check_document(output.metadata, output.kind)
    if not report.passed or report.zenodo is None:
        first = next((p.line() for p in report.problems if p.level == checks.ERROR), "")
        raise DepositFailed(f"The metadata no longer passes its checks: {first}")
    return report.zenodo


def invenio_record(output: Output, has_files: bool) -> dict[str, Any]:
    """InvenioRDM record metadata, from the Zenodo deposit metadata."""
    zenodo = zenodo_metadata(output)
    metadata: dict[str, Any] = {
        "resource_type": {"id": RESOURCE_TYPES.get(output.kind, "other")},
        "title": zenodo["title"],
        "publication_date": zenodo.get("publication_date") or output.created_at.date().isoformat(),
        "creators": [_person(c) for c in zenodo.get("creators", [])],
        "description": zenodo.get("description", ""),
        "publisher": "Zenodo",
    }
    if zenodo.get("license"):
        metadata["rights"] = [{"id": zenodo["license"]}]
    if zenodo.get("version"):
        metadata["version"] = str(zenodo["version"])
    if zenodo.get("keywords"):
        metadata["subjects"] = [{"subject": k} for k in zenodo["keywords"]]
    if zenodo.get("related_identifiers"):
        metadata["related_identifiers"] = [
            {
                "identifier": r["identifier"],
                "scheme": r.get("scheme", "url"),
                "relation_type": {"id": str(r.get("relation", "references")).lower()},
            }
            for r in zenodo["related_identifiers"]
        ]
    if output.project.grant_id:
        metadata["funding"] = [
            {
                "funder": {"name": "European Commission"},
                "award": {"number": output.project.grant_id, "title": {"en": output.project.title}},
            }
        ]
    return {
        "metadata": metadata,
        "access": {"record": "public", "files": "public"},
        "files": {"enabled": has_files},
    }


def start(output: Output, target: DepositTarget, user: Any) -> Deposit:
    """Begin (or resume) the deposit of an approved output; the steps run in ``run``."""
    workflow.require(workflow.is_curator(user), "Only community curators deposit.")
    if output.state != APPROVED:
        raise workflow.Refused("Only an approved output is deposited.", status=409)
    if not target.community:
        raise workflow.Refused(
            f"{target.name} has no community set; a curator of {target.centre.acronym} sets it.",
            field="target",
        )
    # Any unfinished deposit to this repository is resumed with its draft: one that failed,
    # and one whose process died mid-way (killed or crashed) without saying so.
    deposit = output.deposits.filter(target=target).exclude(step__in=FINISHED).first()
    if deposit is None:
        return Deposit.objects.create(output=output, target=target, by=user)
    if not deposit.failed and deposit.runner and not is_stale(deposit.runner, deposit.heartbeat_at):
        raise workflow.Refused(f"A deposit to {target.name} is under way (step: {deposit.step}).", status=409)
    Deposit.objects.filter(pk=deposit.pk).update(failed=False, error="", runner="")
    deposit.refresh_from_db()
    return deposit


def _step(deposit: Deposit, step: str, note: str, **fields: Any) -> None:
    """Record a completed step (committed on its own)."""
    with transaction.atomic():
        deposit.step = step
        deposit.heartbeat_at = timezone.now()
        for name, value in fields.items():
            setattr(deposit, name, value)
        deposit.log = [*deposit.log, {"step": step, "note": note}]
        deposit.save()
        Event.objects.create(
            output=deposit.output,
            actor=deposit.by,
            kind="deposit",
            body=note,
            data={"step": step, "deposit": deposit.pk},
        )


def run(
    deposit: Deposit,
    progress: Callable[[str], None] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> Deposit:
    """Carry out the deposit's remaining steps; on failure the deposit records the error
    and keeps the steps done, and the output stays approved."""
    say = progress or (lambda text: None)
    output, target = deposit.output, deposit.target
    Deposit.objects.filter(pk=deposit.pk).update(runner=runner_id(), heartbeat_at=timezone.now())
    deposit.runner = runner_id()
    try:
        client = Client(target, sleep)
        files = list(output.files.all())
        record = invenio_record(output, has_files=bool(files))
        if not deposit.record_id:
            say("creating the draft")
            made = client.call("POST", "/api/records", "Creating the draft", payload=record, once=True)
            draft_id = str(made.get("id", ""))
            if not draft_id:
                raise DepositFailed("Creating the draft: the repository's answer has no id.")
            _step(
                deposit,
                "draft",
                f"draft {draft_id} created",
                record_id=draft_id,
                record_url=str(made.get("links", {}).get("self_html", "")),
            )
        rid = quote(deposit.record_id, safe="")
        for stored in files:
            if stored.name in deposit.files_done:
                continue
            say(f"uploading {stored.name} ({stored.size} bytes)")
            key = quote(stored.name, safe="")
            existing = client.call("GET", f"/api/records/{rid}/draft/files", "Listing the draft's files")
            keys = {e.get("key") for e in existing.get("entries", [])}
            if stored.name not in keys:
                client.call(
                    "POST",
                    f"/api/records/{rid}/draft/files",
                    f"Announcing {stored.name}",
                    payload=[{"key": stored.name}],
                )
            with stored.file.open("rb") as handle:
                content = handle.read()
            client.call(
                "PUT",
                f"/api/records/{rid}/draft/files/{key}/content",
                f"Uploading {stored.name}",
                data=content,
            )
            client.call("POST", f"/api/records/{rid}/draft/files/{key}/commit", f"Completing {stored.name}")
            _step(deposit, "files", f"{stored.name} uploaded", files_done=[*deposit.files_done, stored.name])
        if deposit.step in ("draft", "files", "started"):
            say("setting the metadata")
            client.call("PUT", f"/api/records/{rid}/draft", "Setting the metadata", payload=record)
            pids = client.call("POST", f"/api/records/{rid}/draft/pids/doi", "Reserving the DOI")
            doi = str(pids.get("pids", {}).get("doi", {}).get("identifier", ""))
            _step(deposit, "metadata", f"metadata set, DOI {doi or 'not reserved'}", doi=doi)
        if deposit.step == "metadata":
            say(f"asking for inclusion in {target.community}")
            community = client.call(
                "GET",
                f"/api/communities/{quote(target.community, safe='')}",
                f"Finding the community {target.community}",
            )
            client.call(
                "PUT",
                f"/api/records/{rid}/draft/review",
                "Requesting the community's review",
                payload={
                    "receiver": {"community": community.get("id", target.community)},
                    "type": "community-submission",
                },
            )
            _step(deposit, "review", f"review by {target.community} requested")
        if deposit.step == "review":
            say("submitting")
            answer = client.call(
                "POST",
                f"/api/records/{rid}/draft/actions/submit-review",
                "Submitting",
                payload={
                    "payload": {"content": f"Onboarded through CC Hub: {output.title}", "format": "html"}
                },
            )
            request_id = str(answer.get("id", ""))
            _step(deposit, "submitted", "submitted to the community's curators", request_id=request_id)
            workflow.record_deposited(
                output,
                deposit.by,
                deposit.doi,
                deposit.record_url or f"{client.base}/records/{deposit.record_id}",
            )
    except (DepositFailed, workflow.Refused) as exc:
        message = str(exc) if isinstance(exc, DepositFailed) else exc.message
        with transaction.atomic():
            Deposit.objects.filter(pk=deposit.pk).update(failed=True, error=message)
            Event.objects.create(
                output=output,
                actor=deposit.by,
                kind="deposit",
                body=message,
                data={"step": deposit.step, "failed": True, "deposit": deposit.pk},
            )
        deposit.refresh_from_db()
        say(f"failed: {message}")
    return deposit


def refresh(deposit: Deposit, user: Any = None) -> str:
    """Ask the repository whether the community accepted the record; the new state."""
    output = deposit.output
    if output.state != DEPOSITED or not deposit.request_id:
        return output.state
    client = Client(deposit.target)
    answer = client.call("GET", f"/api/requests/{quote(deposit.request_id, safe='')}", "Reading the request")
    status = str(answer.get("status", ""))
    if status == "accepted":
        Deposit.objects.filter(pk=deposit.pk).update(step="accepted")
        workflow.record_included(output, user, True, f"accepted by {deposit.target.community}")
    elif status in ("declined", "cancelled", "expired"):
        Deposit.objects.filter(pk=deposit.pk).update(step="declined")
        workflow.record_included(output, user, False, f"the community's curators {status} the request")
    output.refresh_from_db()
    return output.state
