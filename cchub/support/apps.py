from __future__ import annotations

from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "cchub.support"
    label = "support"
    verbose_name = "User support"
