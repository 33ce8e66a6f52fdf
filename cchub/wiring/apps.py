from __future__ import annotations

from django.apps import AppConfig


class WiringConfig(AppConfig):
    """Last of the installed apps: when every model is loaded, put the apps together."""

    name = "cchub.wiring"
    label = "wiring"
    verbose_name = "Wiring"

    def ready(self) -> None:
        from cchub.wiring.connect import connect

        connect()
