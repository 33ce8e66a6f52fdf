"""Mail: the hub sends through a real SMTP server started on 127.0.0.1, and replies by
e-mail come back through the hub's own SMTP listener into the right ticket, with loop
protection."""

from __future__ import annotations

import smtplib
import socket
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from cchub.support import mailserver, workflow
from cchub.support.mailin import receive
from cchub.support.models import InboundMail, Ticket, TicketEvent
from cchub.support.notify import reply_address
from cchub.support.workflow import Submission

# The listener threads its replies in from another thread, which sees only committed data:
# these tests commit for real (and load the demo network themselves, as the database is
# emptied after each of them).
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def demo_network(transactional_db: Any) -> None:
    from cchub.registry.demo import load_demo

    assert load_demo().ok


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Sink:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"


@pytest.fixture
def smtp(settings: Any) -> Iterator[Sink]:
    """A real SMTP server on 127.0.0.1 that the hub's mail goes to."""
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = False
    settings.SUPPORT_ADDRESS = "support@hub.example.org"
    yield sink
    controller.stop()


@pytest.fixture
def inbound() -> Iterator[int]:
    """The hub's own SMTP listener for replies."""
    port = free_port()
    controller = mailserver.start("127.0.0.1", port)
    yield port
    controller.stop()


def wait_for(sink: Sink, count: int) -> list[EmailMessage]:
    for _ in range(100):
        if len(sink.messages) >= count:
            break
        time.sleep(0.05)
    return sink.messages


def deliver(port: int, message: EmailMessage) -> tuple[int, bytes]:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        try:
            client.send_message(message)
        except smtplib.SMTPDataError as exc:
            return exc.smtp_code, exc.smtp_error
    return 250, b""


def answer(to: str, sender: str, text: str, **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, "Re: your question"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(text + "\n\nOn Mon, 16 Nov 2026 someone wrote:\n> quoted old text\n")
    return msg


def test_mail_round_trip(desk: dict[str, Any], smtp: Sink, inbound: int) -> None:
    ticket = workflow.submit(
        Submission(
            subject="Querying Gaia with ADQL through TAP", body="How do I select stars within 100 pc?"
        ),
        desk["researcher"],
    )
    assert ticket.centre.slug == "escape-vo"
    sent = wait_for(smtp, 2)
    new = next(m for m in sent if "New ticket for ESCAPE-VO" in m["Subject"])
    assert desk["vo"].email in new["To"] and new["Auto-Submitted"] == "auto-generated"
    assert f"[{ticket.reference}]" in new["Subject"]
    assert any(desk["researcher"].email in m["To"] and "received" in m["Subject"] for m in sent)

    workflow.reply(ticket, desk["vo"], "Use `SELECT ... WHERE parallax > 10`.")
    reply_mail = wait_for(smtp, 3)[-1]
    assert desk["researcher"].email in reply_mail["To"] and "parallax" in reply_mail.get_content()
    reply_to = reply_mail["Reply-To"]
    assert reply_to == reply_address(ticket, "r", desk["researcher"].email)
    assert reply_to.startswith(f"support+{ticket.pk}-r-")

    # The researcher answers by e-mail: it lands in the ticket, without the quoted text.
    code, _ = deliver(
        inbound,
        answer(reply_to, desk["researcher"].email, "Thanks, that works!", Message_ID="<r1@example.org>"),
    )
    assert code == 250
    event = ticket.events.filter(kind=TicketEvent.REPLY, via_email=True).get()
    assert event.body == "Thanks, that works!" and event.by_requester
    # The supporter is told.
    assert any("requester replied" in m["Subject"] for m in wait_for(smtp, 4))

    # The same message again (a retry) is not added twice.
    assert (
        deliver(
            inbound,
            answer(reply_to, desk["researcher"].email, "Thanks, that works!", Message_ID="<r1@example.org>"),
        )[0]
        == 250
    )
    assert ticket.events.filter(kind=TicketEvent.REPLY, via_email=True).count() == 1


def test_loop_protection_and_strangers(desk: dict[str, Any], smtp: Sink, inbound: int) -> None:
    ticket = workflow.submit(
        Submission(subject="Querying Gaia with ADQL through TAP", body="Help with TAP"), desk["researcher"]
    )
    me = desk["researcher"].email
    to = reply_address(ticket, "r", me)
    outcomes = [
        receive(answer(to, me, "I am on holiday", Auto_Submitted="auto-replied").as_bytes()),
        receive(answer(to, me, "Out of office", Precedence="bulk").as_bytes()),
        receive(answer(to, "MAILER-DAEMON@example.org", "Undeliverable").as_bytes()),
        receive(answer(to, me, "echo", X_CCHub_Ticket=ticket.reference).as_bytes()),
    ]
    assert all(o.startswith("dropped") for o in outcomes), outcomes
    # A stranger cannot write into someone's ticket, even with the reference in the subject:
    # a mail to the support address is a new question of its own, confirmed by its sender.
    stranger = answer("support@hub.example.org", "mallory@example.org", "let me in")
    stranger.replace_header("Subject", f"Re: [{ticket.reference}] question")
    before = ticket.events.count()
    code, text = deliver(inbound, stranger)
    assert code == 250
    assert ticket.events.count() == before
    opened = Ticket.objects.get(requester_email="mallory@example.org")
    assert not opened.confirmed and opened.centre is None
    # Mail to an address of the hub that is neither names the web form in its bounce.
    code, text = deliver(inbound, answer("support+nothing@hub.example.org", "mallory@example.org", "hi"))
    assert code == 550 and b"/support/" in text
    # A forged token is not accepted either.
    forged = answer(f"support+{ticket.pk}-r-{'0' * 24}@hub.example.org", "mallory@example.org", "hi")
    assert receive(forged.as_bytes()).startswith("rejected")
    # A burst from one sender to one ticket is cut off (mail loop).
    results = [receive(answer(to, me, f"message {n}").as_bytes()) for n in range(12)]
    assert results.count("added to the ticket") == 10 and results[-1].startswith("dropped")
    assert Ticket.objects.get(pk=ticket.pk).events.filter(via_email=True).count() == 10
    assert InboundMail.objects.filter(outcome__startswith="dropped").count() >= 5


def test_supporter_can_answer_by_mail(desk: dict[str, Any], smtp: Sink) -> None:
    ticket = workflow.submit(
        Submission(subject="Querying Gaia with ADQL through TAP", body="Help with TAP"), desk["researcher"]
    )
    to = reply_address(ticket, f"u{desk['vo'].pk}", desk["vo"].email)
    outcome = receive(answer(to, desk["vo"].email, "#public\nHere is the answer.").as_bytes())
    assert outcome == "added to the ticket"
    event = ticket.events.get(via_email=True)
    assert event.actor == desk["vo"] and not event.by_requester and event.public
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None
