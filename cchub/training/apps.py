from __future__ import annotations

from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "cchub.training"
    label = "training"
    verbose_name = "Training"

    def ready(self) -> None:
        from cchub.lib.schedule import every

        # Ingest sources that are due, every hour.
        every(3600, "cchub.training.tasks.ingest_due_sources")
