"""E-mail on the events people expect, sent by the worker once the change is committed.

Every message names the ticket in its subject ("[CCH-000042] ...") and carries a reply
address with the ticket's token (support+42-<token>@...), so that a reply by e-mail is
threaded back into the ticket (see mailin.py). Messages are marked auto-generated so that
well-behaved auto-responders stay quiet.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.crypto import constant_time_compare, salted_hmac

from cchub.accounts.permissions import ADMIN_GROUP
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


def mail_token(ticket: Ticket) -> str:
    return salted_hmac("cchub.support.mail", str(ticket.pk)).hexdigest()[:20]


def check_token(ticket_id: int, token: str) -> bool:
    expected = salted_hmac("cchub.support.mail", str(ticket_id)).hexdigest()[:20]
    return constant_time_compare(expected, token)


def reply_address(ticket: Ticket) -> str:
    local, _, domain = settings.SUPPORT_ADDRESS.partition("@")
    return f"{local}+{ticket.pk}-{mail_token(ticket)}@{domain}"


def centre_addresses(centre_id: int | None) -> list[str]:
    """Who hears about a centre's tickets: its supporters (and its helpdesk address)."""
    if centre_id is None:
        return triager_addresses()
    users = Supporter.objects.filter(centre_id=centre_id, user__is_active=True).values_list(
        "user__email", flat=True
    )
    found = [e for e in users if e]
    from cchub.registry.models import Centre

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
    from cchub.support.tasks import send_ticket_mail

    payload = {k: str(v) for k, v in context.items()}
    transaction.on_commit(lambda: send_ticket_mail.enqueue(ticket.pk, event, recipients, payload))


def compose(ticket: Ticket, event: str, recipients: list[str], context: dict[str, str]) -> EmailMessage:
    subject = SUBJECTS[event].format_map(defaultdict(str, context))
    values: dict[str, Any] = {**context, "ticket": ticket, "site_url": settings.SITE_URL,
                              "site_name": settings.SITE_NAME}
    body = render_to_string(f"support/mail/{event}.txt", values).strip() + "\n"
    body += render_to_string("support/mail/footer.txt", values)
    message = EmailMessage(
        subject=f"[{ticket.reference}] {subject}: {ticket.subject}"[:250],
        body=body,
        to=recipients,
        reply_to=[reply_address(ticket)],
        headers={
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
            "References": f"<{ticket.reference}@cchub>",
            "X-CCHub-Ticket": ticket.reference,
        },
    )
    return message
