"""Guests: a requester without an account confirms their address by a signed link, and
follows their ticket through a private link that carries the ticket's secret key.
Opening that link remembers the ticket in the browser session."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.http import HttpRequest
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django_ratelimit.core import is_ratelimited

from cchub.support.models import Ticket

CONFIRM_SALT = "cchub.support.confirm"
CONFIRM_MAX_AGE = 7 * 24 * 3600
SESSION_KEY = "cchub_guest_tickets"


def confirmation_link(ticket: Ticket) -> str:
    token = signing.dumps({"t": ticket.pk, "e": ticket.requester_email}, salt=CONFIRM_SALT)
    return reverse("support:confirm", args=[token])


def read_confirmation(token: str) -> Ticket | None:
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.BadSignature:
        return None
    ticket = Ticket.objects.filter(pk=data.get("t")).first()
    if ticket is None or ticket.requester_email != data.get("e"):
        return None
    return ticket


def ticket_link(ticket: Ticket) -> str:
    """The link the requester follows: guests get the private key in it."""
    url = reverse("support:ticket", args=[ticket.pk])
    return url if ticket.requester_id else f"{url}?key={ticket.key}"


def guest_tickets(request: HttpRequest) -> set[int]:
    return set(request.session.get(SESSION_KEY, [])) if hasattr(request, "session") else set()


def remember(request: HttpRequest, ticket: Ticket, key: str) -> bool:
    """Remember the ticket for this browser when ``key`` is its secret key."""
    if not key or not constant_time_compare(key, ticket.key):
        return False
    held = guest_tickets(request)
    held.add(ticket.pk)
    request.session[SESSION_KEY] = sorted(held)[-50:]
    return True


def too_many(request: HttpRequest, email: str, signed_in: bool) -> str:
    """Why this new question is refused for now (django-ratelimit, counted in the cache), or
    "". Guests are counted per address of origin and per e-mail address, so nobody can
    flood a mailbox with confirmation mails; signed-in people per account."""
    if signed_in:
        if is_ratelimited(request, group="support-ask-user", key="user", rate=settings.SUPPORT_RATE_USER,
                          increment=True):
            return "You asked many questions in a short time; please wait a while before the next one."
        return ""
    by_ip = is_ratelimited(request, group="support-ask-ip", key="ip", rate=settings.SUPPORT_RATE_GUEST_IP,
                           increment=True)
    by_email = is_ratelimited(request, group="support-ask-email", key=lambda group, r: email.strip().lower(),
                              rate=settings.SUPPORT_RATE_GUEST_EMAIL, increment=True)
    if by_ip or by_email:
        return ("Too many questions from this address in a short time; please wait a while, "
                "or sign in.")
    return ""
