from __future__ import annotations

from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "cchub.support"
    label = "support"
    verbose_name = "User support"

    def ready(self) -> None:
        from cchub.lib.schedule import every
        from cchub.support.signals import connect

        connect()
        # SLA warnings and auto-close, every five minutes.
        every(300, "cchub.support.tasks.support_round")
