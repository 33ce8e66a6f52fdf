"""E-mail cannot impersonate anyone: only a per-ticket, per-recipient reply address proves
who answers; staff replies to staff mail stay internal; guests' links open their ticket;
internal notes never reach the requester; odd subjects never stop mail."""

from __future__ import annotations

import re
from email.message import EmailMessage
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from cchub.support import staffing, workflow
from cchub.support.mailin import receive
from cchub.support.models import Ticket, TicketEvent
from cchub.support.notify import mail_token, reply_address
from cchub.support.workflow import Submission, TicketError

pytestmark = pytest.mark.django_db

ADQL = Submission(subject="Querying Gaia with ADQL through TAP", body="How do I select stars within 100 pc?")


@pytest.fixture(autouse=True)
def support_address(settings: Any) -> None:
    settings.SUPPORT_ADDRESS = "support@hub.example.org"


def message(to: str, sender: str, text: str, subject: str = "Re: your question") -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg.set_content(text)
    return msg.as_bytes()


def ask(desk: dict[str, Any], capture: Any, sub: Submission = ADQL, user: Any = "researcher") -> Ticket:
    with capture(execute=True):
        return workflow.submit(sub, desk[user] if isinstance(user, str) else user)


def sent_to(address: str) -> list[Any]:
    return [m for m in mail.outbox if address in m.to]


def test_subject_and_from_prove_nothing(
    desk: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    ticket = ask(desk, django_capture_on_commit_callbacks)
    before = ticket.events.count()
    for sender in (desk["vo"].email, desk["admin"].email, desk["researcher"].email):
        spoof = message("support@hub.example.org", sender, "send your password to evil.example",
                        subject=f"Re: [{ticket.reference}] x")
        # Not a reply to the ticket: a new question, which its sender must confirm first.
        assert receive(spoof) == "new question: waiting for the sender to confirm the address"
        assert Ticket.objects.filter(requester_email=sender, confirmed=False).exists()
    # The old per-ticket token (the same for everyone) is no longer accepted either.
    legacy = f"support+{ticket.pk}-{mail_token(ticket.pk, 'r', ticket.requester_email)[:20]}@hub.example.org"
    assert receive(message(legacy, desk["researcher"].email, "hi")).startswith("rejected")
    assert ticket.events.count() == before


def test_each_reply_address_proves_one_person_on_one_ticket(
    desk: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    first = ask(desk, django_capture_on_commit_callbacks)
    second = ask(desk, django_capture_on_commit_callbacks)
    vo, lead = desk["vo"], desk["vo_lead"]
    vo_address = reply_address(first, f"u{vo.pk}", vo.email)
    token = vo_address.split("-")[-1].split("@")[0]
    # The token of one ticket on another ticket, or of one person under another's id: refused.
    assert receive(message(f"support+{second.pk}-u{vo.pk}-{token}", vo.email, "x")).startswith("rejected")
    other = f"support+{first.pk}-u{lead.pk}-{token}@hub.example.org"
    assert receive(message(other, lead.email, "x")).startswith("rejected")
    # Whatever the From: says, the address decides who writes: the supporter's own address
    # with the administrator's From: is the supporter's note.
    outcome = receive(message(vo_address, desk["admin"].email, "Checking the TAP logs."))
    assert outcome == "added to the ticket"
    note = first.events.get(via_email=True)
    assert note.actor == vo and note.kind == TicketEvent.NOTE and not note.public


def test_a_staff_reply_to_staff_mail_is_an_internal_note(
    desk: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    ticket = ask(desk, django_capture_on_commit_callbacks)
    new = next(m for m in sent_to(desk["vo"].email) if "New ticket" in m.subject)
    assert len(new.to) == 1 and new.reply_to == [reply_address(ticket, f"u{desk['vo'].pk}", desk["vo"].email)]
    assert "internal note" in new.body and "#public" in new.body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        outcome = receive(message(new.reply_to[0], desk["vo"].email, "Vera, this is the GPU pool again."))
    assert outcome == "added to the ticket"
    event = ticket.events.get(via_email=True)
    assert event.kind == TicketEvent.NOTE and not event.public
    assert not sent_to(ticket.requester_email)  # nothing reached the requester
    # "#public" alone on the first line answers the requester.
    with django_capture_on_commit_callbacks(execute=True):
        outcome = receive(message(new.reply_to[0], desk["vo"].email, "#public\nTry SELECT TOP 10."))
    assert outcome == "added to the ticket"
    answer = ticket.events.get(via_email=True, public=True)
    assert answer.kind == TicketEvent.REPLY and answer.body == "Try SELECT TOP 10."
    assert any("Try SELECT TOP 10." in m.body for m in sent_to(ticket.requester_email))


def test_the_requester_thread_is_the_requesters(
    desk: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    ticket = ask(desk, django_capture_on_commit_callbacks)
    received = next(m for m in sent_to(ticket.requester_email) if "received" in m.subject)
    assert received.reply_to[0].startswith(f"support+{ticket.pk}-r-")
    outcome = receive(message(received.reply_to[0], "someone@else.example", "It works now."))
    assert outcome == "added to the ticket"
    event = ticket.events.get(via_email=True)
    assert event.by_requester and event.public and event.actor == desk["researcher"]


def test_a_shared_mailbox_cannot_answer(
    desk: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    ticket = ask(desk, django_capture_on_commit_callbacks)
    vo = ticket.centre
    vo.helpdesk_email = "desk@vo.example"
    vo.save()
    # Only an address someone at the centre confirmed is written to.
    staffing.confirm_address(vo)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.reply(ticket, desk["researcher"], "Any news?")
    shared = next(m for m in sent_to("desk@vo.example"))
    assert shared.reply_to == [f"support+{ticket.pk}-a@hub.example.org"]
    assert "shared address" in shared.body
    assert receive(message(shared.reply_to[0], "desk@vo.example", "x")).startswith(
        "rejected: a shared mailbox")


def test_guests_open_their_ticket_from_every_mail(
    desk: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    guest = Submission(subject=ADQL.subject, body=ADQL.body, email="guest@example.org", name="Gina Guest")
    ticket = ask(desk, django_capture_on_commit_callbacks, guest, user=None)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.confirm(ticket)
    ticket.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.reply(ticket, desk["vo"], "Use TAP.")
        workflow.change_state(ticket, desk["vo"], "solved", note="internal: she never read the docs")
    mails = sent_to("guest@example.org")
    kinds = {m.subject.split("] ")[1].split(":")[0] for m in mails}
    assert kinds >= {"New reply", "Your ticket is now solved"}
    for sent in mails:
        for link in re.findall(r"http://\S+/support/tickets/\S+", sent.body):
            path = link.split("127.0.0.1:8000", 1)[-1]
            assert Client().get(path, follow=True).status_code == 200, (sent.subject, path)
        assert "she never read the docs" not in sent.body


@pytest.mark.demo
def test_internal_notes_beside_actions_stay_internal(
    desk: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    sub = Submission(subject="Help with data", body="I have some data and need help.")
    ticket = ask(desk, django_capture_on_commit_callbacks, sub)
    assert ticket.centre is None
    workflow.place(ticket, desk["triager"], ticket_centre("escape-vo"), note="PLACENOTE ask Vera")
    workflow.change_state(ticket, desk["vo"], "on-hold", note="STATENOTE waiting for ops")
    requester = Client()
    requester.force_login(desk["researcher"])
    page = requester.get(ticket.get_absolute_url()).content.decode()
    assert "PLACENOTE" not in page and "STATENOTE" not in page
    staff = Client()
    staff.force_login(desk["vo"])
    page = staff.get(ticket.get_absolute_url()).content.decode()
    assert "PLACENOTE" in page and "STATENOTE" in page


def ticket_centre(slug: str) -> int:
    from cchub.registry.models import Centre

    return Centre.objects.get(slug=slug).pk


@pytest.mark.parametrize(
    "subject", ["Hdr test\r\nBcc: victim@evil.example", "tab\tand\x0bvt", "line\u2028sep"])
def test_odd_subjects_never_stop_mail(
    desk: dict[str, Any], django_capture_on_commit_callbacks: Any, subject: str
) -> None:
    ticket = ask(desk, django_capture_on_commit_callbacks, Submission(subject=subject, body=ADQL.body))
    assert "\n" not in ticket.subject and "\r" not in ticket.subject and "\u2028" not in ticket.subject
    # A subject stored before the cleaning (an older row) is cleaned when the mail is made.
    Ticket.objects.filter(pk=ticket.pk).update(subject=subject)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.reply(Ticket.objects.get(pk=ticket.pk), desk["admin"], "An answer.")
    sent = sent_to(ticket.requester_email)
    assert sent and all("\n" not in m.message()["Subject"] for m in sent)
    assert not any("victim@evil.example" in ",".join(m.bcc + m.to) for m in mail.outbox)


def test_replies_change_the_state_only_for_those_who_may(
    desk: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    ticket = ask(desk, django_capture_on_commit_callbacks)
    kit = ticket_centre("kit")
    workflow.invite(ticket, desk["vo"], kit)
    for who in ("triager", "kit", "researcher"):
        with pytest.raises(TicketError) as refused:
            workflow.reply(ticket, desk[who], "Closing this.", public=who != "kit", new_state="solved")
        assert refused.value.status == 403
    # A triager's or an invited centre's public reply does not move the ticket either.
    workflow.reply(ticket, desk["triager"], "The centre will answer soon.")
    workflow.reply(ticket, desk["kit"], "KIT here: we can help too.")
    ticket.refresh_from_db()
    assert ticket.state == "new"
    workflow.reply(ticket, desk["vo"], "Solved, I think.", new_state="solved")
    ticket.refresh_from_db()
    assert ticket.state == "solved"


def test_the_reply_form_offers_the_state_only_to_those_who_may_change_it(
    desk: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    ticket = ask(desk, django_capture_on_commit_callbacks)
    for who, offered in (("triager", False), ("vo", True)):
        page = Client()
        page.force_login(desk[who])
        assert ('name="state"' in page.get(ticket.get_absolute_url()).content.decode()
                .split('id="reply"', 1)[1].split("</form>", 1)[0]) is offered
    # A forged state in the triager's reply form changes nothing but adds the reply.
    triager = Client()
    triager.force_login(desk["triager"])
    triager.post(f"/support/tickets/{ticket.pk}/reply/", {"body": "Passing it on.", "public": "on",
                                                        "state": "closed"})
    ticket.refresh_from_db()
    assert ticket.state == "new" and ticket.events.filter(body="Passing it on.").exists()
