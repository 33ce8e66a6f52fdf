"""E-mail on the events people expect, sent by the worker once the change is committed.

Every message names the ticket in its subject ("[CCH-000042] ...") and goes to one recipient
with a reply address of their own (support+42-r-<token>@... for the requester,
support+42-u7-<token>@... for user 7), so that a reply by e-mail is threaded back into the
ticket as that person's (see mailin.py); the subject and the From: header prove nothing.
Messages are marked auto-generated so that well-behaved auto-responders stay quiet.
"""

from __future__ import annotations

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

from cchub.accounts.permissions import ADMIN_GROUP
from cchub.lib.text import one_line
from cchub.registry.models import Centre
from cchub.support.guests import ticket_link
from cchub.support.models import Supporter, Ticket

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
}


# Mails the requester receives; every other event is for staff (their replies are notes).
REQUESTER_EVENTS = frozenset({"confirm", "received", "reply", "state"})
REQUESTER, SHARED = "r", "a"
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
    user = get_user_model().objects.filter(email__iexact=address, is_active=True).order_by("pk").first()
    return f"u{user.pk}" if user is not None else SHARED


def reply_address(ticket: Ticket, who: str, address: str) -> str:
    local, _, domain = settings.SUPPORT_ADDRESS.partition("@")
    if who == SHARED:
        return f"{local}+{ticket.pk}-{SHARED}@{domain}"
    return f"{local}+{ticket.pk}-{who}-{mail_token(ticket.pk, who, address)}@{domain}"


def centre_addresses(centre_id: int | None) -> list[str]:
    """Who hears about a centre's tickets: its supporters (and its helpdesk address)."""
    if centre_id is None:
        return triager_addresses()
    users = Supporter.objects.filter(centre_id=centre_id, user__is_active=True).values_list(
        "user__email", flat=True
    )
    found = [e for e in users if e]

    helpdesk = Centre.objects.filter(pk=centre_id).values_list("helpdesk_email", flat=True).first()
    if helpdesk:
        found.append(helpdesk)
    return sorted(set(found))


def triager_addresses() -> list[str]:
    from cchub.support.permissions import TRIAGE_GROUP

    users = get_user_model().objects.filter(is_active=True, groups__name__in=[TRIAGE_GROUP, ADMIN_GROUP])
    return sorted({u.email for u in users if u.email})


def admin_addresses() -> list[str]:
    users = get_user_model().objects.filter(is_active=True, groups__name=ADMIN_GROUP)
    return sorted({u.email for u in users if u.email})


def notify(event: str, ticket: Ticket, recipients: list[str], **context: Any) -> None:
    """Send ``event``'s mail about ``ticket`` to ``recipients`` after the commit."""
    recipients = sorted({r for r in recipients if r})
    if not recipients:
        return
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
