"""Background tasks of the search layer."""

from __future__ import annotations

from django_tasks import task

from cchub.search.semantic import embed_missing


@task()
def embed_new_documents() -> int:
    return embed_missing()


@task()
def backfill_phrases() -> int:
    from cchub.search.synonyms import backfill

    return backfill()
