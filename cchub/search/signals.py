"""Keeping the index in step: every save, delete and link change of a registered model
re-indexes the affected records inside the writer's own transaction."""

from __future__ import annotations

from django.db import models

from cchub.lib import watch


def connect() -> None:
    from cchub.search import index
    from cchub.vocab.models import Concept, Term

    watch.follow([Concept, Term], _vocabulary_changed, "search-synonyms")
    watch.follow(index.watched_models(), _changed, "search")


def _vocabulary_changed(instance: models.Model, deleted: bool) -> None:
    from django.core.cache import cache

    from cchub.search.synonyms import SYNONYM_CACHE_KEY

    cache.delete(SYNONYM_CACHE_KEY)


def _changed(instance: models.Model, deleted: bool) -> None:
    from cchub.search import index

    index.refresh_for(instance, deleted=deleted)
