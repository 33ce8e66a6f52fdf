from __future__ import annotations

from django.apps import AppConfig


class LandscapeConfig(AppConfig):
    name = "cchub.landscape"
    label = "landscape"
    verbose_name = "Landscape and gaps"
