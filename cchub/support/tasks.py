"""The helpdesk's periodic round (SLA notices, auto-close). Its mail is sent in the background
by ``notify.send_ticket_mail``."""

from __future__ import annotations

from django_tasks import task

from cchub.support.notify import send_ticket_mail  # noqa: F401  (mail queued before it moved)
from cchub.support.workflow import tick


@task()
def support_round() -> dict[str, int]:
    return tick()


@task()
def monthly_report() -> int:
    """Daily; mails last month's helpdesk report on the report day (once)."""
    from cchub.support.reports import send_monthly

    return send_monthly()
