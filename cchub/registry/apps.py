from __future__ import annotations

from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "cchub.registry"
    verbose_name = "Registry"
