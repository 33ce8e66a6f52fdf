"""Onboarding's background work: deposits, FAIR assessments (they read landing pages)
and e-mail."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django_tasks import task


@task()
def deposit_run(deposit_id: int) -> dict[str, object]:
    from cchub.onboarding.deposit import run
    from cchub.onboarding.models import Deposit

    done = run(Deposit.objects.select_related("output", "target").get(pk=deposit_id))
    return done.summary()


@task()
def assess_output(output_id: int, user_id: int | None) -> float:
    from django.contrib.auth import get_user_model

    from cchub.onboarding.models import Output
    from cchub.onboarding.workflow import assess

    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    return assess(Output.objects.get(pk=output_id), user).score


@task()
def send_output_mail(output_id: int, event: str, recipients: list[str], body: str) -> int:
    from cchub.onboarding.models import STATES, Output

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
