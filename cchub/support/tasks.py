"""Background work of the helpdesk: mail and the periodic round (SLA notices, auto-close)."""

from __future__ import annotations

from django_tasks import task

from cchub.support.models import Ticket


@task()
def send_ticket_mail(ticket_id: int, event: str, recipients: list[str], context: dict[str, str]) -> int:
    from django.core import mail

    from cchub.support.notify import compose

    ticket = Ticket.objects.select_related("centre").filter(pk=ticket_id).first()
    if ticket is None:
        return 0
    # One message per recipient: each carries its own reply address.
    messages = [compose(ticket, event, recipient, context) for recipient in recipients]
    with mail.get_connection() as connection:
        return connection.send_messages(messages) or 0


@task()
def support_round() -> dict[str, int]:
    from cchub.support.workflow import tick

    return tick()
