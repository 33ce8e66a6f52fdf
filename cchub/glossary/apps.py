from __future__ import annotations

from django.apps import AppConfig


class GlossaryConfig(AppConfig):
    name = "cchub.glossary"
    label = "glossary"
    verbose_name = "Glossary"
