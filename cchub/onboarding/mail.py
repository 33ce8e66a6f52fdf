"""Onboarding's e-mail: what happened to an output, to the people taking part, sent in the
background."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django_tasks import task

from cchub.onboarding.models import STATES, Output


@task()
def send_output_mail(output_id: int, event: str, recipients: list[str], body: str) -> int:
    output = Output.objects.select_related("project").filter(pk=output_id).first()
    if output is None:
        return 0
    label = dict(STATES).get(event, "New comment" if event == "comment" else event)
    values = {
        "output": output,
        "event": label,
        "body": body,
        "site_url": settings.SITE_URL,
        "site_name": settings.SITE_NAME,
    }
    message = EmailMessage(
        subject=f"[{output.project.acronym}] {output.title}: {label}"[:250],
        body=render_to_string("onboarding/mail/event.txt", values),
        to=recipients,
        headers={"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"},
    )
    return message.send()
