"""No question reaches nobody: routing and people only send tickets where someone answers,
notices that would reach nobody go to the triage rota and are recorded, a ticket nobody
opened escalates, the triage queue has a clock of its own."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone

from cchub.records import watch
from cchub.support import notify, staffing, workflow
from cchub.support.models import Coordinator, Desk, Supporter, Ticket, TicketEvent
from cchub.support.workflow import Submission, TicketError
from cchub.testing import factories
from cchub.testing.helpers import make_user

pytestmark = pytest.mark.django_db

ADQL = Submission(
    subject="Querying Gaia with ADQL through TAP",
    body="How do I write an ADQL query to the Gaia archive to select stars within 100 pc?",
)


def test_migrations_create_the_groups_the_workflow_names(db: Any) -> None:
    assert set(Group.objects.values_list("name", flat=True)) >= {"Triagers", "Network administrators"}


def test_a_centre_is_staffed_by_a_supporter_a_confirmed_address_or_a_bridge(db: Any) -> None:
    with watch.batch():
        a, b, c, d = (factories.centre(x) for x in ("A-CC", "B-CC", "C-CC", "D-CC"))
    Supporter.objects.create(user=make_user("alice"), centre=a)
    b.helpdesk_email = "desk@b.example"
    b.save()
    Desk.objects.create(centre=b)  # an address nobody confirmed does not count
    Desk.objects.create(centre=c, handover=Desk.HANDOVER_EMAIL, handover_address="rt@c.example")
    silent = make_user("silent")
    silent.email = ""
    silent.save()
    Supporter.objects.create(user=silent, centre=d)  # nobody can be told: no address
    assert staffing.staffed_centre_ids() == {a.pk, c.pk}
    staffing.confirm_address(b)
    assert staffing.staffed_centre_ids() == {a.pk, b.pk, c.pk}
    assert staffing.centre_addresses(b.pk) == ["desk@b.example"]


def test_routing_never_sends_a_question_to_a_centre_with_nobody(
    desk: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    Supporter.objects.filter(centre__slug="escape-vo").delete()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = workflow.submit(ADQL, desk["researcher"])
    assert ticket.centre is None  # the best match is unstaffed: triage, not a void
    assert ticket.routing[0]["centre"]["acronym"] == "ESCAPE-VO" and ticket.routing[0]["staffed"] is False
    routed = ticket.events.get(kind=TicketEvent.ROUTED)
    assert routed.data["unstaffed"] == "ESCAPE-VO"
    triage = [m for m in mail.outbox if "triage queue" in m.subject]
    assert triage and "nobody to answer" in triage[0].body
    # A triager cannot place it there either, and is told why.
    with pytest.raises(TicketError) as exc:
        workflow.place(ticket, desk["triager"], ticket.routing[0]["centre"]["id"])
    assert exc.value.status == 409 and "nobody to answer" in exc.value.message


def test_the_triage_screen_says_which_suggestions_have_nobody(desk: dict[str, Any], client: Any) -> None:
    Supporter.objects.filter(centre__slug="escape-vo").delete()
    ticket = workflow.submit(ADQL, desk["researcher"])
    client.force_login(desk["triager"])
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert "nobody to answer" in page and "Send to ESCAPE-VO" not in page


def test_transfer_invite_and_refer_only_to_staffed_centres(desk: dict[str, Any]) -> None:
    ticket = workflow.submit(ADQL, desk["researcher"])
    empty = factories.centre("EMPTY-CC")
    for action in (
        lambda: workflow.transfer(ticket, desk["vo"], empty.pk, "not ours"),
        lambda: workflow.invite(ticket, desk["vo"], empty.pk),
    ):
        with pytest.raises(TicketError) as exc:
            action()
        assert exc.value.status == 409
    workflow.refer(ticket, desk["vo"], "we lack it")
    ticket.refresh_from_db()
    assert ticket.centre is None or staffing.is_staffed(ticket.centre_id)


def test_a_notice_with_no_recipient_goes_to_the_triage_rota_and_is_recorded(
    desk: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    ticket = workflow.submit(ADQL, desk["researcher"])
    Supporter.objects.filter(centre=ticket.centre).delete()  # the staff left
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.reply(ticket, desk["researcher"], "Any news?")
    recorded = ticket.events.get(kind=TicketEvent.UNDELIVERED)
    assert recorded.data == {"event": "requester-reply", "sent_to": "triage rota"} and not recorded.public
    to = {a for m in mail.outbox for a in m.to}
    assert desk["triager"].email in to
    assert "nobody else would" in mail.outbox[0].body


def test_a_notice_nobody_can_receive_is_still_recorded(db: Any, caplog: Any) -> None:
    ticket = Ticket.objects.create(subject="x", body="y", requester_email="r@example.org")
    notify.notify("new", ticket, [])  # no centre staff and no triager at all
    assert ticket.events.get(kind=TicketEvent.UNDELIVERED).data["sent_to"] == "nobody"
    assert "reached nobody" in caplog.text


def test_a_ticket_nobody_opened_escalates_to_the_rota_and_the_cluster_coordinators(
    desk: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    ticket = workflow.submit(ADQL, desk["researcher"])
    cluster = factories.cluster("ESCAPE-T")
    ticket.centre.clusters.add(cluster)
    coordinator = make_user("coordinator")
    Coordinator.objects.create(user=coordinator, cluster=cluster)
    later = ticket.sla_start + dt.timedelta(days=14)  # far past any first-response target
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        counts = workflow.tick(now=later)
    assert counts["unseen"] == 1
    ticket.refresh_from_db()
    assert ticket.escalated and ticket.events.filter(kind=TicketEvent.UNSEEN).count() == 1
    unseen = [m for m in mail.outbox if "Nobody has opened" in m.subject]
    assert {a for m in unseen for a in m.to} >= {coordinator.email, desk["triager"].email}
    assert workflow.tick(now=later).get("unseen", 0) == 0  # once


def test_a_ticket_its_centre_opened_does_not_escalate(desk: dict[str, Any], client: Any) -> None:
    ticket = workflow.submit(ADQL, desk["researcher"])
    client.force_login(desk["triager"])
    client.get(ticket.get_absolute_url())
    ticket.refresh_from_db()
    assert ticket.seen_at is None  # a triager is not the centre
    client.force_login(desk["vo"])
    client.get(ticket.get_absolute_url())
    ticket.refresh_from_db()
    assert ticket.seen_at is not None
    assert workflow.tick(now=ticket.sla_start + dt.timedelta(days=14)).get("unseen", 0) == 0


def test_triage_has_its_own_clock(
    desk: dict[str, Any], django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.SUPPORT_TRIAGE_HOURS = 4
    ticket = workflow.submit(
        Submission(subject="A question", body="Hello, can someone call me?"), desk["researcher"]
    )
    assert ticket.centre is None
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        counts = workflow.tick(now=ticket.created_at + dt.timedelta(days=7))
    assert counts["triage"] == 1
    assert any("Waiting in triage" in m.subject and desk["triager"].email in m.to for m in mail.outbox)
    assert ticket.events.filter(kind=TicketEvent.SLA, data__clock="placement").exists()


def test_the_first_response_is_the_centres_not_the_triagers(desk: dict[str, Any]) -> None:
    ticket = workflow.submit(ADQL, desk["researcher"])
    workflow.reply(ticket, desk["triager"], "A centre will answer you soon.")
    ticket.refresh_from_db()
    assert ticket.first_response_at is None
    workflow.reply(ticket, desk["vo"], "Use TAP.")
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None


def test_clocks_pause_while_waiting_for_the_requester(desk: dict[str, Any]) -> None:
    ticket = workflow.submit(ADQL, desk["researcher"])
    workflow.reply(ticket, desk["vo"], "Which release of Gaia?", new_state="waiting")
    ticket.refresh_from_db()
    assert ticket.paused_at is not None
    from cchub.support import sla

    much_later = timezone.now() + dt.timedelta(days=30)
    clocks = {c.name: c for c in sla.clocks(ticket, much_later)}
    assert clocks["resolution"].state == "paused"
    frozen = clocks["resolution"].elapsed_hours
    assert frozen == sla.clocks(ticket, much_later + dt.timedelta(days=5))[1].elapsed_hours
    assert workflow.tick(now=much_later)["breaches"] == 0
    workflow.reply(ticket, desk["researcher"], "DR3.")
    ticket.refresh_from_db()
    assert ticket.paused_at is None and ticket.state == "in-progress"


def test_a_centre_confirms_its_helpdesk_address_by_a_link(desk: dict[str, Any], client: Any) -> None:
    from cchub.registry.models import Centre

    kit = Centre.objects.get(slug="kit")
    kit.helpdesk_email = "helpdesk@kit.example"
    kit.save()
    Supporter.objects.filter(user=desk["kit"]).update(is_lead=True)
    client.force_login(desk["kit"])
    assert "not confirmed" in client.get("/support/desks/kit/").content.decode()
    client.post("/support/desks/kit/")
    (message,) = [m for m in mail.outbox if m.to == ["helpdesk@kit.example"]]
    path = message.body.split("http://127.0.0.1:8000", 1)[1].split()[0]
    anyone = type(client)()
    assert "Yes, send KIT" in anyone.get(path).content.decode()  # a GET confirms nothing
    assert staffing.verified_address(kit.pk) == ""
    anyone.post(path)
    assert staffing.verified_address(kit.pk) == "helpdesk@kit.example"
    # A new address must be confirmed again; the old link proves nothing about it.
    kit.helpdesk_email = "new@kit.example"
    kit.save()
    assert staffing.verified_address(kit.pk) == "" and staffing.read_verification(path.split("/")[-2]) is None
    # Only leads, curators and administrators send links; other people see nothing.
    client.force_login(desk["other"])
    assert client.get("/support/desks/kit/").status_code == 404
    assert client.post("/support/desks/kit/").status_code == 404


def test_the_desks_command_lists_who_answers(desk: dict[str, Any], capsys: Any) -> None:
    from django.core.management import call_command

    call_command("support_desks", "--unstaffed")
    out = capsys.readouterr().out
    assert "ESCAPE-VO" not in out and "with nobody to answer" in out
