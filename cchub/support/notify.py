"""E-mail on the events people expect, sent by the worker once the change is committed.

Every message names the ticket in its subject ("[CCH-000042] ...") and goes to one recipient
with a reply address of their own (support+42-r-<token>@... for the requester,
support+42-u7-<token>@... for user 7), so that a reply by e-mail is threaded back into the
ticket as that person's (see mailin.py); the subject and the From: header prove nothing.
Messages are marked auto-generated so that well-behaved auto-responders stay quiet.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.crypto import constant_time_compare, salted_hmac
from django_tasks import task

from cchub.lib.text import one_line
from cchub.support import bridges
from cchub.support.guests import ticket_link
from cchub.support.models import Ticket, TicketEvent
from cchub.support.staffing import admin_addresses, centre_addresses, coordinator_addresses, triager_addresses

__all__ = ["admin_addresses", "centre_addresses", "coordinator_addresses", "notify", "triager_addresses"]
log = logging.getLogger(__name__)

SUBJECTS = {
    "confirm": "Confirm your question to the CC network",
    "received": "We received your question",
    "new": "New ticket for {centre}",
    "triage": "New ticket in the triage queue",
    "reply": "New reply",
    "requester-reply": "The requester replied",
    "transfer": "Ticket transferred to {centre}",
    "invite": "{centre} is invited to help",
    "escalation": "Ticket escalated to the network coordinators",
    "sla": "Service level {level}",
    "state": "Your ticket is now {state}",
    "assigned": "Assigned to you by {author}",
    "mention": "{author} mentioned you",
    "moved": "Your question was passed to {centre}",
    "merged": "Your question continues in {target}",
    "followup": "Your message opened a follow-up question",
    "unseen": "Nobody has opened this ticket at {centre}",
    "triage-sla": "Waiting in triage: {level}",
    "undelivered": "A notice about this ticket reached nobody",
    "rejected": "Your message did not reach the helpdesk",
}


# Mails the requester receives; every other event is for staff (their replies are notes).
REQUESTER_EVENTS = frozenset({"confirm", "received", "reply", "state", "moved", "merged", "followup"})
# Mails followers (people the requester copied) receive too.
FOLLOWER_EVENTS = frozenset({"reply", "state", "moved", "merged"})
REQUESTER, SHARED, FOLLOWER = "r", "a", "f"
TOKEN_LENGTH = 24


def mail_token(ticket_id: int, who: str, address: str) -> str:
    """The secret of one recipient's reply address on one ticket: it binds the ticket, the
    recipient's role in the thread (``r`` the requester, ``u<id>`` a user) and their address,
    so a reply proves which mail it answers and a guessed number or a forged From: proves
    nothing."""
    message = f"{ticket_id}:{who}:{address.strip().lower()}"
    return salted_hmac("cchub.support.mail.v2", message).hexdigest()[:TOKEN_LENGTH]


def check_token(ticket_id: int, who: str, address: str, token: str) -> bool:
    return constant_time_compare(mail_token(ticket_id, who, address), token.lower())


def recipient_key(ticket: Ticket, event: str, address: str) -> str:
    """Who ``address`` is in this mail's thread: the requester (for the requester's mails),
    a user of the hub (``u<id>``), or a shared mailbox nobody can answer from."""
    if event in REQUESTER_EVENTS and address.lower() == (ticket.requester_email or "").lower():
        return REQUESTER
    if event in FOLLOWER_EVENTS and address.lower() in {f.lower() for f in ticket.followers}:
        return FOLLOWER
    user = get_user_model().objects.filter(email__iexact=address, is_active=True).order_by("pk").first()
    return f"u{user.pk}" if user is not None else SHARED


def reply_address(ticket: Ticket, who: str, address: str) -> str:
    local, _, domain = settings.SUPPORT_ADDRESS.partition("@")
    if who in (SHARED, FOLLOWER):
        return f"{local}+{ticket.pk}-{SHARED}@{domain}"
    return f"{local}+{ticket.pk}-{who}-{mail_token(ticket.pk, who, address)}@{domain}"


def notify(event: str, ticket: Ticket, recipients: list[str], **context: Any) -> None:
    """Send ``event``'s mail about ``ticket`` to ``recipients`` after the commit.

    A mail for staff that has nobody to go to goes to the triage rota instead, and either way
    the ticket records that it reached nobody: no notice is dropped in silence."""
    recipients = sorted({r for r in recipients if r})
    bridges.after_commit(event, ticket, str(context.get("body", "")))
    if event in ("new", "transfer", "requester-reply") and not recipients and bridges.takes(ticket.centre_id):
        return  # the centre's own helpdesk has it (see bridges)
    if event in FOLLOWER_EVENTS and ticket.followers:
        recipients = sorted(set(recipients) | {f for f in ticket.followers if f})
    if not recipients:
        fallback = [] if event in REQUESTER_EVENTS else triager_addresses()
        TicketEvent.objects.create(
            ticket=ticket, kind=TicketEvent.UNDELIVERED, public=False, actor_label="mail",
            data={"event": event, "sent_to": "triage rota" if fallback else "nobody"},
        )
        if not fallback:
            log.error("The %s notice for %s reached nobody", event, ticket.reference)
            return
        recipients, context = fallback, {**context, "undelivered": event}
    payload = {k: str(v) for k, v in context.items()}
    transaction.on_commit(lambda: send_ticket_mail.enqueue(ticket.pk, event, recipients, payload))


def compose(ticket: Ticket, event: str, recipient: str, context: dict[str, str]) -> EmailMessage:
    """One recipient's message: its reply address is theirs alone (see ``mail_token``)."""
    who = recipient_key(ticket, event, recipient)
    subject = SUBJECTS[event].format_map(defaultdict(str, context))
    values: dict[str, Any] = {**context, "ticket": ticket, "site_url": settings.SITE_URL,
                              "site_name": settings.SITE_NAME, "thread": who}
    if who == REQUESTER:
        # A guest opens their ticket from any mail, on any device: the link holds the key.
        values["link"] = ticket_link(ticket)
    body = render_to_string(f"support/mail/{event}.txt", values).strip() + "\n"
    body += render_to_string("support/mail/footer.txt", values)
    message = EmailMessage(
        subject=one_line(f"[{ticket.reference}] {subject}: {ticket.subject}")[:250],
        body=body,
        to=[recipient],
        reply_to=[reply_address(ticket, who, recipient)],
        headers={
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
            "References": f"<{ticket.reference}@cchub>",
            "X-CCHub-Ticket": ticket.reference,
        },
    )
    return message


@task()
def send_ticket_mail(ticket_id: int, event: str, recipients: list[str], context: dict[str, str]) -> int:
    """In the background: one message per recipient, each with its own reply address."""
    ticket = Ticket.objects.select_related("centre").filter(pk=ticket_id).first()
    if ticket is None:
        return 0
    messages = [compose(ticket, event, recipient, context) for recipient in recipients]
    with mail.get_connection() as connection:
        return connection.send_messages(messages) or 0
