"""The curated review: states, who may do what, comments, timeline, e-mail; and the
deposit to an InvenioRDM repository started on 127.0.0.1, with its failures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core import mail

from cchub.lib.api import Refused
from cchub.lib.sealed import unseal
from cchub.onboarding import deposit, workflow
from cchub.onboarding.models import DepositTarget, Output
from cchub.onboarding.tests.invenio_server import Fault, invenio
from cchub.registry.models import Centre

DATA = Path(__file__).parent / "data" / "codemeta"
VALID = (DATA / "ossr-v2-valid.json").read_bytes()
BROKEN = (DATA / "ossr-broken.json").read_bytes()


@pytest.fixture(autouse=True)
def inline(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ONBOARDING_DEPOSIT_TIMEOUT = 1.0
    settings.ONBOARDING_DEPOSIT_BACKOFF = 0.01
    settings.ONBOARDING_DEPOSIT_RETRIES = 3


def states(output: Output) -> list[str]:
    return [e.to_state for e in output.events.filter(kind="state")]


def approved(o: dict[str, Any], django_capture_on_commit_callbacks: Any) -> Output:
    output = o["output"]
    with django_capture_on_commit_callbacks(execute=True):
        workflow.upload(output, o["lead"], "codemeta.json", VALID)
        workflow.submit(output, o["lead"])
        workflow.start_review(output, o["mentor"], [o["community"]])
        workflow.approve(output, o["community"], "Ready for the OSSR.")
    output.refresh_from_db()
    return output


def test_the_whole_review(onboarding: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    o, output = onboarding, onboarding["output"]
    with django_capture_on_commit_callbacks(execute=True):
        run, report = workflow.upload(output, o["lead"], "codemeta.json", BROKEN)
        assert run is not None and not run.passed and output.state == "draft"
        workflow.submit(output, o["lead"])
    output.refresh_from_db()
    assert output.state == "checks_failed" and output.checks_passed is False
    assert states(output) == ["submitted", "checks_failed"]
    # the team hears about it, with the number of problems
    failed = [m for m in mail.outbox if "Checks failed" in m.subject]
    assert failed and sorted(failed[0].to) == ["lead@example.org", "member@example.org"]
    assert "8 problem(s) to fix" in failed[0].body

    with django_capture_on_commit_callbacks(execute=True):
        workflow.upload(output, o["member"], "codemeta.json", VALID)
        workflow.submit(output, o["member"])
    output.refresh_from_db()
    assert output.state == "checks_passed" and output.fair_score is not None
    assert output.title == "gammapy-lite" and output.metadata["softwareVersion"] == "v1.4.2"

    workflow.start_review(output, o["ossr_curator"], [o["community"]])
    assert output.state == "in_review"
    assert set(output.reviewers.values_list("username", flat=True)) == {"mentor", "community"}
    with pytest.raises(Refused, match="Say what should change"):
        workflow.request_changes(output, o["mentor"], "  ")
    workflow.request_changes(output, o["mentor"], "Add the ORCID of Ada Ricci.")
    assert output.state == "changes_requested"
    workflow.comment(output, o["lead"], "She has none yet; she is registering.", field="author[1]")
    doc = json.loads(VALID)
    doc["author"][1]["identifier"] = "https://orcid.org/0000-0001-5109-3700"
    workflow.set_metadata(output, o["lead"], doc)
    workflow.submit(output, o["lead"])
    assert output.state == "resubmitted"
    with pytest.raises(Refused, match="Only community curators approve"):
        workflow.approve(output, o["mentor"])
    workflow.approve(output, o["community"], "Good.")
    assert output.state == "approved"
    assert states(output) == [
        "submitted",
        "checks_failed",
        "submitted",
        "checks_passed",
        "in_review",
        "changes_requested",
        "resubmitted",
        "approved",
    ]
    comment = output.events.get(kind="comment")
    assert comment.field == "author[1]" and comment.actor == o["lead"]


@pytest.mark.parametrize("who", ["mentor", "community", "outsider", "ossr_curator", "admin"])
def test_only_the_team_edits_metadata(onboarding: dict[str, Any], who: str) -> None:
    with pytest.raises(Refused) as refused:
        workflow.set_metadata(onboarding["output"], onboarding[who], {"name": "changed"})
    assert refused.value.status == 403
    assert Output.objects.get(pk=onboarding["output"].pk).metadata == {}


def test_who_may_act(onboarding: dict[str, Any]) -> None:
    o, output = onboarding, onboarding["output"]
    with pytest.raises(Refused):
        workflow.submit(output, o["mentor"])
    workflow.upload(output, o["lead"], "codemeta.json", VALID)
    workflow.submit(output, o["lead"])
    with pytest.raises(Refused):
        workflow.start_review(output, o["member"], [])
    with pytest.raises(Refused):
        workflow.start_review(output, o["outsider"], [])
    with pytest.raises(Refused):
        workflow.comment(output, o["outsider"], "hello")
    workflow.start_review(output, o["mentor"], [])
    with pytest.raises(Refused, match="review starts"):
        workflow.start_review(output, o["mentor"], [])
    with pytest.raises(Refused, match="Only community curators decline"):
        workflow.decline(output, o["mentor"], "no")
    with pytest.raises(Refused, match="cannot change while"):
        workflow.set_metadata(output, o["lead"], {"name": "x"})
    workflow.decline(output, o["community"], "Out of the OSSR's scope.")
    assert output.state == "declined" and output.decline_reason == "Out of the OSSR's scope."
    rights = workflow.rights(o["community"], output)
    assert not any(rights[k] for k in ("edit", "submit", "approve", "decline", "deposit"))


def test_fair_override_needs_a_justification(onboarding: dict[str, Any]) -> None:
    o, output = onboarding, onboarding["output"]
    workflow.upload(output, o["lead"], "codemeta.json", VALID)
    first = workflow.assess(output, o["lead"])
    with pytest.raises(Refused, match="justification"):
        workflow.override(output, o["mentor"], "I1", "pass", "ok")
    with pytest.raises(Refused):
        workflow.override(output, o["lead"], "I1", "pass", "The team says it reads FITS files.")
    with pytest.raises(Refused, match="not a metric"):
        workflow.override(output, o["mentor"], "FsF-F1-01D", "pass", "Wrong framework for software.")
    second = workflow.override(
        output, o["mentor"], "I1", "pass", "Reads and writes FITS and GADF, see the docs."
    )
    i1 = next(r for r in second.results if r["metric"] == "I1")
    assert (
        i1["status"] == "pass" and i1["override"]["by"] == "mentor" and i1["override"]["automatic"] == "fail"
    )
    assert second.score == first.score + 6.2 or abs(second.score - first.score - 6.25) <= 0.1
    assert output.assessments.count() == 2  # every assessment kept, stamped
    assert {a.version for a in output.assessments.all()} == {"cchub-fair/1"}
    third = workflow.override(output, o["mentor"], "I1", "withdraw", "")
    assert third.score == first.score


def make_target(base: str, token: str = "secret-token") -> DepositTarget:
    target = DepositTarget.objects.create(
        centre=Centre.objects.get(slug="escape-ossr"),
        name="Test Zenodo",
        base_url=base,
        community="escape2020",
        allow_private=True,
    )
    deposit.set_token(target, token)
    return target


def test_token_is_sealed(onboarding: dict[str, Any]) -> None:
    target = make_target("http://127.0.0.1:9", "zenodo-personal-token-1234")
    stored = DepositTarget.objects.get(pk=target.pk)
    assert "zenodo-personal-token" not in stored.token_encrypted
    assert stored.token_hint == "1234"
    assert unseal(stored.token_encrypted) == "zenodo-personal-token-1234"


def test_deposit_end_to_end(onboarding: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    o = onboarding
    output = approved(o, django_capture_on_commit_callbacks)
    with pytest.raises(Refused, match="Files cannot change"):
        workflow.add_file(output, o["lead"], "late.zip", b"PK")
    with invenio() as (base, server):
        target = make_target(base)
        with pytest.raises(Refused, match="Only community curators deposit"):
            deposit.start(output, target, o["mentor"])
        dep = deposit.start(output, target, o["community"])
        steps: list[str] = []
        dep = deposit.run(dep, progress=steps.append)
        assert not dep.failed, dep.error
        output.refresh_from_db()
        assert output.state == "deposited" and output.doi == "10.5072/zenodo.0001"
        assert output.record_url.endswith("/uploads/rec-0001")
        draft = server.drafts["rec-0001"]
        record = draft["record"]["metadata"]
        assert record["title"] == "gammapy-lite" and record["rights"] == [{"id": "bsd-3-clause"}]
        assert record["creators"][0]["person_or_org"] == {
            "type": "personal",
            "family_name": "Carberry",
            "given_name": "Josiah",
            "identifiers": [{"scheme": "orcid", "identifier": "0000-0002-1825-0097"}],
        }
        assert record["funding"][0]["award"]["number"] == "101129751"
        assert draft["review"] == {
            "receiver": {"community": server.communities["escape2020"]},
            "type": "community-submission",
        }
        assert [e["step"] for e in dep.log] == ["draft", "metadata", "review", "submitted"]
        assert steps[0] == "creating the draft"
        server.requests["req-rec-0001"]["status"] = "accepted"
        assert deposit.refresh(dep, o["community"]) == "included"


def test_deposit_uploads_files_and_retries_429(
    onboarding: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    o, output = onboarding, onboarding["output"]
    workflow.add_file(output, o["lead"], "gammapy-lite-1.4.2.tar.gz", b"\x1f\x8b" + b"x" * 5000)
    output = approved(o, django_capture_on_commit_callbacks)
    with invenio() as (base, server):
        server.faults = [Fault("PUT", r"/api/records/.*/content", "429", times=2)]
        dep = deposit.run(deposit.start(output, make_target(base), o["community"]))
        assert not dep.failed, dep.error
        draft = server.drafts["rec-0001"]
        assert draft["files"]["gammapy-lite-1.4.2.tar.gz"] == b"\x1f\x8b" + b"x" * 5000
        assert draft["committed"] == {"gammapy-lite-1.4.2.tar.gz"}
        assert draft["record"]["files"] == {"enabled": True}
        assert server.count("PUT", r"/api/records/rec-0001/draft/files/.*/content") == 3


def test_deposit_failure_is_recorded_and_resumed(
    onboarding: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    o = onboarding
    output = approved(o, django_capture_on_commit_callbacks)
    with invenio() as (base, server):
        target = make_target(base)
        server.faults = [Fault("PUT", r"/api/records/rec-0001/draft", "500", times=3)]
        dep = deposit.run(deposit.start(output, target, o["community"]))
        assert dep.failed and dep.step == "draft" and dep.record_id == "rec-0001"
        assert dep.error == (
            "Setting the metadata: the repository failed (HTTP 500: Injected 500). (tried 3 times)"
        )
        output.refresh_from_db()
        assert output.state == "approved"
        failure = output.events.filter(kind="deposit").last()
        assert failure is not None and failure.data["failed"] and "HTTP 500" in failure.body
        # again, once the repository is well: the same draft is completed, no second one made
        dep = deposit.run(deposit.start(output, target, o["community"]))
        assert not dep.failed and dep.step == "submitted"
        assert server.count("POST", "/api/records") == 1
        output.refresh_from_db()
        assert output.state == "deposited"


@pytest.mark.parametrize(
    ("fault", "token", "expected", "posts"),
    [
        (
            None,
            "wrong-token",
            "Creating the draft: the repository refused the token; set a new token for this "
            "repository (HTTP 401: The server could not verify that you are authorized).",
            1,
        ),
        (Fault("POST", "/api/records", "timeout"), "secret-token", "Creating the draft: ", 1),
        (
            Fault("PUT", r"/api/records/.*/content", "413", times=1),
            "secret-token",
            "Uploading big.bin: the file is larger than the repository accepts (HTTP 413: Injected 413).",
            1,
        ),
    ],
)
def test_deposit_failures_are_clear(
    onboarding: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
    fault: Fault | None,
    token: str,
    expected: str,
    posts: int,
) -> None:
    o, output = onboarding, onboarding["output"]
    workflow.add_file(output, o["lead"], "big.bin", b"0" * 2048)
    output = approved(o, django_capture_on_commit_callbacks)
    with invenio() as (base, server):
        server.faults = [fault] if fault else []
        dep = deposit.run(deposit.start(output, make_target(base, token), o["community"]))
        assert dep.failed
        assert dep.error.startswith(expected)
        if fault and fault.kind == "timeout":
            assert "no answer within 1 s" in dep.error  # and not sent again
        assert server.count("POST", "/api/records") == posts
        output.refresh_from_db()
        assert output.state == "approved"
