"""Onboarding's background work: deposits and FAIR assessments (they read landing pages).
Its e-mail is sent by ``mail.send_output_mail``."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django_tasks import task

from cchub.onboarding.deposit import run
from cchub.onboarding.mail import send_output_mail  # noqa: F401  (mail queued before it moved)
from cchub.onboarding.models import Deposit, Output
from cchub.onboarding.workflow import assess


@task()
def deposit_run(deposit_id: int) -> dict[str, object]:
    done = run(Deposit.objects.select_related("output", "target").get(pk=deposit_id))
    return done.summary()


@task()
def assess_output(output_id: int, user_id: int | None) -> float:
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    return assess(Output.objects.get(pk=output_id), user).score
