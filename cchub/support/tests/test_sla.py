"""Service levels in a centre's working hours and time zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from cchub.support import sla
from cchub.support.models import Desk, ServiceLevel, Ticket
from cchub.testing import factories

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")


def desk(**kwargs: object) -> Desk:
    values = {
        "time_zone": "Europe/Rome",
        "work_days": [0, 1, 2, 3, 4],
        "day_start": dt.time(9),
        "day_end": dt.time(17),
        "holidays": [],
    }
    values.update(kwargs)
    return Desk(**values)  # type: ignore[arg-type]


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ROME)  # type: ignore[misc]


def test_working_time_skips_nights_and_weekends() -> None:
    d = desk()
    friday_4pm, monday_10am = at(2026, 11, 20, 16), at(2026, 11, 23, 10)
    assert sla.working_seconds(d, friday_4pm, monday_10am) == 2 * 3600
    assert sla.add_working_seconds(d, friday_4pm, 2 * 3600) == monday_10am
    assert sla.working_seconds(d, at(2026, 11, 21, 8), at(2026, 11, 22, 20)) == 0  # a weekend


def test_holidays_and_other_time_zones() -> None:
    d = desk(holidays=["2026-11-23"])
    assert sla.add_working_seconds(d, at(2026, 11, 20, 16), 2 * 3600) == at(2026, 11, 24, 10)
    tokyo = desk(time_zone="Asia/Tokyo")
    start = dt.datetime(2026, 11, 16, 9, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert sla.working_seconds(tokyo, start, start + dt.timedelta(hours=10)) == 8 * 3600
    odd = desk(work_days=[6], day_start=dt.time(10), day_end=dt.time(12))  # Sundays 10–12
    assert sla.add_working_seconds(odd, at(2026, 11, 16, 9), 3 * 3600) == at(2026, 11, 29, 11)


def test_working_days_for_auto_close() -> None:
    d = desk(holidays=["2026-11-25"])
    assert sla.add_working_days(d, at(2026, 11, 20, 15), 3) == at(2026, 11, 26, 15).astimezone(dt.UTC)


def test_clocks_warn_at_75_percent_and_flag_breaches() -> None:
    centre = factories.centre("GARR", countries=["IT"])
    Desk.objects.create(centre=centre, time_zone="Europe/Rome", work_days=[0, 1, 2, 3, 4])
    ServiceLevel.objects.create(centre=centre, priority="urgent", first_response_hours=4, resolution_hours=16)
    ticket = Ticket.objects.create(
        subject="s", body="b", requester_email="a@example.org", centre=centre, priority="urgent"
    )
    Ticket.objects.filter(pk=ticket.pk).update(routed_at=at(2026, 11, 16, 9))
    ticket.refresh_from_db()
    first, resolution = sla.clocks(ticket, now=at(2026, 11, 16, 11, 59))
    assert first.target_hours == 4 and first.state == "ok" and resolution.state == "ok"
    first, _ = sla.clocks(ticket, now=at(2026, 11, 16, 12, 0))
    assert first.state == "warning" and first.due == at(2026, 11, 16, 13)
    first, _ = sla.clocks(ticket, now=at(2026, 11, 16, 13, 1))
    assert first.state == "breached" and sla.worst([first]) == "breached"
    ticket.first_response_at = at(2026, 11, 16, 12, 30)
    first, _ = sla.clocks(ticket, now=at(2026, 11, 18, 9))
    assert first.state == "met"


def test_default_targets_without_a_desk() -> None:
    ticket = Ticket(
        subject="s", body="b", requester_email="a@example.org", priority="top", created_at=at(2026, 11, 16, 9)
    )
    first, resolution = sla.clocks(ticket, now=at(2026, 11, 16, 9, 30))
    assert (first.target_hours, resolution.target_hours) == (1, 8)
    assert first.state == "ok"
