"""The search's background tasks live beside their work (``semantic.embed_new_documents``,
``synonyms.backfill_phrases``); these names keep tasks queued before they moved runnable."""

from __future__ import annotations

from cchub.search.semantic import embed_new_documents
from cchub.search.synonyms import backfill_phrases

__all__ = ["backfill_phrases", "embed_new_documents"]
