"""The queues supporters work from."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from cchub.support.models import OPEN_STATES, Ticket
from cchub.support.permissions import supported_centre_ids

QUEUES = {
    "mine": "Assigned to me",
    "unassigned": "Unassigned at my centres",
    "centre": "Open at my centres",
    "collaborating": "Where my centre helps",
    "triage": "Triage queue",
    "open": "All open tickets",
    "escalated": "Escalated",
    "requested": "My own questions",
    "finished": "Solved and closed",
}


def queue_filter(qs: QuerySet[Ticket], user: Any, queue: str) -> QuerySet[Ticket]:
    centres = supported_centre_ids(user)
    open_q = Q(state__in=OPEN_STATES)
    if queue == "mine":
        return qs.filter(open_q, assignee=user)
    if queue == "unassigned":
        return qs.filter(open_q, centre_id__in=centres, assignee__isnull=True)
    if queue == "centre":
        return qs.filter(open_q, centre_id__in=centres)
    if queue == "collaborating":
        return qs.filter(open_q, collaborators__in=centres)
    if queue == "triage":
        return qs.filter(open_q, centre__isnull=True, confirmed=True)
    if queue == "open":
        return qs.filter(open_q)
    if queue == "escalated":
        return qs.filter(open_q, escalated=True)
    if queue == "requested":
        return qs.filter(requester=user)
    if queue == "finished":
        return qs.exclude(open_q)
    return qs
