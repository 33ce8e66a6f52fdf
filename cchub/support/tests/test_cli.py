"""The helpdesk on the command line: the demo helpdesk, the periodic round, mail in,
and the scheduler that the worker runs."""

from __future__ import annotations

import datetime as dt
import io
import time
from email.message import EmailMessage
from typing import Any

import pytest
from django.utils import timezone

from cchub.cli import main as cli
from cchub.lib import schedule
from cchub.support import workflow
from cchub.support.demo import load as load_helpdesk
from cchub.support.models import SOLVED, Article, Desk, Ticket
from cchub.support.notify import reply_address
from cchub.support.workflow import Submission

pytestmark = pytest.mark.django_db


@pytest.mark.demo
def test_demo_helpdesk_is_idempotent(db: Any) -> None:
    first = load_helpdesk()
    assert first["desks"] == 29 and first["tickets"] == 6 and first["articles"] == 1
    assert Desk.objects.get(centre__slug="garr").time_zone == "Europe/Rome"
    assert Desk.objects.get(centre__slug="escape-cc").time_zone == "Europe/Brussels"
    again = load_helpdesk()
    assert again["tickets"] == 0 and Ticket.objects.count() == 6 and Article.objects.count() == 1


def test_support_round_closes_old_solved_tickets(desk: dict[str, Any], capsys: Any) -> None:
    ticket = workflow.submit(Submission(subject="ADQL query for Gaia", body="TAP"), desk["researcher"])
    workflow.change_state(ticket, desk["vo"], SOLVED)
    Ticket.objects.filter(pk=ticket.pk).update(solved_at=timezone.now() - dt.timedelta(days=30))
    assert cli(["support-round"]) == 0
    assert "closed 1" in capsys.readouterr().out
    ticket.refresh_from_db()
    assert ticket.state == "closed"


def test_mail_in_reads_one_message(desk: dict[str, Any], monkeypatch: Any, capsys: Any) -> None:
    ticket = workflow.submit(Submission(subject="ADQL query for Gaia", body="TAP"), desk["researcher"])
    msg = EmailMessage()
    to = reply_address(ticket, "r", desk["researcher"].email)
    msg["From"], msg["To"], msg["Subject"] = desk["researcher"].email, to, "Re: ADQL"
    msg.set_content("It works now.")

    class Stdin:
        buffer = io.BytesIO(msg.as_bytes())

    monkeypatch.setattr("sys.stdin", Stdin)
    assert cli(["mail-in"]) == 0
    assert "added to the ticket" in capsys.readouterr().out
    assert ticket.events.filter(via_email=True, body="It works now.").exists()
    Stdin.buffer = io.BytesIO(b"From: nobody@example.org\r\nSubject: hello\r\n\r\nhi")
    assert cli(["mail-in"]) == 1


def test_scheduler_enqueues_due_tasks(monkeypatch: Any) -> None:
    calls: list[str] = []

    class FakeTask:
        def enqueue(self) -> None:
            calls.append("run")

    monkeypatch.setattr(schedule, "PERIODIC", {"tests.fake": 300.0})
    monkeypatch.setattr(schedule, "_task", lambda path: FakeTask())
    last: dict[str, float] = {}
    now = time.monotonic()
    assert schedule.run_due(last, now) == ["tests.fake"]
    assert schedule.run_due(last, now + 10) == []
    assert schedule.run_due(last, now + 301) == ["tests.fake"]
    assert calls == ["run", "run"]


def test_support_round_is_registered_for_the_worker() -> None:
    assert schedule.PERIODIC.get("cchub.support.tasks.support_round") == 300
