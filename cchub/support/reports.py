"""What a helpdesk manager runs the desk with: per-centre and per-agent backlog, ticket age,
first-response and resolution times, service-level compliance, hand-overs and satisfaction,
for a period; as a table, CSV or XLSX, and by mail each month.

Times count the tickets never answered: an unanswered ticket's time is its age so far (at
least that long), so a desk that answers only the easy questions does not look fast. Each
figure says how many tickets it covers. Spam and tickets merged into others count nowhere.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import BooleanField, Count, DateTimeField, ExpressionWrapper, F, Min, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from cchub.lib.aggregates import hours_between
from cchub.registry.models import Centre
from cchub.support.models import OPEN_STATES, Coordinator, MonthlyReport, Supporter, Ticket, TicketEvent

HANDOVERS = (TicketEvent.TRANSFER, TicketEvent.REFERRAL)


def counted() -> QuerySet[Ticket]:
    """The tickets reports count: confirmed, not spam, not merged into another. (Merged
    tickets are excluded by a sub-query: "merged_into IS NULL" holds for nearly every row,
    and SQLite would scan by that index instead of the period's.)"""
    merged = Ticket.objects.filter(merged_into__isnull=False).values("pk")
    return Ticket.objects.filter(confirmed=True, spam=False).exclude(pk__in=merged)


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (``share`` in 0..1) of ``values``."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return round(ordered[rank - 1], 1)


@dataclass
class Row:
    """One line of the report: a centre, an agent, triage or the whole network."""

    name: str
    opened: int = 0
    solved: int = 0
    backlog: int = 0
    oldest_open_days: float | None = None
    unanswered: int = 0
    first_response_median_h: float | None = None
    first_response_p90_h: float | None = None
    resolution_median_h: float | None = None
    resolution_p90_h: float | None = None
    sla_breached: int = 0
    sla_compliance: float | None = None  # share of the period's tickets with no breach
    transfers_in: int = 0
    transfers_out: int = 0
    ratings: int = 0
    satisfaction: float | None = None
    solved_by_rating: float | None = None  # share rated "solved"
    _first: list[float] = field(default_factory=list, repr=False)
    _resolve: list[float] = field(default_factory=list, repr=False)
    _scores: list[int] = field(default_factory=list, repr=False)
    _solved_votes: list[bool] = field(default_factory=list, repr=False)
    _breached_tickets: set[int] = field(default_factory=set, repr=False)

    def finish(self) -> Row:
        self.first_response_median_h = percentile(self._first, 0.5)
        self.first_response_p90_h = percentile(self._first, 0.9)
        self.resolution_median_h = percentile(self._resolve, 0.5)
        self.resolution_p90_h = percentile(self._resolve, 0.9)
        self.sla_breached = len(self._breached_tickets)
        if self.opened:
            self.sla_compliance = round(1 - min(self.sla_breached, self.opened) / self.opened, 3)
        self.ratings = len(self._scores)
        if self._scores:
            self.satisfaction = round(sum(self._scores) / len(self._scores), 2)
            self.solved_by_rating = round(sum(self._solved_votes) / len(self._solved_votes), 3)
        return self

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in COLUMNS}


COLUMNS = [k for k in Row.__dataclass_fields__ if not k.startswith("_")]
LABELS = {
    "name": "Centre",
    "opened": "Opened",
    "solved": "Solved",
    "backlog": "Open now",
    "oldest_open_days": "Oldest open (days)",
    "unanswered": "Never answered",
    "first_response_median_h": "First response, median (h)",
    "first_response_p90_h": "First response, 90th percentile (h)",
    "resolution_median_h": "Resolution, median (h)",
    "resolution_p90_h": "Resolution, 90th percentile (h)",
    "sla_breached": "Past a service level",
    "sla_compliance": "Within service levels",
    "transfers_in": "Handed over to it",
    "transfers_out": "Handed over by it",
    "ratings": "Ratings",
    "satisfaction": "Satisfaction (1–5)",
    "solved_by_rating": "Solved, say requesters",
}


SHARES = {"sla_compliance", "solved_by_rating"}


def shown(column: str, value: Any) -> str:
    """A figure as the report page shows it: shares as percentages, nothing as a dash."""
    if value is None:
        return "—"
    if column in SHARES:
        return f"{value:.0%}"
    return str(value)


def _timed(qs: QuerySet[Ticket], now: dt.datetime) -> Any:
    """Hours to the first response and to the solution (each up to ``now`` when not yet),
    computed by the database; unordered."""
    return qs.order_by().annotate(
        first_end=Coalesce(F("first_response_at"), Value(now, output_field=DateTimeField())),
        solve_end=Coalesce(F("solved_at"), Value(now, output_field=DateTimeField())),
        answered=ExpressionWrapper(Q(first_response_at__isnull=False), output_field=BooleanField()),
        solved_flag=ExpressionWrapper(Q(solved_at__isnull=False), output_field=BooleanField()),
    ).annotate(
        first_h=hours_between("created_at", "first_end"), resolve_h=hours_between("created_at", "solve_end")
    )


def _hours(start: dt.datetime, end: dt.datetime) -> float:
    return max(0.0, (end - start).total_seconds() / 3600)


@dataclass
class Report:
    start: dt.datetime
    end: dt.datetime
    centres: list[Row]
    agents: list[Row]
    network: Row
    triage_waiting: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "network": self.network.as_dict(),
            "triage_waiting": self.triage_waiting,
            "centres": [r.as_dict() for r in self.centres],
            "agents": [r.as_dict() for r in self.agents],
        }


def build(start: dt.datetime, end: dt.datetime, centre_ids: Iterable[int] | None = None,
          now: dt.datetime | None = None) -> Report:
    """The report for tickets opened in [start, end), and the backlog now, for the given
    centres (all when None)."""
    now = now or timezone.now()
    scope = counted()
    wanted = set(centre_ids) if centre_ids is not None else None
    if wanted is not None:
        scope = scope.filter(centre_id__in=wanted)
    names = dict(Centre.objects.filter(**({"pk__in": wanted} if wanted is not None else {}))
                 .values_list("pk", "acronym"))
    rows: dict[int | None, Row] = {}
    network = Row(name="Network")

    def row(centre_id: int | None) -> Row:
        if centre_id not in rows:
            rows[centre_id] = Row(name=names.get(centre_id, "triage") if centre_id else "triage")
        return rows[centre_id]

    for centre_id in sorted(wanted or ()):
        row(centre_id)  # one's own centres are listed even when quiet
    # The database computes the hours (an unanswered ticket's up to now), so that no
    # timestamp is converted to Python per row.
    period = _timed(scope.filter(created_at__gte=start, created_at__lt=end), now).values_list(
        "pk", "centre_id", "first_h", "resolve_h", "answered", "solved_flag", "rating", "rating_solved",
        "state",
    )
    opened_ids: dict[int, int | None] = {}
    for row_values in period:
        pk, centre_id, first_h, resolve_h, answered, solved, rating, rating_solved, state = row_values
        opened_ids[pk] = centre_id
        is_open = state in OPEN_STATES
        for target in (row(centre_id), network):
            target.opened += 1
            target._first.append(max(0.0, first_h or 0.0))
            if not answered and is_open:
                target.unanswered += 1
            if solved or is_open:
                target._resolve.append(max(0.0, resolve_h or 0.0))
            if rating:
                target._scores.append(rating)
                target._solved_votes.append(bool(rating_solved))
    solved_rows = scope.filter(solved_at__gte=start, solved_at__lt=end).values("centre_id").annotate(
        n=Count("pk"))
    for item in solved_rows:
        row(item["centre_id"]).solved += item["n"]
        network.solved += item["n"]
    backlog = scope.filter(state__in=OPEN_STATES).order_by().values("centre_id").annotate(
        n=Count("pk"), oldest=Min("created_at"))
    for item in backlog:
        holder = row(item["centre_id"])
        holder.backlog += item["n"]
        network.backlog += item["n"]
        holder.oldest_open_days = round(_hours(item["oldest"], now) / 24, 1)
    network.oldest_open_days = max((r.oldest_open_days or 0 for r in rows.values()), default=None) \
        if network.backlog else None
    breaches = TicketEvent.objects.filter(
        kind=TicketEvent.SLA, data__state="breached", ticket__in=scope.filter(created_at__gte=start,
                                                                                created_at__lt=end)
    ).order_by().values_list("ticket_id", flat=True).distinct()
    for ticket_id in breaches:
        if ticket_id not in opened_ids:
            continue
        row(opened_ids[ticket_id])._breached_tickets.add(ticket_id)
        network._breached_tickets.add(ticket_id)
    moves = TicketEvent.objects.filter(kind__in=HANDOVERS, created_at__gte=start, created_at__lt=end).exclude(
        ticket__in=Ticket.objects.filter(spam=True).values("pk"))
    if wanted is not None:
        moves = moves.filter(Q(data__to__in=sorted(wanted)) | Q(data__from__in=sorted(wanted)))
    # The database reads the two keys: no JSON is decoded here.
    for to, source in moves.values_list("data__to", "data__from"):
        if isinstance(to, int) and (wanted is None or to in wanted):
            row(to).transfers_in += 1
        if isinstance(source, int) and (wanted is None or source in wanted):
            row(source).transfers_out += 1
        network.transfers_in += 1
    centres = sorted((r.finish() for k, r in rows.items()), key=lambda r: (r.name == "triage", r.name))
    return Report(
        start=start, end=end, centres=centres, agents=_agents(start, end, wanted, now),
        network=network.finish(),
        triage_waiting=counted().filter(state__in=OPEN_STATES, centre__isnull=True).count(),
    )


def _agents(start: dt.datetime, end: dt.datetime, wanted: set[int] | None, now: dt.datetime) -> list[Row]:
    """Per supporter: open tickets assigned, tickets of the period they first answered, their
    solved tickets and ratings."""
    people = Supporter.objects.select_related("user")
    if wanted is not None:
        people = people.filter(centre_id__in=wanted)
    user_ids = {s.user_id: s.user.get_username() for s in people}
    agents: dict[int, Row] = {pk: Row(name=name) for pk, name in user_ids.items()}
    open_assigned = counted().filter(state__in=OPEN_STATES, assignee_id__in=user_ids).values(
        "assignee_id").annotate(n=Count("pk"))
    for item in open_assigned:
        agents[item["assignee_id"]].backlog = item["n"]
    assigned = counted().filter(assignee_id__in=user_ids, created_at__gte=start, created_at__lt=end)
    period = _timed(assigned, now).values_list(
        "assignee_id", "first_h", "resolve_h", "answered", "solved_flag", "rating", "rating_solved", "state"
    )
    for assignee, first_h, resolve_h, answered, solved, rating, rating_solved, state in period:
        agent = agents[assignee]
        agent.opened += 1
        agent._first.append(max(0.0, first_h or 0.0))
        if not answered and state in OPEN_STATES:
            agent.unanswered += 1
        if solved:
            agent.solved += 1
            agent._resolve.append(max(0.0, resolve_h or 0.0))
        if rating:
            agent._scores.append(rating)
            agent._solved_votes.append(bool(rating_solved))
    return sorted((a.finish() for a in agents.values() if a.opened or a.backlog), key=lambda r: r.name)


def month_bounds(month: str | None = None, now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """[first day, first day of next month) of "YYYY-MM" (default: the last full month), UTC."""
    now = now or timezone.now()
    if month:
        year, mon = (int(x) for x in month.split("-", 1))
    else:
        year, mon = (now.year, now.month - 1) if now.month > 1 else (now.year - 1, 12)
    start = dt.datetime(year, mon, 1, tzinfo=dt.UTC)
    end = dt.datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=dt.UTC)
    return start, end


def rows_for_export(report: Report) -> list[list[Any]]:
    header = [LABELS[c] for c in COLUMNS]
    lines: list[list[Any]] = [["Centres"], header]
    lines += [[r.as_dict()[c] for c in COLUMNS] for r in [*report.centres, report.network]]
    lines += [[], ["Agents"], ["Agent", *header[1:]]]
    lines += [[r.as_dict()[c] for c in COLUMNS] for r in report.agents]
    return lines


def as_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([f"Helpdesk report {report.start:%Y-%m-%d} to {report.end:%Y-%m-%d}"])
    writer.writerows(rows_for_export(report))
    return out.getvalue()


def as_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)  # streams rows: a thousand centres stay fast
    sheet = book.create_sheet("Centres")
    sheet.append([LABELS[c] for c in COLUMNS])
    for r in [*report.centres, report.network]:
        sheet.append([r.as_dict()[c] for c in COLUMNS])
    agents = book.create_sheet("Agents")
    agents.append(["Agent", *[LABELS[c] for c in COLUMNS[1:]]])
    for r in report.agents:
        agents.append([r.as_dict()[c] for c in COLUMNS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def visible_centre_ids(user: Any) -> set[int] | None:
    """The centres whose figures a user may read: all (None) for network administrators and
    triagers, else the centres they support."""
    from cchub.support.permissions import is_triager, supported_centre_ids

    if is_triager(user):
        return None
    return supported_centre_ids(user)


def recipients_by_centre() -> dict[int, list[str]]:
    """Each centre's leads (or, without a lead, its supporters)."""
    found: dict[int, list[str]] = defaultdict(list)
    leads = Supporter.objects.filter(user__is_active=True).exclude(user__email="").filter(
        Q(is_lead=True) | ~Q(centre__supporters__is_lead=True)).values_list("centre_id", "user__email")
    for centre_id, address in leads.distinct():
        found[centre_id].append(address)
    return found


def _summary(report: Report, row: Row) -> str:
    def h(v: float | None) -> str:
        return "—" if v is None else f"{v:g} h"

    return (
        f"Opened {row.opened}, solved {row.solved}, open now {row.backlog} "
        f"(oldest {row.oldest_open_days if row.oldest_open_days is not None else '—'} days), "
        f"never answered {row.unanswered}.\n"
        f"First response: median {h(row.first_response_median_h)}, "
        f"90 % within {h(row.first_response_p90_h)}.\n"
        f"Resolution: median {h(row.resolution_median_h)}, 90 % within {h(row.resolution_p90_h)}.\n"
        f"Within service levels: {'—' if row.sla_compliance is None else f'{row.sla_compliance:.0%}'}; "
        f"handed over to it {row.transfers_in}, by it {row.transfers_out}; "
        f"satisfaction {row.satisfaction if row.satisfaction is not None else '—'} ({row.ratings} ratings)."
    )


def send_monthly(now: dt.datetime | None = None, force: bool = False) -> int:
    """On the report day, mail last month's report once: each centre's leads get their
    centre's, the network administrators and support coordinators the network's. Returns
    the messages sent."""
    from django.conf import settings
    from django.core import mail

    from cchub.support.staffing import admin_addresses

    now = now or timezone.now()
    if not force and now.day != settings.SUPPORT_REPORT_DAY:
        return 0
    start, end = month_bounds(now=now)
    month = f"{start:%Y-%m}"
    if MonthlyReport.objects.filter(month=month).exists() and not force:
        return 0
    report = build(start, end, now=now)
    messages = []
    by_centre = {r.name: r for r in report.centres}
    acronyms = dict(Centre.objects.values_list("pk", "acronym"))
    for centre_id, addresses in recipients_by_centre().items():
        centre_row = by_centre.get(acronyms.get(centre_id, ""))
        if centre_row is None:
            continue
        own = build(start, end, [centre_id], now=now)
        message = mail.EmailMessage(
            subject=f"Helpdesk report {month}: {centre_row.name}",
            body=f"{centre_row.name}, {month}\n\n{_summary(own, centre_row)}\n\n"
                 f"The figures per agent are in the attached file; the live report: "
                 f"{settings.SITE_URL}/support/reports/\n",
            to=addresses,
        )
        message.attach(f"helpdesk-{month}-{centre_row.name}.csv", as_csv(own), "text/csv")
        messages.append(message)
    coordinators = sorted(set(admin_addresses()) | set(
        Coordinator.objects.filter(user__is_active=True).exclude(user__email="")
        .values_list("user__email", flat=True)))
    if coordinators:
        message = mail.EmailMessage(
            subject=f"Helpdesk report {month}: the network",
            body=f"The network, {month}\n\n{_summary(report, report.network)}\n"
                 f"Waiting in triage now: {report.triage_waiting}.\n\nPer centre and agent: attached.\n",
            to=coordinators,
        )
        message.attach(f"helpdesk-{month}.xlsx", as_xlsx(report),
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        messages.append(message)
    with mail.get_connection() as connection:
        sent = connection.send_messages(messages) or 0
    MonthlyReport.objects.update_or_create(month=month, defaults={"sent_at": now, "messages": sent})
    return sent
