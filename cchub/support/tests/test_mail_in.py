"""E-mail as a first-class channel: new questions by mail, replies as mail clients write
them (quotes, HTML, signatures, disclaimers in the network's languages), attachments that
are refused without losing the text, Cc'd followers, replies to closed tickets."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import pytest
from django.core import mail

from cchub.support import mailtext, staffing, workflow
from cchub.support.mailin import receive
from cchub.support.models import Desk, Ticket, TicketEvent
from cchub.support.notify import REQUESTER, reply_address
from cchub.support.workflow import Submission

pytestmark = pytest.mark.django_db

ADQL = Submission(
    subject="Querying Gaia with ADQL through TAP",
    body="How do I write an ADQL query to the Gaia archive to select stars within 100 pc?",
)

# (what a mail client sends, what the person wrote)
REPLIES = {
    "gmail, English": (
        "Thanks, that worked!\n\nBest regards,\nMarco\n\nOn Tue, 1 Dec 2026 at 10:00, "
        "CC Hub <support@x.org> wrote:\n> Try this\n",
        "Thanks, that worked!",
    ),
    "below the quote": (
        "On Tue, 1 Dec 2026 at 10:00, CC Hub <support@x.org> wrote:\n> Try this\n> and that\n\n"
        "It still fails with the same error.",
        "It still fails with the same error.",
    ),
    "Italian": (
        "Grazie, ora funziona.\n\nIl giorno mar 1 dic 2026 alle ore 10:00 CC Hub <s@x.org> ha scritto:\n"
        "> Prova",
        "Grazie, ora funziona.",
    ),
    "Spanish, address in brackets": (
        "Gracias, funciona.\n\nEl mar, 1 dic 2026 a las 10:00, CC Hub (<s@x.org>) escribió:\n> Prueba",
        "Gracias, funciona.",
    ),
    "French, wrapped attribution": (
        "Merci beaucoup.\n\nLe mar. 1 déc. 2026 à 10:00, CC Hub <s@x.org> a\nécrit :\n> Essayez",
        "Merci beaucoup.",
    ),
    "German signature": (
        "Danke, das hat geholfen.\n\nMit freundlichen Grüßen\nHans Weber\n\nAm Di., 1. Dez. "
        "2026 um 10:00 Uhr schrieb CC Hub <s@x.org>:\n> Bitte",
        "Danke, das hat geholfen.",
    ),
    "Polish": (
        "Dziękuję, działa.\n\nW dniu 1.12.2026 o 10:00, CC Hub <s@x.org> pisze:\n> Proszę",
        "Dziękuję, działa.",
    ),
    "Dutch": (
        "Bedankt, het werkt.\n\nOp di 1 dec 2026 om 10:00 schreef CC Hub <s@x.org>:\n> Probeer",
        "Bedankt, het werkt.",
    ),
    "Outlook separator": (
        "Here is the DMP.\n\n________________________________\nFrom: CC Hub <s@x.org>\n"
        "Sent: Tuesday, December 1, 2026 10:00\nTo: Marco\n\nTry this",
        "Here is the DMP.",
    ),
    "English disclaimer": (
        "See attached.\n\nThis e-mail and any attachments are confidential and intended "
        "solely for the addressee.",
        "See attached.",
    ),
    "German disclaimer": (
        "Anbei der Plan.\n\nDiese E-Mail enthält vertrauliche Informationen.",
        "Anbei der Plan.",
    ),
    "dash-dash signature": ("Works now.\n-- \nHans Weber\nKIT", "Works now."),
}


@pytest.mark.parametrize("client_name", list(REPLIES))
def test_the_new_text_of_a_reply(client_name: str) -> None:
    sent, written = REPLIES[client_name]
    assert mailtext.new_text(sent) == written


def test_html_only_mail_loses_its_quoted_history() -> None:
    gmail = (
        '<div dir="ltr">It still hangs.<br>Fiona</div><br><div class="gmail_quote">'
        '<div class="gmail_attr">On Tue wrote:</div><blockquote>old text</blockquote></div>'
    )
    assert mailtext.new_text(gmail, is_html=True) == "It still hangs.\nFiona"
    outlook = '<p>Here it is &amp; more.</p><div id="divRplyFwdMsg"><b>From:</b> x</div><p>old</p>'
    assert mailtext.new_text(outlook, is_html=True) == "Here it is & more."
    assert "alert" not in mailtext.new_text("<script>alert(1)</script><p>Hi</p>", is_html=True)


def message(to: str, sender: str, body: str, subject: str = "Question", **headers: str) -> EmailMessage:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = sender, to, subject
    for name, value in headers.items():
        m[name.replace("_", "-")] = value
    m.set_content(body)
    return m


def test_a_new_question_by_mail_opens_a_ticket_the_sender_confirms(
    desk: dict[str, Any], settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SUPPORT_ADDRESS = "support@hub.example.org"
    question = message(
        "support@hub.example.org",
        "Ana Lopez <ana@example.org>",
        ADQL.body,
        ADQL.subject,
        Cc="Boss <boss@example.org>, support@hub.example.org",
    )
    with django_capture_on_commit_callbacks(execute=True):
        outcome = receive(question.as_bytes())
    assert outcome == "new question: waiting for the sender to confirm the address"
    ticket = Ticket.objects.get(requester_email="ana@example.org")
    assert not ticket.confirmed and ticket.requester_name == "Ana Lopez" and ticket.centre is None
    assert ticket.followers == ["boss@example.org"]
    assert ticket.events.get(kind=TicketEvent.CREATED).via_email
    confirm = next(m for m in mail.outbox if "Confirm" in m.subject)
    # Replying to the confirmation mail confirms, as the link does; then it is routed.
    answer = message(confirm.reply_to[0], "ana@example.org", "Yes, that was me.", "Re: Confirm")
    with django_capture_on_commit_callbacks(execute=True):
        assert receive(answer.as_bytes()) == "added to the ticket"
    ticket.refresh_from_db()
    assert ticket.confirmed and ticket.centre is not None and ticket.centre.slug == "escape-vo"
    # Followers hear the public answer.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.reply(ticket, desk["vo"], "Use TAP.")
    boss = [m for m in mail.outbox if m.to == ["boss@example.org"]]
    assert boss and "copied you" in boss[0].body


def test_a_question_to_a_centres_own_address_goes_to_that_centre(desk: dict[str, Any], settings: Any) -> None:
    settings.SUPPORT_ADDRESS = "support@hub.example.org"
    vague = message(
        "support+c-kit@hub.example.org", "ana@example.org", "Can someone call me about my project?"
    )
    receive(vague.as_bytes())
    ticket = Ticket.objects.get(requester_email="ana@example.org")
    workflow.confirm(ticket)
    ticket.refresh_from_db()
    assert ticket.centre is not None and ticket.centre.slug == "kit"
    # A centre's helpdesk address forwarded to the hub counts as that centre's.
    kit = ticket.centre
    kit.helpdesk_email = "helpdesk@kit.example"
    kit.save()
    receive(message("helpdesk@kit.example", "bob@example.org", "Hello, a question.").as_bytes())
    other = Ticket.objects.get(requester_email="bob@example.org")
    assert other.events.get(kind=TicketEvent.CREATED).data["asked_centre"] == kit.pk


def test_a_refused_attachment_does_not_cost_the_text(desk: dict[str, Any], settings: Any) -> None:
    settings.SUPPORT_ADDRESS = "support@hub.example.org"
    ticket = workflow.submit(ADQL, desk["researcher"])
    reply = message(
        reply_address(ticket, REQUESTER, ticket.requester_email),
        desk["researcher"].email,
        "Here is my DMP draft and the page.",
    )
    reply.add_attachment(
        b"PK\x03\x04docx-bytes",
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
        filename="dmp.docx",
    )
    reply.add_attachment(b"<html>x</html>", maintype="text", subtype="html", filename="page.html")
    for n in range(6):
        reply.add_attachment(b"line\n", maintype="text", subtype="plain", filename=f"log{n}.txt")
    assert receive(reply.as_bytes()) == "added to the ticket"
    event = ticket.events.get(kind=TicketEvent.REPLY, via_email=True)
    assert event.body == "Here is my DMP draft and the page."
    assert sorted(a.name for a in event.attachments.all()) == [
        "dmp.docx",
        "log0.txt",
        "log1.txt",
        "log2.txt",
        "log3.txt",
    ]
    note = ticket.events.get(kind=TicketEvent.NOTE, body__startswith="Files not kept")
    assert "page.html" in note.body and "log5.txt" in note.body and note.public


def test_mail_to_a_closed_ticket_opens_a_linked_follow_up(
    desk: dict[str, Any], settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SUPPORT_ADDRESS = "support@hub.example.org"
    ticket = workflow.submit(ADQL, desk["researcher"])
    ticket = workflow.change_state(ticket, desk["vo"], "solved")
    ticket = workflow.change_state(ticket, desk["vo"], "closed")
    thanks = message(
        reply_address(ticket, REQUESTER, ticket.requester_email),
        desk["researcher"].email,
        "One more thing: does this work for DR2 too?",
    )
    with django_capture_on_commit_callbacks(execute=True):
        outcome = receive(thanks.as_bytes())
    assert outcome.startswith("opened CCH-") and "follow-up" in outcome
    follow = Ticket.objects.exclude(pk=ticket.pk).get()
    assert follow.centre_id == ticket.centre_id and follow.body.startswith("One more thing")
    assert any("follow-up" in m.subject for m in mail.outbox)


def test_out_of_office_without_headers_is_dropped(desk: dict[str, Any], settings: Any) -> None:
    settings.SUPPORT_ADDRESS = "support@hub.example.org"
    ticket = workflow.submit(ADQL, desk["researcher"])
    to = reply_address(ticket, REQUESTER, ticket.requester_email)
    for subject in (
        "Out of Office: Re: ADQL",
        "Abwesenheitsnotiz",
        "Réponse automatique : ADQL",
        "Risposta automatica: ADQL",
        "Respuesta automática",
    ):
        assert receive(message(to, desk["researcher"].email, "I am away.", subject).as_bytes()).startswith(
            "dropped"
        )
    assert not ticket.events.filter(via_email=True).exists()


def test_a_verified_centre_address_is_written_to_and_an_unverified_one_never(
    desk: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    ticket = workflow.submit(ADQL, desk["researcher"])
    vo = ticket.centre
    vo.helpdesk_email = "competence.centre@example.eu"
    vo.save()
    Desk.objects.update_or_create(centre=vo, defaults={"address_verified_at": None})
    with django_capture_on_commit_callbacks(execute=True):
        workflow.reply(ticket, desk["researcher"], "Any news?")
    assert not [m for m in mail.outbox if "competence.centre@example.eu" in m.to]
    staffing.confirm_address(vo)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.reply(ticket, desk["researcher"], "Still waiting.")
    assert [m for m in mail.outbox if "competence.centre@example.eu" in m.to]
