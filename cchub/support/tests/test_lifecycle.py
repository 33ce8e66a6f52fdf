"""The ticket life agents expect: merge, split, spam and blocking, tags, text modules,
mentions, assignment notices, the requester closing their own ticket, the requester told of
a transfer in plain words, satisfaction."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from cchub.support import lifecycle, mailin, satisfaction, workflow
from cchub.support.models import CLOSED, BlockedSender, TextModule, Ticket, TicketEvent
from cchub.support.workflow import Submission, TicketError
from cchub.testing.helpers import make_user

pytestmark = pytest.mark.django_db

ADQL = Submission(
    subject="Querying Gaia with ADQL through TAP",
    body="How do I write an ADQL query to the Gaia archive to select stars within 100 pc?",
)
AGAIN = Submission(subject="ADQL query to Gaia again", body="Still no stars within 100 pc from my TAP query.")


def test_merge_moves_history_and_requester(
    desk: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    first = workflow.submit(ADQL, desk["researcher"])
    other = make_user("colleague")
    second = workflow.submit(AGAIN, other)
    workflow.reply(second, other, "Here is my query: SELECT ...")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        into = lifecycle.merge(second, desk["vo"], first.pk)
    second.refresh_from_db()
    assert into.pk == first.pk and second.merged_into_id == first.pk and second.state == CLOSED
    assert first.events.filter(kind=TicketEvent.REPLY, body__startswith="Here is my query").exists()
    first.refresh_from_db()
    assert other.email in first.followers
    assert any("continues in" in m.subject and other.email in m.to for m in mail.outbox)
    # The colleague now hears of replies on the surviving ticket.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.reply(first, desk["vo"], "Use the gaiadr3 schema.")
    assert any(other.email in m.to and "gaiadr3" in m.body for m in mail.outbox)
    # Refusals: itself, twice, a ticket one cannot see.
    for target, status in ((first.pk, 400), (first.pk, 409)):
        with pytest.raises(TicketError) as exc:
            lifecycle.merge(first if status == 400 else second, desk["vo"], target)
        assert exc.value.status == status
    with pytest.raises(TicketError) as exc:
        lifecycle.merge(first, desk["kit"], second.pk)
    assert exc.value.status in (403, 404)


def test_a_reply_to_a_merged_ticket_reaches_the_one_it_was_merged_into(
    desk: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    from email.message import EmailMessage

    from cchub.support.notify import REQUESTER, reply_address

    first = workflow.submit(ADQL, desk["researcher"])
    second = workflow.submit(AGAIN, desk["researcher"])
    lifecycle.merge(second, desk["vo"], first.pk)
    message = EmailMessage()
    message["From"] = desk["researcher"].email
    message["To"] = reply_address(second, REQUESTER, second.requester_email)
    message["Subject"] = "Re: ADQL"
    message["Message-ID"] = "<merged-1@example.org>"
    message.set_content("I found the answer myself.")
    assert mailin.receive(message.as_bytes()) == "added to the ticket"
    assert first.events.filter(kind=TicketEvent.REPLY, body="I found the answer myself.").exists()


def test_split_makes_a_child_ticket_of_one_message(desk: dict[str, Any]) -> None:
    ticket = workflow.submit(ADQL, desk["researcher"])
    event = workflow.reply(ticket, desk["researcher"], "Also: how do I cite Gaia DR3 in a paper?")
    new = lifecycle.split(ticket, desk["vo"], event.pk)
    assert new.centre_id == ticket.centre_id and new.requester_id == ticket.requester_id
    assert new.body.startswith("Also: how do I cite") and new.links_out.get().target_id == ticket.pk
    with pytest.raises(TicketError):
        lifecycle.split(ticket, desk["vo"], ticket.events.get(kind=TicketEvent.ROUTED).pk)  # not a message
    with pytest.raises(TicketError) as exc:
        lifecycle.split(ticket, desk["researcher"], event.pk)
    assert exc.value.status == 403


def test_spam_is_one_click_silent_out_of_counts_and_can_block(
    desk: dict[str, Any], django_capture_on_commit_callbacks: Any, client: Client
) -> None:
    spam = workflow.submit(
        Submission(subject="SEO backlinks", body="Cheap high quality backlinks", email="seo@spam.example"),
        None,
    )
    workflow.confirm(spam)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.mark_spam(spam, desk["triager"], block=True)
    spam.refresh_from_db()
    assert spam.spam and spam.state == CLOSED and not mail.outbox  # not a word to the sender
    assert BlockedSender.objects.filter(pattern="seo@spam.example").exists()
    assert lifecycle.blocked("SEO@spam.example")
    from cchub.support import reports

    assert not reports.counted().filter(pk=spam.pk).exists()
    client.force_login(desk["triager"])
    assert spam.reference not in client.get("/support/queue/?queue=triage").content.decode()
    assert spam.reference in client.get("/support/queue/?queue=spam").content.decode()
    # The blocked sender's next mail is dropped.
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "seo@spam.example"
    message["To"] = settings.SUPPORT_ADDRESS
    message["Subject"] = "More backlinks"
    message.set_content("Buy now")
    assert mailin.receive(message.as_bytes()).startswith("dropped: the sender is blocked")
    with pytest.raises(TicketError):
        lifecycle.mark_spam(spam, desk["researcher"])  # a requester cannot
    lifecycle.not_spam(spam, desk["triager"])
    assert not BlockedSender.objects.exists()


def test_tags_are_checked_and_filter_the_queue(desk: dict[str, Any], client: Client) -> None:
    ticket = workflow.submit(ADQL, desk["researcher"])
    assert lifecycle.set_tags(ticket, desk["vo"], "gaia  TAP, gaia") == ["gaia", "tap"]
    with pytest.raises(TicketError) as exc:
        lifecycle.set_tags(ticket, desk["vo"], "no_underscores!")
    assert exc.value.field == "tags"
    with pytest.raises(TicketError):
        lifecycle.set_tags(ticket, desk["researcher"], "mine")
    client.force_login(desk["vo"])
    assert ticket.reference in client.get("/support/queue/?queue=centre&tag=gaia").content.decode()
    assert ticket.reference not in client.get("/support/queue/?queue=centre&tag=other").content.decode()


def test_text_modules_fill_in_and_respect_the_centre(desk: dict[str, Any]) -> None:
    ticket = workflow.submit(ADQL, desk["researcher"])
    network = TextModule.objects.create(name="Thanks", body="Dear {name}, thank you for {reference}.")
    solved = TextModule.objects.create(
        name="Solved", body="Glad it works, {name}.", centre=ticket.centre, state="solved"
    )
    kit_only = TextModule.objects.create(
        name="KIT", body="KIT text", centre=ticket.centre.__class__.objects.get(slug="kit")
    )
    assert set(lifecycle.modules_for(desk["vo"])) == {network, solved}
    event = lifecycle.answer_with(ticket, desk["vo"], network.pk)
    assert event.body == f"Dear {ticket.requester_name}, thank you for {ticket.reference}." and event.public
    lifecycle.answer_with(ticket, desk["vo"], solved.pk)
    ticket.refresh_from_db()
    assert ticket.state == "solved"
    with pytest.raises(TicketError) as exc:
        lifecycle.answer_with(ticket, desk["vo"], kit_only.pk)
    assert exc.value.status == 404


def test_mentions_and_assignment_notify_the_person(
    desk: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    ticket = workflow.submit(ADQL, desk["researcher"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.reply(ticket, desk["vo"], "@vo_lead can you check the TAP logs? cc @other", public=False)
    told = [m for m in mail.outbox if "mentioned you" in m.subject]
    assert [m.to for m in told] == [[desk["vo_lead"].email]]  # @other may not see the ticket
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.assign(ticket, desk["vo_lead"], desk["vo"].pk)
    assert any("Assigned to you" in m.subject and m.to == [desk["vo"].email] for m in mail.outbox)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.assign(ticket, desk["vo"], desk["vo"].pk)  # taking it oneself: no mail
    assert not [m for m in mail.outbox if "Assigned" in m.subject]


def test_the_requester_closes_their_own_ticket(desk: dict[str, Any]) -> None:
    ticket = workflow.submit(ADQL, desk["researcher"])
    with pytest.raises(TicketError):
        workflow.close_own(ticket, desk["other"])
    workflow.close_own(ticket, desk["researcher"])
    ticket.refresh_from_db()
    assert ticket.state == CLOSED and ticket.solved_at is not None
    with pytest.raises(TicketError):
        workflow.close_own(ticket, desk["researcher"])


def test_a_transfer_is_told_to_the_requester_in_plain_words(
    desk: dict[str, Any], django_capture_on_commit_callbacks: Any, client: Client
) -> None:
    ticket = workflow.submit(ADQL, desk["researcher"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transfer(
            ticket,
            desk["vo"],
            ticket.centre.__class__.objects.get(slug="kit").pk,
            "internal: our TAP expert is away",
        )
    moved = [m for m in mail.outbox if desk["researcher"].email in m.to]
    assert moved and "passed to KIT" in moved[0].subject and "expert is away" not in moved[0].body
    client.force_login(desk["researcher"])
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert "better placed to answer it" in page and "expert is away" not in page


def test_reply_and_solve_sends_the_solved_notice_with_a_rating_link(
    desk: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    ticket = workflow.submit(ADQL, desk["researcher"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.reply(ticket, desk["vo"], "Use gaiadr3.gaia_source.", new_state="solved")
    solved = [m for m in mail.outbox if "now solved" in m.subject]
    assert solved, [m.subject for m in mail.outbox]
    link = re.search(r"/support/rate/[^\s]+/", solved[0].body)
    assert link is not None
    guest = Client()
    assert "Did we solve your problem" in guest.get(link.group(0)).content.decode()
    bad = guest.post(link.group(0), {"solved": "yes", "score": "9"})
    assert bad.status_code == 400 and "from 1" in bad.content.decode()
    assert guest.post(link.group(0), {"solved": "yes", "score": "5", "comment": "Great"}).status_code == 200
    ticket.refresh_from_db()
    assert ticket.rating == 5 and ticket.rating_solved is True and ticket.rating_comment == "Great"
    assert guest.get("/support/rate/forged-token/").status_code == 400
    assert satisfaction.weight(5, True) > satisfaction.weight(None, None) > satisfaction.weight(1, True) > 0
    assert satisfaction.weight(4, False) < 0


def test_rating_an_open_ticket_is_refused(desk: dict[str, Any]) -> None:
    ticket = workflow.submit(ADQL, desk["researcher"])
    with pytest.raises(TicketError) as exc:
        satisfaction.rate(ticket, "yes", 4)
    assert exc.value.status == 409
    assert Ticket.objects.get(pk=ticket.pk).rating is None
