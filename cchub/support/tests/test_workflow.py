"""Tickets from question to closure: routing on submission, states, replies and notes,
hand-over between centres, links, auto-close."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from cchub.registry.models import Centre
from cchub.support import workflow
from cchub.support.models import CLOSED, IN_PROGRESS, NEW, SOLVED, WAITING, Ticket, TicketEvent, TicketLink
from cchub.support.workflow import Submission, TicketError

pytestmark = pytest.mark.django_db

ADQL = Submission(
    subject="Querying Gaia with ADQL through TAP",
    body="How do I write an ADQL query to the Gaia archive to select stars within 100 pc?",
)
VAGUE = Submission(subject="A question", body="Hello, I would like to talk to someone about my work.")


def ask(desk: dict[str, Any], sub: Submission = ADQL) -> Ticket:
    return workflow.submit(sub, desk["researcher"])


def test_confident_question_goes_straight_to_the_centre(desk: dict[str, Any]) -> None:
    ticket = ask(desk)
    assert ticket.centre is not None and ticket.centre.slug == "escape-vo"
    assert ticket.auto_routed and ticket.state == NEW
    routed = ticket.events.get(kind=TicketEvent.ROUTED)
    assert routed.data["automatic"] and any("table access protocol" in r for r in routed.data["reasons"])
    assert ticket.routing[0]["centre"]["acronym"] == "ESCAPE-VO"


def test_unclear_question_waits_in_triage_with_suggestions(desk: dict[str, Any]) -> None:
    ticket = ask(desk, VAGUE)
    assert ticket.centre is None and not ticket.auto_routed
    assert ticket.events.filter(kind=TicketEvent.ROUTED, data__to=None).exists()
    workflow.place(ticket, desk["triager"], Centre.objects.get(slug="kit").pk, "KIT knows this group")
    ticket.refresh_from_db()
    assert ticket.centre.slug == "kit" and ticket.routed_at is not None


def test_bad_submissions_are_refused_and_write_nothing(desk: dict[str, Any]) -> None:
    before = Ticket.objects.count()
    cases = [
        (Submission(subject="", body="x"), "subject"),
        (Submission(subject="Help", body="   "), "body"),
        (Submission(subject="Help", body="x" * 20001), "body"),
        (Submission(subject="Help", body="x", country="XX"), "country"),
        (Submission(subject="Help", body="x", language="klingon"), "language"),
        (Submission(subject="Help", body="x", stage="hpc"), "stage"),  # not a workflow stage
        (Submission(subject="Help", body="x", priority="whenever"), "priority"),
        (Submission(subject="Help", body="x", service="no-such-service"), "service"),
    ]
    for sub, field in cases:
        with pytest.raises(TicketError) as exc:
            workflow.submit(sub, desk["researcher"])
        assert exc.value.field == field, sub
    with pytest.raises(TicketError) as exc:
        workflow.submit(Submission(subject="Help", body="x", email="not-an-address"), None)
    assert exc.value.field == "email"
    assert Ticket.objects.count() == before


def test_states_replies_and_notes(desk: dict[str, Any]) -> None:
    ticket = ask(desk)
    vo = desk["vo"]
    workflow.assign(ticket, vo, vo.pk)
    ticket.refresh_from_db()
    assert ticket.state == "assigned" and ticket.assignee == vo
    workflow.reply(ticket, vo, "Only the team sees this.", public=False)
    ticket.refresh_from_db()
    assert ticket.first_response_at is None  # a note is not a response
    workflow.reply(ticket, vo, "Which release of Gaia do you use?", new_state=WAITING)
    ticket.refresh_from_db()
    assert ticket.state == WAITING and ticket.first_response_at is not None
    workflow.reply(ticket, desk["researcher"], "DR3.")
    ticket.refresh_from_db()
    assert ticket.state == IN_PROGRESS  # the requester's reply returns it to in progress
    workflow.change_state(ticket, vo, SOLVED, "query sent")
    ticket.refresh_from_db()
    assert ticket.state == SOLVED and ticket.solved_at is not None
    with pytest.raises(TicketError) as exc:
        workflow.change_state(ticket, vo, "on-hold")
    assert exc.value.status == 409
    # The requester may reopen before the ticket closes.
    workflow.change_state(ticket, desk["researcher"], IN_PROGRESS)
    ticket.refresh_from_db()
    assert ticket.state == IN_PROGRESS and ticket.solved_at is None
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds.count(TicketEvent.REPLY) == 2 and TicketEvent.NOTE in kinds


def test_requester_cannot_change_state_or_read_notes(desk: dict[str, Any]) -> None:
    ticket = ask(desk)
    state, events = ticket.state, ticket.events.count()
    with pytest.raises(TicketError):
        workflow.change_state(ticket, desk["researcher"], SOLVED)
    with pytest.raises(TicketError):
        workflow.reply(ticket, desk["researcher"], "a note", public=False)
    with pytest.raises(TicketError):
        workflow.assign(ticket, desk["vo"], desk["kit"].pk)  # not a supporter of ESCAPE-VO
    ticket.refresh_from_db()  # and nothing of it was written
    assert ticket.state == state and ticket.assignee_id is None and ticket.events.count() == events


def test_solved_tickets_close_after_ten_working_days(desk: dict[str, Any], settings: Any) -> None:
    settings.SUPPORT_AUTOCLOSE_DAYS = 10
    ticket = ask(desk)
    workflow.change_state(ticket, desk["vo"], SOLVED)
    ticket.refresh_from_db()
    due = workflow.autoclose_at(ticket)
    assert due is not None
    assert dt.timedelta(days=12) <= due - ticket.solved_at <= dt.timedelta(days=16)  # ten working days
    assert workflow.tick(now=due - dt.timedelta(minutes=1))["closed"] == 0
    assert workflow.tick(now=due + dt.timedelta(minutes=1))["closed"] == 1
    ticket.refresh_from_db()
    assert ticket.state == CLOSED and ticket.closed_at is not None
    with pytest.raises(TicketError) as exc:
        workflow.reply(ticket, desk["vo"], "one more thing")
    assert exc.value.status == 409  # staff cannot write to a closed ticket
    with pytest.raises(TicketError):
        workflow.change_state(ticket, desk["researcher"], IN_PROGRESS)
    # The requester can: their message opens a linked follow-up at the same centre.
    event = workflow.reply(ticket, desk["researcher"], "one more thing")
    follow = event.ticket
    assert follow.pk != ticket.pk and follow.centre_id == ticket.centre_id and follow.state == "new"
    assert follow.links_out.get().target_id == ticket.pk
    assert ticket.events.filter(kind="followup", data__target=follow.pk).exists()


@pytest.mark.demo
def test_transfer_with_reason_reaches_the_other_centre(
    desk: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    ticket = ask(desk)
    kit = Centre.objects.get(slug="kit")
    with pytest.raises(TicketError) as exc:
        workflow.transfer(ticket, desk["vo"], kit.pk, "   ")
    assert exc.value.field == "reason"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transfer(ticket, desk["vo"], kit.pk, "They hold the Gaia mirror")
    ticket.refresh_from_db()
    assert ticket.centre == kit and ticket.assignee is None and ticket.state == NEW
    event = ticket.events.get(kind=TicketEvent.TRANSFER)
    assert event.body == "They hold the Gaia mirror" and event.data["from_centre"] == "ESCAPE-VO"
    sent = [m for m in mail.outbox if "transferred" in m.subject]
    assert sent and desk["kit"].email in sent[0].to and "They hold the Gaia mirror" in sent[0].body
    # The sending centre no longer holds it: a forged second transfer by it is refused.
    with pytest.raises(TicketError):
        workflow.transfer(ticket, desk["vo"], Centre.objects.get(slug="infn").pk, "again")
    ticket.refresh_from_db()
    assert ticket.centre == kit


def test_referral_goes_to_the_next_best_centre_never_back(desk: dict[str, Any]) -> None:
    ticket = ask(desk)
    workflow.refer(ticket, desk["vo"], "We only do the VO side")
    ticket.refresh_from_db()
    assert ticket.centre is None or ticket.centre.slug != "escape-vo"
    assert ticket.events.filter(kind=TicketEvent.REFERRAL).exists()


def test_escalation_and_invitation(desk: dict[str, Any]) -> None:
    ticket = ask(desk)
    kit = Centre.objects.get(slug="kit")
    workflow.invite(ticket, desk["vo"], kit.pk, "You run the Gaia mirror")
    assert ticket.collaborators.filter(pk=kit.pk).exists()
    # The invited centre helps without owning the ticket.
    workflow.reply(ticket, desk["kit"], "Mirror is at ...", public=False)
    with pytest.raises(TicketError):
        workflow.transfer(ticket, desk["kit"], kit.pk, "mine now")
    with pytest.raises(TicketError) as exc:
        workflow.invite(ticket, desk["vo"], kit.pk)
    assert exc.value.status == 409
    workflow.escalate(ticket, desk["kit"], "Needs a network decision")
    ticket.refresh_from_db()
    assert ticket.escalated and ticket.centre.slug == "escape-vo"


def test_links_between_tickets(desk: dict[str, Any]) -> None:
    first, second, third = ask(desk), ask(desk), ask(desk)
    workflow.link(second, desk["vo"], first.pk, TicketLink.DUPLICATE)
    workflow.link(third, desk["vo"], first.pk, TicketLink.CHILD)
    with pytest.raises(TicketError):
        workflow.link(first, desk["vo"], third.pk, TicketLink.CHILD)  # a cycle
    with pytest.raises(TicketError):
        workflow.link(first, desk["vo"], first.pk, TicketLink.RELATED)
    with pytest.raises(TicketError):
        workflow.link(first, desk["vo"], second.pk, TicketLink.RELATED)  # already linked
    with pytest.raises(TicketError):
        workflow.link(first, desk["vo"], 999999, TicketLink.RELATED)
    assert TicketLink.objects.count() == 2


@pytest.mark.demo
def test_guest_question_waits_for_the_confirmed_address(
    desk: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    from cchub.support.guests import confirmation_link, read_confirmation

    with django_capture_on_commit_callbacks(execute=True):
        ticket = workflow.submit(
            Submission(subject=ADQL.subject, body=ADQL.body, email="ana@example.org", name="Ana"), None
        )
    assert not ticket.confirmed and ticket.centre is None and ticket.routed_at is None
    message = next(m for m in mail.outbox if "Confirm" in m.subject)
    assert message.to == ["ana@example.org"] and "/support/confirm/" in message.body
    link = confirmation_link(ticket)
    assert read_confirmation(link.rstrip("/").split("/")[-1]) == ticket
    assert read_confirmation("forged-token") is None
    assert workflow.confirm(ticket) is True
    assert workflow.confirm(ticket) is False  # once only
    ticket.refresh_from_db()
    assert ticket.confirmed and ticket.centre is not None and ticket.centre.slug == "escape-vo"


def test_sla_warning_and_breach_are_sent_once(
    desk: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    ticket = ask(desk)
    Ticket.objects.filter(pk=ticket.pk).update(priority="top")  # 1 working hour to respond
    monday = timezone.make_aware(dt.datetime(2026, 11, 16, 10, 0))
    Ticket.objects.filter(pk=ticket.pk).update(routed_at=monday)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert workflow.tick(now=monday + dt.timedelta(minutes=50))["warnings"] == 1
        assert workflow.tick(now=monday + dt.timedelta(minutes=55))["warnings"] == 0
        assert workflow.tick(now=monday + dt.timedelta(minutes=70))["breaches"] == 1
    # Each recipient gets the warning and the breach once (one message per recipient).
    sent = [(m.subject, tuple(m.to)) for m in mail.outbox if "Service level" in m.subject]
    assert len({subject for subject, _ in sent}) == 2 and len(sent) == len(set(sent))
    assert ticket.events.filter(kind=TicketEvent.SLA).count() == 2
