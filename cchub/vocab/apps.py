from __future__ import annotations

from django.apps import AppConfig


class VocabConfig(AppConfig):
    name = "cchub.vocab"
    verbose_name = "Vocabularies"
