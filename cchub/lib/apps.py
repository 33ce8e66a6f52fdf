from __future__ import annotations

from django.apps import AppConfig


class LibConfig(AppConfig):
    name = "cchub.lib"
    label = "cchub_lib"
    verbose_name = "CC Hub helpers"

    def ready(self) -> None:
        from cchub.lib.schedule import every

        # Queue tasks left running by a worker that died are marked failed.
        every(60, "cchub.lib.tasks.reap_stale_tasks")
