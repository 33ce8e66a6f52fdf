from __future__ import annotations

from django.apps import AppConfig


class HistoryConfig(AppConfig):
    name = "cchub.history"
    verbose_name = "History"
