"""The network's figures for a period, each with its trend (the same figure for the period
before, of the same length), and the monthly series behind the charts. Every figure is
one aggregate query, so the dashboard stays fast at thousands of centres and a hundred
thousand tickets."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from cchub.interop.models import Harvest, Source
from cchub.lib.aggregates import month_key, month_of
from cchub.lib.countries import country_name
from cchub.registry.models import Centre, Cluster, Service
from cchub.support import stats
from cchub.training.models import Event


@dataclass
class Figure:
    label: str
    value: float | None
    previous: float | None = None
    unit: str = ""
    better: str = "up"  # which way is good: up, down, or "" (neither)
    note: str = ""

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def trend(self) -> str:
        """In words, so it reads without colour or arrows."""
        change = self.change
        if change is None:
            return "no earlier figure"
        if abs(change) < 1e-9:
            return "unchanged"
        direction = "up" if change > 0 else "down"
        amount = f"{abs(change):.1f}".rstrip("0").rstrip(".")
        good = "" if not self.better else (" (better)" if direction == self.better else " (worse)")
        return f"{direction} {amount}{(' ' + self.unit) if self.unit else ''}{good}"


@dataclass
class Period:
    start: dt.datetime
    end: dt.datetime

    @property
    def previous(self) -> Period:
        length = self.end - self.start
        return Period(self.start - length, self.start)

    def months(self) -> list[dt.date]:
        first = self.start.date().replace(day=1)
        months, month = [], first
        while month < self.end.date():
            months.append(month)
            month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return months

    def label(self) -> str:
        return f"{self.start:%Y-%m-%d} – {(self.end - dt.timedelta(seconds=1)):%Y-%m-%d}"


def period(start: dt.date | None = None, end: dt.date | None = None) -> Period:
    """[start, end] as whole days (default: the twelve months up to today)."""
    today = timezone.localdate()
    end = end or today
    start = start or (end.replace(year=end.year - 1) + dt.timedelta(days=1))
    zone = timezone.get_current_timezone()
    return Period(
        dt.datetime.combine(start, dt.time.min, tzinfo=zone),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
    )


@dataclass
class Dashboard:
    period: Period
    figures: dict[str, Figure] = field(default_factory=dict)
    breakdowns: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # name -> (label, count)
    series: dict[str, list[tuple[str, dict[str, int]]]] = field(default_factory=dict)  # month -> values
    freshness: list[dict[str, Any]] = field(default_factory=list)
    by_country: dict[str, int] = field(default_factory=dict)


def registry(board: Dashboard) -> None:
    public = Centre.objects.public()
    start = board.period.start
    board.figures["centres"] = Figure("Centres", public.count(), public.filter(created_at__lt=start).count())
    board.figures["services"] = Figure(
        "Services", Service.objects.count(), Service.objects.filter(created_at__lt=start).count()
    )
    clusters = dict(Cluster.objects.values_list("slug", "acronym"))
    counted = Counter(public.values_list("clusters__slug", flat=True))
    board.breakdowns["cluster"] = [
        (clusters.get(k, "none") if k else "none", n) for k, n in counted.most_common()
    ]
    kinds = dict(Centre.KINDS)
    board.breakdowns["kind"] = [
        (kinds.get(k, k), n) for k, n in public.values_list("kind").annotate(n=Count("id")).order_by("-n")
    ]
    statuses = dict(Centre.STATUSES)
    board.breakdowns["status"] = [
        (statuses.get(k, k), n)
        for k, n in public.values_list("status").annotate(n=Count("id")).order_by("-n")
    ]
    countries: Counter[str] = Counter()
    for served in public.values_list("countries", flat=True):
        countries.update(set(served or []))
    board.by_country = dict(countries)
    board.breakdowns["country"] = [(country_name(k), n) for k, n in countries.most_common()]


def training(board: Dashboard) -> None:

    now, p = timezone.now(), board.period
    delivered = Event.objects.filter(end__lt=now)
    board.figures["training_delivered"] = Figure(
        "Training events delivered",
        delivered.filter(end__gte=p.start, end__lt=p.end).count(),
        delivered.filter(end__gte=p.previous.start, end__lt=p.previous.end).count(),
    )
    board.figures["training_planned"] = Figure(
        "Training events planned", Event.objects.filter(start__gte=now).count(), better="up"
    )
    months = {m: {"delivered": 0, "planned": 0} for m in _month_keys(p)}
    rows = (
        Event.objects.filter(start__gte=p.start, start__lt=max(p.end, now + dt.timedelta(days=1)))
        .annotate(month=month_of("start"))
        .values_list("month")
        .annotate(past=Count("id", filter=Q(end__lt=now)), future=Count("id", filter=Q(end__gte=now)))
    )
    for month, past, future in rows:
        key = month_key(month)
        if key in months:
            months[key]["delivered"] += past
            months[key]["planned"] += future
    board.series["training"] = list(months.items())


def _month_keys(p: Period) -> list[str]:
    return [m.strftime("%Y-%m") for m in p.months()]


def support(board: Dashboard) -> None:
    now, before = stats.figures(board.period.start, board.period.end), stats.figures(
        board.period.previous.start, board.period.previous.end
    )
    board.figures["tickets_opened"] = Figure("Questions asked", now["opened"], before["opened"], better="")
    board.figures["tickets_solved"] = Figure("Questions solved", now["solved"], before["solved"])
    board.figures["first_response"] = Figure(
        "Median first response", now["first_response"], before["first_response"], unit="h", better="down"
    )
    board.figures["resolution"] = Figure(
        "Median time to solve", now["resolution"], before["resolution"], unit="h", better="down"
    )
    board.figures["sla_breaches"] = Figure(
        "Tickets past a service level", now["breaches"], before["breaches"], better="down"
    )
    board.figures["transfers"] = Figure(
        "Transfers between centres",
        now["transfers"],
        before["transfers"],
        better="",
        note="a question handed to a centre better placed",
    )
    months = {m: {"opened": 0, "solved": 0} for m in _month_keys(board.period)}
    for month, counts in stats.by_month(board.period.start, board.period.end).items():
        if month in months:
            months[month] = counts
    board.series["tickets"] = list(months.items())


def federation(board: Dashboard) -> None:

    now = timezone.now()
    for source in Source.objects.filter(enabled=True):
        done = source.harvests.filter(state=Harvest.DONE).order_by("-finished_at").first()
        age = (now - done.finished_at).total_seconds() / 3600 if done and done.finished_at else None
        board.freshness.append(
            {
                "source": source.name,
                "url": source.get_absolute_url(),
                "last": done.finished_at if done else None,
                "hours": round(age, 1) if age is not None else None,
                "late": age is None or age > 2 * source.every_hours,
            }
        )
    ages = [f["hours"] for f in board.freshness if f["hours"] is not None]
    board.figures["harvest_age"] = Figure(
        "Oldest harvest",
        max(ages) if ages else None,
        unit="h",
        better="down",
        note=f"{len(board.freshness)} source(s)" if board.freshness else "no source",
    )


def dashboard(p: Period | None = None) -> Dashboard:
    board = Dashboard(period=p or period())
    registry(board)
    training(board)
    support(board)
    federation(board)
    return board
