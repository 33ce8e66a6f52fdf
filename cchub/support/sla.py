"""Service levels counted in a centre's working hours and time zone.

A desk works on its ``work_days`` between ``day_start`` and ``day_end`` local time, except
on its ``holidays``. First response is measured from routing (or submission) to the first
public reply by the centre; resolution to the moment the ticket is solved. The clocks pause
while the ticket waits for the requester's reply or is on hold. At 75 % of a target the
ticket is flagged as a warning; past it, as breached.

A ticket in the triage queue runs the network's own clock: it should be placed at a centre
within ``SUPPORT_TRIAGE_HOURS`` working hours (Brussels time, Monday to Friday).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from cchub.registry.models import Centre
from cchub.support.models import DEFAULT_TARGETS, Desk, Ticket

WARNING_AT = 0.75
WEEKDAYS = [0, 1, 2, 3, 4]


def desk_for(centre: Centre | None) -> Desk:
    """The centre's desk, or an unsaved one with the network's defaults."""
    if centre is not None:
        try:
            return centre.desk
        except Desk.DoesNotExist:
            pass
    return Desk(centre=centre, work_days=list(WEEKDAYS), time_zone="Europe/Brussels")


def _zone(desk: Desk) -> ZoneInfo:
    try:
        return ZoneInfo(desk.time_zone or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def _work_days(desk: Desk) -> set[int]:
    return set(desk.work_days) if desk.work_days else set(WEEKDAYS)


def _window(desk: Desk, day: dt.date, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime] | None:
    if day.weekday() not in _work_days(desk) or day.isoformat() in set(desk.holidays or []):
        return None
    start = dt.datetime.combine(day, desk.day_start, tzinfo=zone)
    end = dt.datetime.combine(day, desk.day_end, tzinfo=zone)
    return (start, end) if end > start else None


def working_seconds(desk: Desk, start: dt.datetime, end: dt.datetime) -> float:
    """Working time between two instants, in seconds."""
    if end <= start:
        return 0.0
    zone = _zone(desk)
    day = start.astimezone(zone).date()
    last = end.astimezone(zone).date()
    total = 0.0
    while day <= last:
        window = _window(desk, day, zone)
        if window:
            lo, hi = max(window[0], start), min(window[1], end)
            if hi > lo:
                total += (hi - lo).total_seconds()
        day += dt.timedelta(days=1)
    return total


def add_working_seconds(desk: Desk, start: dt.datetime, seconds: float) -> dt.datetime:
    """The instant at which ``seconds`` of working time after ``start`` have passed."""
    zone = _zone(desk)
    day = start.astimezone(zone).date()
    left = seconds
    for _ in range(3700):  # ten years of days: a calendar with no working day stops here
        window = _window(desk, day, zone)
        if window:
            lo = max(window[0], start)
            available = (window[1] - lo).total_seconds()
            if available > 0:
                if available >= left:
                    return lo + dt.timedelta(seconds=left)
                left -= available
        day += dt.timedelta(days=1)
    return start + dt.timedelta(days=3650)


def add_working_days(desk: Desk, start: dt.datetime, days: int) -> dt.datetime:
    """The same local time ``days`` working days later."""
    zone = _zone(desk)
    local = start.astimezone(zone)
    day, counted = local.date(), 0
    while counted < days:
        day += dt.timedelta(days=1)
        if _window(desk, day, zone) is not None:
            counted += 1
    return dt.datetime.combine(day, local.timetz()).astimezone(dt.UTC)


@dataclass
class Clock:
    name: str  # "first response" or "resolution"
    target_hours: float
    elapsed_hours: float
    due: dt.datetime
    done: bool  # the target event happened (first reply sent / ticket solved)
    paused: bool = False  # waiting for the requester, or on hold
    zone: str = "Europe/Brussels"  # the desk's time zone, in which ``due`` is shown

    @property
    def due_text(self) -> str:
        local = self.due.astimezone(ZoneInfo(self.zone))
        return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"

    @property
    def fraction(self) -> float:
        return self.elapsed_hours / self.target_hours if self.target_hours else 0.0

    @property
    def state(self) -> str:
        """ok, warning, breached, met or missed."""
        if self.done:
            return "met" if self.fraction <= 1 else "missed"
        if self.paused:
            return "paused"
        if self.fraction > 1:
            return "breached"
        return "warning" if self.fraction >= WARNING_AT else "ok"


def clocks(ticket: Ticket, now: dt.datetime | None = None, desk: Desk | None = None) -> list[Clock]:
    """The ticket's two service-level clocks, in its centre's calendar."""
    now = now or timezone.now()
    desk = desk or desk_for(ticket.centre)
    targets = desk.targets() if desk.pk else dict(DEFAULT_TARGETS)
    first_target, resolve_target = targets.get(ticket.priority, DEFAULT_TARGETS[ticket.priority])
    start = ticket.sla_start
    paused = ticket.paused_seconds
    if ticket.paused_at is not None:
        paused += working_seconds(desk, ticket.paused_at, now)
    result = []
    for name, target, finished_at in (
        ("first response", first_target, ticket.first_response_at),
        ("resolution", resolve_target, ticket.solved_at),
    ):
        end = finished_at or now
        # A pause counts against the resolution clock only once it has started, and against
        # the first response only while nobody has answered yet.
        held = paused if name == "resolution" or finished_at is None else 0.0
        result.append(
            Clock(
                name=name,
                target_hours=target,
                elapsed_hours=max(0.0, working_seconds(desk, start, end) - held) / 3600,
                due=add_working_seconds(desk, start, target * 3600 + held),
                done=finished_at is not None,
                paused=ticket.paused_at is not None and finished_at is None,
                zone=_zone(desk).key,
            )
        )
    return result


def triage_clock(ticket: Ticket, now: dt.datetime | None = None) -> Clock:
    """How long a ticket has waited in the triage queue, in the network's calendar."""
    now = now or timezone.now()
    desk = desk_for(None)
    start = ticket.created_at
    target = float(settings.SUPPORT_TRIAGE_HOURS)
    return Clock(
        name="placement",
        target_hours=target,
        elapsed_hours=working_seconds(desk, start, now) / 3600,
        due=add_working_seconds(desk, start, target * 3600),
        done=False,
        zone=_zone(desk).key,
    )


def local_time(when: dt.datetime, desk: Desk) -> str:
    """A due time as people read it: in the desk's zone, with the zone named."""
    local = when.astimezone(_zone(desk))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()} ({_zone(desk).key})"


def worst(ticket_clocks: list[Clock]) -> str:
    """The state a queue shows for a ticket: breached > warning > ok."""
    states = {c.state for c in ticket_clocks if not c.done}
    for state in ("breached", "warning", "paused"):
        if state in states:
            return state
    return "ok"
