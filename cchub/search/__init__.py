"""The search: the one interface other apps use (``from cchub.search import SearchType``).

- describing a kind of record for the index: ``SearchType``, ``DocumentData``, ``register``,
  the registered ``TYPES``;
- keeping it in step (``cchub.wiring``): ``watched_models``, ``refresh_for``, and the
  synonyms' ``add_synonym_source`` and ``forget_synonyms``;
- searching: ``search``, ``QueryError``, ``MAX_QUERY``, and ``zero_result_queries`` (what
  found nothing, for the landscape's gap analysis);
- the sentence model of the ``semantic`` extra: ``semantic_available``, ``embed``,
  ``embed_stored``.

The names are looked up when first used: Django imports this package before the models
are ready, and the index needs them. The modules behind them are the search's own.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cchub.search.index import TYPES, DocumentData, SearchType, refresh_for, register, watched_models
    from cchub.search.public import zero_result_queries
    from cchub.search.query import MAX_QUERY, QueryError, search
    from cchub.search.semantic import available as semantic_available
    from cchub.search.semantic import embed, embed_stored
    from cchub.search.synonyms import add_source as add_synonym_source
    from cchub.search.synonyms import forget as forget_synonyms

_PUBLIC = {
    "DocumentData": ("index", "DocumentData"),
    "SearchType": ("index", "SearchType"),
    "register": ("index", "register"),
    "TYPES": ("index", "TYPES"),
    "watched_models": ("index", "watched_models"),
    "refresh_for": ("index", "refresh_for"),
    "add_synonym_source": ("synonyms", "add_source"),
    "forget_synonyms": ("synonyms", "forget"),
    "search": ("query", "search"),
    "QueryError": ("query", "QueryError"),
    "MAX_QUERY": ("query", "MAX_QUERY"),
    "zero_result_queries": ("public", "zero_result_queries"),
    "semantic_available": ("semantic", "available"),
    "embed": ("semantic", "embed"),
    "embed_stored": ("semantic", "embed_stored"),
}

__all__ = [
    "MAX_QUERY", "TYPES", "DocumentData", "QueryError", "SearchType", "add_synonym_source", "embed",
    "embed_stored", "forget_synonyms", "refresh_for", "register", "search", "semantic_available",
    "watched_models", "zero_result_queries",
]
assert set(__all__) == set(_PUBLIC)


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'cchub.search' has no attribute {name!r}")
    module, attribute = _PUBLIC[name]
    return getattr(import_module(f"cchub.search.{module}"), attribute)
