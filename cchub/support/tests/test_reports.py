"""Queues and reports a helpdesk manager runs the desk with."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from cchub.support import lifecycle, reports, workflow
from cchub.support.models import Supporter, Ticket
from cchub.support.workflow import Submission

pytestmark = pytest.mark.django_db

ADQL = Submission(
    subject="Querying Gaia with ADQL through TAP",
    body="How do I write an ADQL query to the Gaia archive to select stars within 100 pc?",
)


def make(desk: dict[str, Any], n: int, hours_ago: float, answered_after: float | None) -> list[Ticket]:
    made = []
    for _ in range(n):
        ticket = workflow.submit(ADQL, desk["researcher"])
        created = timezone.now() - dt.timedelta(hours=hours_ago)
        first = created + dt.timedelta(hours=answered_after) if answered_after is not None else None
        Ticket.objects.filter(pk=ticket.pk).update(created_at=created, first_response_at=first)
        made.append(ticket)
    return made


def test_percentiles_count_the_tickets_never_answered(desk: dict[str, Any]) -> None:
    make(desk, 3, hours_ago=100, answered_after=1)  # answered within the hour
    make(desk, 2, hours_ago=100, answered_after=None)  # never answered: 100 h so far
    start = timezone.now() - dt.timedelta(days=30)
    report = reports.build(start, timezone.now() + dt.timedelta(hours=1))
    vo = next(r for r in report.centres if r.name == "ESCAPE-VO")
    assert vo.opened == 5 and vo.unanswered == 2 and vo.backlog == 5
    assert vo.first_response_median_h == 1.0
    assert vo.first_response_p90_h is not None and vo.first_response_p90_h >= 99  # not the flattering 1 h
    assert vo.oldest_open_days is not None and vo.oldest_open_days >= 4
    assert report.network.opened == 5


def test_spam_merged_and_unconfirmed_count_nowhere(desk: dict[str, Any]) -> None:
    real, duplicate, spam = (workflow.submit(ADQL, desk["researcher"]) for _ in range(3))
    lifecycle.merge(duplicate, desk["vo"], real.pk)
    lifecycle.mark_spam(spam, desk["vo"])
    workflow.submit(Submission(subject="x", body="y", email="guest@example.org"), None)  # unconfirmed
    report = reports.build(timezone.now() - dt.timedelta(days=1), timezone.now() + dt.timedelta(hours=1))
    assert report.network.opened == 1


def test_handovers_and_referrals_count_in_and_out(desk: dict[str, Any]) -> None:
    from cchub.registry.models import Centre

    ticket = workflow.submit(ADQL, desk["researcher"])
    kit = Centre.objects.get(slug="kit")
    workflow.transfer(ticket, desk["vo"], kit.pk, "KIT has the expert")
    report = reports.build(timezone.now() - dt.timedelta(days=1), timezone.now() + dt.timedelta(hours=1))
    rows = {r.name: r for r in report.centres}
    assert rows["ESCAPE-VO"].transfers_out == 1 and rows["KIT"].transfers_in == 1


def test_satisfaction_and_agents(desk: dict[str, Any]) -> None:
    ticket = workflow.submit(ADQL, desk["researcher"])
    workflow.assign(ticket, desk["vo"], desk["vo"].pk)
    ticket = workflow.change_state(ticket, desk["vo"], "solved")
    from cchub.support import satisfaction

    satisfaction.rate(ticket, "yes", 4)
    report = reports.build(timezone.now() - dt.timedelta(days=1), timezone.now() + dt.timedelta(hours=1))
    vo = next(r for r in report.centres if r.name == "ESCAPE-VO")
    assert vo.satisfaction == 4 and vo.ratings == 1 and vo.solved_by_rating == 1.0 and vo.solved == 1
    agent = next(r for r in report.agents if r.name == "vo")
    assert agent.solved == 1 and agent.satisfaction == 4


def test_report_pages_and_exports_are_permission_filtered(desk: dict[str, Any], client: Client) -> None:
    workflow.submit(ADQL, desk["researcher"])
    month = f"{timezone.now():%Y-%m}"
    client.force_login(desk["kit"])
    page = client.get("/support/reports/").content.decode()
    assert "KIT" in page and "ESCAPE-VO" not in page  # only one's own centres
    client.force_login(desk["triager"])
    assert "ESCAPE-VO" in client.get("/support/reports/").content.decode()
    csv_response = client.get(f"/support/reports/?month={month}&format=csv")
    assert csv_response.status_code == 200 and "ESCAPE-VO" in csv_response.content.decode()
    xlsx = client.get(f"/support/reports/?month={month}&format=xlsx")
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["Centres", "Agents"]
    assert client.get("/support/reports/?month=2026-13").status_code == 400
    client.force_login(desk["researcher"])
    assert client.get("/support/reports/").status_code == 404


def test_monthly_report_is_mailed_once_to_leads_and_coordinators(desk: dict[str, Any], settings: Any) -> None:
    settings.SUPPORT_REPORT_DAY = 1
    ticket = workflow.submit(ADQL, desk["researcher"])
    Ticket.objects.filter(pk=ticket.pk).update(created_at=dt.datetime(2026, 11, 10, tzinfo=dt.UTC))
    desk["admin"].groups.add(
        __import__("django.contrib.auth.models", fromlist=["Group"]).Group.objects.get(
            name="Network administrators"
        )
    )
    on_the_day = dt.datetime(2026, 12, 1, 6, tzinfo=dt.UTC)
    assert reports.send_monthly(on_the_day + dt.timedelta(days=1)) == 0  # not the day
    sent = reports.send_monthly(on_the_day)
    assert sent >= 2
    vo_mail = next(m for m in mail.outbox if "ESCAPE-VO" in m.subject)
    assert vo_mail.to == [desk["vo_lead"].email] and "2026-11" in vo_mail.subject and vo_mail.attachments
    network = next(m for m in mail.outbox if "the network" in m.subject)
    assert desk["admin"].email in network.to
    assert reports.send_monthly(on_the_day) == 0  # once
    assert Supporter.objects.filter(is_lead=True).count() == 1


def test_queue_search_sort_and_saved_views(desk: dict[str, Any], client: Client) -> None:
    first = workflow.submit(ADQL, desk["researcher"])
    second = workflow.submit(
        Submission(subject="TAP upload limits", body="Large table upload fails."), desk["researcher"]
    )
    workflow.reply(first, desk["vo"], "Try the gaiadr3 schema", public=False)
    client.force_login(desk["vo"])
    found = client.get("/support/queue/?queue=open&q=gaiadr3").content.decode()  # in a note
    assert first.reference in found and second.reference not in found
    assert second.reference in client.get(f"/support/queue/?q={second.reference}").content.decode()
    oldest = client.get("/support/queue/?queue=centre&sort=oldest").content.decode()
    assert oldest.index(first.reference) < oldest.index(second.reference)
    client.post("/support/queue/", {"name": "Gaia", "queue": "centre", "q": "gaia"})
    page = client.get("/support/queue/").content.decode()
    assert "★ Gaia" in page
    # Another centre's supporter finds nothing of VO's tickets by searching.
    client.force_login(desk["kit"])
    assert first.reference not in client.get("/support/queue/?queue=open&q=gaia").content.decode()
