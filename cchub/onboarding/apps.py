from __future__ import annotations

from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "cchub.onboarding"
    label = "onboarding"
    verbose_name = "Onboarding into EOSC"
