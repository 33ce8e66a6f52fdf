"""One question after a ticket is solved: did we solve it, and how was it (1–5)? Asked by a
signed link in the "solved" mail, so that a guest answers without signing in. The answer
goes into the reports and into routing's learning (``routing`` weighs a solved question's
vote by it)."""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cchub.lib.text import clean_text
from cchub.support.models import FINISHED_STATES, Ticket, TicketEvent
from cchub.support.workflow import TicketError, add_event

SALT = "cchub.support.rating"
MAX_AGE = 60 * 24 * 3600  # the link works for two months
MAX_COMMENT = 2000


def rating_link(ticket: Ticket) -> str:
    token = signing.dumps({"t": ticket.pk, "k": ticket.key[:8]}, salt=SALT)
    return reverse("support:rate", args=[token])


def read(token: str) -> Ticket | None:
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    ticket = Ticket.objects.filter(pk=data.get("t")).first()
    if ticket is None or ticket.key[:8] != data.get("k"):
        return None
    return ticket


def rate(ticket: Ticket, solved: Any, score: Any, comment: str = "") -> Ticket:
    """Record (or change) the requester's answer."""
    if ticket.state not in FINISHED_STATES:
        raise TicketError("This ticket is open again; rate it once it is solved.", status=409)
    if str(solved) not in {"yes", "no", "true", "false", "1", "0", "True", "False"}:
        raise TicketError("Say whether we solved your problem (yes or no).", field="solved")
    try:
        value = int(score)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        raise TicketError("Give a score from 1 (poor) to 5 (excellent).", field="score")
    comment = clean_text(comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise TicketError(f"The comment is {len(comment)} characters long; the limit is {MAX_COMMENT}.",
                          field="comment")
    with transaction.atomic():
        ticket.rating = value
        ticket.rating_solved = str(solved) in {"yes", "true", "1", "True"}
        ticket.rating_comment = comment
        ticket.rated_at = timezone.now()
        ticket.save(update_fields=["rating", "rating_solved", "rating_comment", "rated_at"])
        add_event(ticket, TicketEvent.RATING, None, public=False, label=ticket.requester_name or "requester",
                  by_requester=True, body=comment, score=value, solved=ticket.rating_solved)
    return ticket


def weight(rating: int | None, solved: bool | None) -> float:
    """How much a finished ticket's vote counts for the centre that finished it: a question
    the requester says was not solved counts against it, like a transfer away."""
    if solved is False:
        return -0.5
    if rating is None:
        return 1.0
    return {1: 0.3, 2: 0.6, 3: 1.0, 4: 1.15, 5: 1.3}.get(rating, 1.0)
