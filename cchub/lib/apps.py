from __future__ import annotations

from django.apps import AppConfig


class LibConfig(AppConfig):
    name = "cchub.lib"
    label = "cchub_lib"
    verbose_name = "CC Hub helpers"
