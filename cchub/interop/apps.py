from __future__ import annotations

from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "cchub.interop"
    label = "interop"
    verbose_name = "Federation"
