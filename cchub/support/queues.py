"""The queues supporters work from."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from cchub.support.models import OPEN_STATES, PRIORITIES, STATES, Ticket, TicketEvent
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
    "spam": "Spam",
}


def queue_filter(qs: QuerySet[Ticket], user: Any, queue: str) -> QuerySet[Ticket]:
    centres = supported_centre_ids(user)
    open_q = Q(state__in=OPEN_STATES, spam=False)
    if queue == "mine":
        return qs.filter(open_q, assignee=user)
    if queue == "unassigned":
        return qs.filter(open_q, centre_id__in=centres, assignee__isnull=True)
    if queue == "centre":
        return qs.filter(open_q, centre_id__in=centres)
    if queue == "collaborating":
        return qs.filter(open_q, collaborators__in=centres)
    if queue == "triage":
        return qs.filter(open_q, centre__isnull=True, confirmed=True, spam=False)
    if queue == "open":
        return qs.filter(open_q)
    if queue == "escalated":
        return qs.filter(open_q, escalated=True)
    if queue == "requested":
        return qs.filter(requester=user)
    if queue == "finished":
        return qs.exclude(open_q).filter(spam=False)
    if queue == "spam":
        return qs.filter(spam=True)
    return qs


SORTS = {
    "newest": ("-created_at", "Newest first"),
    "oldest": ("created_at", "Oldest first"),
    "updated": ("-updated_at", "Recently updated"),
    "waiting": ("updated_at", "Waiting longest"),
    "priority": ("-priority_rank", "Most urgent first"),
}
FILTERS = ("queue", "state", "priority", "centre", "assignee", "tag", "q", "sort")
REFERENCE = re.compile(r"^(?:CCH-)?0*(\d{1,9})$", re.I)


def search(qs: QuerySet[Ticket], text: str) -> QuerySet[Ticket]:
    """Tickets matching every word of ``text`` in their subject, question, replies or notes,
    or the requester's address; ``CCH-42`` finds that ticket. The caller has already limited
    ``qs`` to the tickets the user may see."""
    text = text.strip()[:200]
    if not text:
        return qs
    found = REFERENCE.match(text)
    if found:
        return qs.filter(pk=int(found.group(1)))
    for word in text.split()[:8]:
        matching = TicketEvent.objects.filter(body__icontains=word).values("ticket_id")
        qs = qs.filter(
            Q(subject__icontains=word) | Q(body__icontains=word) | Q(requester_email__iexact=word)
            | Q(pk__in=matching)
        )
    return qs


def apply(qs: QuerySet[Ticket], params: Any) -> QuerySet[Ticket]:
    """The queue's filters and sorting, from request parameters."""
    if params.get("state") in dict(STATES):
        qs = qs.filter(state=params["state"])
    if params.get("priority") in dict(PRIORITIES):
        qs = qs.filter(priority=params["priority"])
    centre = params.get("centre", "")
    if centre == "triage":
        qs = qs.filter(centre__isnull=True)
    elif centre.isdigit():
        qs = qs.filter(centre_id=int(centre))
    elif centre.strip():
        qs = qs.filter(centre__acronym__iexact=centre.strip())
    assignee = params.get("assignee", "")
    if assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif assignee.isdigit():
        qs = qs.filter(assignee_id=int(assignee))
    if params.get("tag"):
        qs = qs.filter(tags__name=params["tag"].strip().lower())
    qs = search(qs, params.get("q", ""))
    order = SORTS.get(params.get("sort", ""), SORTS["newest"])[0]
    if "priority_rank" in order:
        rank = Case(*[When(priority=p, then=Value(i)) for i, (p, _) in enumerate(PRIORITIES)],
                    output_field=IntegerField())
        qs = qs.annotate(priority_rank=rank)
        return qs.order_by(order, "created_at")
    return qs.order_by(order, "-pk")
