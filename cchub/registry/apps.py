from __future__ import annotations

from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "cchub.registry"
    verbose_name = "Registry"

    def ready(self) -> None:
        from cchub.lib.schedule import every

        # Imports whose worker died are marked failed (cchub.lib.jobs).
        every(60, "cchub.registry.tasks.reap_stale_imports")
