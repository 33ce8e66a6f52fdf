from __future__ import annotations

from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "cchub.interop"
    label = "interop"
    verbose_name = "Federation"

    def ready(self) -> None:
        from cchub.interop import signals
        from cchub.lib.schedule import every

        signals.connect()
        # Harvest the sources that are due.
        every(600, "cchub.interop.tasks.harvest_due_sources")
        # Runs whose worker died are marked failed (cchub.lib.jobs).
        every(60, "cchub.interop.tasks.reap_stale_harvests")
