"""Keeping the index in step: every save, delete and link change of a registered model
re-indexes the affected records inside the writer's own transaction."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save


def connect() -> None:
    from cchub.search import index
    from cchub.vocab.models import Concept, Term

    post_save.connect(_vocabulary_changed, sender=Concept, dispatch_uid="search-synonyms-save")
    post_delete.connect(_vocabulary_changed, sender=Concept, dispatch_uid="search-synonyms-del")
    post_save.connect(_vocabulary_changed, sender=Term, dispatch_uid="search-synonyms-term-save")
    post_delete.connect(_vocabulary_changed, sender=Term, dispatch_uid="search-synonyms-term-del")
    for model in index.watched_models():
        post_save.connect(_saved, sender=model, dispatch_uid=f"search-save-{model._meta.label}")
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"search-del-{model._meta.label}")
        for field in model._meta.many_to_many:
            m2m_changed.connect(_linked, sender=field.remote_field.through,  # type: ignore[union-attr]
                                dispatch_uid=f"search-m2m-{model._meta.label}-{field.name}")


def _vocabulary_changed(sender: Any, **kwargs: Any) -> None:
    from django.core.cache import cache

    from cchub.search.query import SYNONYM_CACHE_KEY

    cache.delete(SYNONYM_CACHE_KEY)


def _saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    from cchub.search import index

    index.refresh_for(instance)


def _deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    from cchub.search import index

    index.refresh_for(instance, deleted=True)


def _linked(sender: Any, instance: Any, action: str, **kwargs: Any) -> None:
    if action in {"post_add", "post_remove", "post_clear"}:
        from cchub.search import index

        index.refresh_for(instance)
