"""Bridges to existing helpdesks, against a small stand-in of Zammad's ticket API started on
127.0.0.1 by the test, and by e-mail."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core import mail

from cchub.support import bridges, mailin, staffing, workflow
from cchub.support.models import Desk, Supporter, Ticket, TicketEvent
from cchub.support.workflow import Submission

pytestmark = pytest.mark.django_db

TOKEN = "zammad-secret"
ADQL = Submission(
    subject="Querying Gaia with ADQL through TAP",
    body="How do I write an ADQL query to the Gaia archive to select stars within 100 pc?",
)


class Zammad:
    """Just enough of Zammad's REST API: tickets, their articles, their state."""

    def __init__(self) -> None:
        self.tickets: dict[int, dict[str, Any]] = {}
        self.articles: list[dict[str, Any]] = []
        self.refuse = False


@pytest.fixture
def zammad(settings: Any) -> Iterator[tuple[Zammad, str]]:
    state = Zammad()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorised(self) -> bool:
            if self.headers.get("Authorization") != f"Token token={TOKEN}" or state.refuse:
                self._send(401, {"error": "authentication failed"})
                return False
            return True

        def do_POST(self) -> None:  # noqa: N802
            if not self._authorised():
                return
            payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if self.path == "/api/v1/tickets":
                number = 1000 + len(state.tickets)
                ticket = {"id": len(state.tickets) + 1, "number": str(number), "state": "new", **payload}
                state.tickets[ticket["id"]] = ticket
                state.articles.append(
                    {
                        "id": len(state.articles) + 1,
                        "ticket_id": ticket["id"],
                        "sender": "Customer",
                        "internal": False,
                        **payload["article"],
                    }
                )
                self._send(201, {k: v for k, v in ticket.items() if k != "article"})
            elif self.path == "/api/v1/ticket_articles":
                state.articles.append({"id": len(state.articles) + 1, **payload})
                self._send(201, state.articles[-1])
            else:
                self._send(404, {"error": "no route"})

        def do_GET(self) -> None:  # noqa: N802
            if not self._authorised():
                return
            path = self.path.split("?")[0]
            if path.startswith("/api/v1/tickets/"):
                self._send(200, state.tickets[int(path.rsplit("/", 1)[1])])
            elif path.startswith("/api/v1/ticket_articles/by_ticket/"):
                wanted = int(path.rsplit("/", 1)[1])
                self._send(200, [a for a in state.articles if a.get("ticket_id") == wanted])
            else:
                self._send(404, {"error": "no route"})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SUPPORT_BRIDGE_PRIVATE = True
    yield state, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def bridge_vo(desk: dict[str, Any], **fields: Any) -> None:
    Supporter.objects.filter(centre__slug="escape-vo").delete()  # nobody answers in the hub
    vo = staffing.Centre.objects.get(slug="escape-vo")
    Desk.objects.update_or_create(centre=vo, defaults=fields)


def test_a_zammad_desk_gets_the_ticket_and_its_answers_come_back(
    desk: dict[str, Any], zammad: tuple[Zammad, str], django_capture_on_commit_callbacks: Any
) -> None:
    state, url = zammad
    bridge_vo(
        desk,
        handover=Desk.HANDOVER_ZAMMAD,
        handover_url=url,
        handover_token=TOKEN,
        handover_group="EGI helpdesk",
    )
    assert staffing.is_staffed(staffing.Centre.objects.get(slug="escape-vo").pk)  # the bridge answers
    with django_capture_on_commit_callbacks(execute=True):
        ticket = workflow.submit(ADQL, desk["researcher"])
    ticket.refresh_from_db()
    assert ticket.centre.slug == "escape-vo"
    (remote,) = state.tickets.values()
    assert remote["group"] == "EGI helpdesk" and remote["customer_id"] == f"guess:{desk['researcher'].email}"
    assert ticket.external_ref == "1000" and ticket.external_url.endswith("/#ticket/zoom/1")
    assert not ticket.events.filter(kind=TicketEvent.UNDELIVERED).exists()  # nothing reached nobody
    # The requester adds something: it is sent on as an article.
    with django_capture_on_commit_callbacks(execute=True):
        workflow.reply(ticket, desk["researcher"], "I use DR3.")
    assert state.articles[-1]["body"] == "I use DR3." and state.articles[-1]["sender"] == "Customer"
    # An agent answers in Zammad and closes it: the round reads both back.
    state.articles.append(
        {
            "id": 99,
            "ticket_id": 1,
            "sender": "Agent",
            "internal": False,
            "from": "Eva Agent",
            "body": "Use gaiadr3.gaia_source.",
        }
    )
    state.articles.append(
        {"id": 100, "ticket_id": 1, "sender": "Agent", "internal": True, "body": "internal"}
    )
    state.tickets[1]["state"] = "closed"
    assert bridges.round_trip() == {"handed over": 0, "synced": 1}
    ticket.refresh_from_db()
    replies = list(
        ticket.events.filter(kind=TicketEvent.REPLY, by_requester=False).values_list("body", flat=True)
    )
    assert replies == ["Use gaiadr3.gaia_source."]
    assert ticket.state == "solved" and ticket.external_state == "closed" and ticket.first_response_at
    assert bridges.sync(ticket) is False  # read once


def test_a_failed_hand_over_is_recorded_told_and_retried(
    desk: dict[str, Any], zammad: tuple[Zammad, str], django_capture_on_commit_callbacks: Any
) -> None:
    state, url = zammad
    state.refuse = True
    bridge_vo(desk, handover=Desk.HANDOVER_ZAMMAD, handover_url=url, handover_token=TOKEN)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = workflow.submit(ADQL, desk["researcher"])
    failed = ticket.events.get(kind=TicketEvent.HANDOVER)
    assert "401" in failed.data["error"]
    assert any(desk["triager"].email in m.to and "failed" in m.body for m in mail.outbox)
    state.refuse = False
    assert bridges.round_trip()["handed over"] == 1
    ticket.refresh_from_db()
    assert ticket.external_ref == "1000"


def test_an_email_desk_gets_the_question_and_answers_by_mail(
    desk: dict[str, Any], settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SUPPORT_ADDRESS = "support@hub.example.org"
    bridge_vo(desk, handover=Desk.HANDOVER_EMAIL, handover_address="rt@vo.example")
    with django_capture_on_commit_callbacks(execute=True):
        ticket = workflow.submit(ADQL, desk["researcher"])
    handed = next(m for m in mail.outbox if m.to == ["rt@vo.example"])
    assert ticket.subject in handed.subject and "-h-" in handed.reply_to[0]
    answer = EmailMessage()
    answer["From"] = "rt@vo.example"
    answer["To"] = handed.reply_to[0]
    answer["Subject"] = "Re: " + handed.subject
    answer.set_content("Use the TAP service at https://gea.esac.esa.int/tap-server/tap.\n\n> old text")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert mailin.receive(answer.as_bytes()).startswith("added to the ticket as the centre's helpdesk")
    ticket.refresh_from_db()
    reply = ticket.events.get(kind=TicketEvent.REPLY)
    assert reply.public and reply.body.startswith("Use the TAP service") and ticket.first_response_at
    assert any(m.to == [desk["researcher"].email] for m in mail.outbox)
    # A forged hand-over address proves nothing.
    forged = EmailMessage()
    forged["From"] = "rt@vo.example"
    forged["To"] = f"support+{ticket.pk}-h-{'0' * 24}@hub.example.org"
    forged.set_content("fake")
    assert mailin.receive(forged.as_bytes()).startswith("rejected")
    assert Ticket.objects.get(pk=ticket.pk).events.filter(kind=TicketEvent.REPLY).count() == 1
