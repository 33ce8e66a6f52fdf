"""What the user-support network tells the landscape: the desk's figures for a period, by
month, and what was asked for by research stage. The one module other apps read support
through (they do not import its models)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count

from cchub.lib.aggregates import median_hours, month_key, month_of
from cchub.support.models import Ticket, TicketEvent


def figures(start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    """Questions opened and solved in [start, end), the median hours to a first response and
    to a solution (of those opened), tickets past a service level, transfers and referrals.
    Spam, merged duplicates and unconfirmed guests' questions count nowhere; per-centre
    figures with percentiles that count unanswered tickets are in ``reports``."""
    counted = Ticket.objects.filter(confirmed=True, spam=False, merged_into__isnull=True)
    opened = counted.filter(created_at__gte=start, created_at__lt=end)
    events = TicketEvent.objects.filter(created_at__gte=start, created_at__lt=end, ticket__spam=False)
    return {
        "opened": opened.count(),
        "solved": counted.filter(solved_at__gte=start, solved_at__lt=end).count(),
        "first_response": median_hours(opened, "created_at", "first_response_at"),
        "resolution": median_hours(opened, "created_at", "solved_at"),
        "breaches": events.filter(kind=TicketEvent.SLA, data__state="breached")
        .values("ticket")
        .distinct()
        .count(),
        # A referral ("we lack the competence") hands a ticket over as a transfer does.
        "transfers": events.filter(kind__in=[TicketEvent.TRANSFER, TicketEvent.REFERRAL]).count(),
    }


def by_month(start: dt.datetime, end: dt.datetime) -> dict[str, dict[str, int]]:
    """"YYYY-MM" -> questions opened and solved that month, within [start, end)."""
    months: dict[str, dict[str, int]] = {}
    for field_name, key in (("created_at", "opened"), ("solved_at", "solved")):
        rows = (
            Ticket.objects.filter(**{f"{field_name}__gte": start, f"{field_name}__lt": end},
                                  spam=False, merged_into__isnull=True)
            .annotate(month=month_of(field_name))
            .values_list("month")
            .annotate(n=Count("id"))
        )
        for month, n in rows:
            entry = months.setdefault(month_key(month), {"opened": 0, "solved": 0})
            entry[key] += n
    return months


def asked_by_stage(start: dt.datetime, end: dt.datetime) -> list[tuple[str, int]]:
    """(stage notation, questions) for the questions asked in [start, end) with a stage."""
    return list(
        Ticket.objects.filter(created_at__gte=start, created_at__lt=end, stage__isnull=False)
        .values_list("stage__notation")
        .annotate(n=Count("id"))
    )
