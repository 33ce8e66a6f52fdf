"""Hybrid search with the `semantic` extra (installed by `make test`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings

from cchub.records.writes import apply
from cchub.registry.models import Centre
from cchub.search import semantic
from cchub.search.index import rebuild
from cchub.search.models import Document, Vector
from cchub.search.query import search

pytestmark = [pytest.mark.django_db, pytest.mark.demo]


@pytest.fixture(scope="module", autouse=True)
def vectors(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock(), override_settings(SEMANTIC_SEARCH=True):
        semantic.embed_missing()
    yield


@pytest.fixture(autouse=True)
def hybrid(settings: Any) -> None:
    settings.SEMANTIC_SEARCH = True


def top(q: str, n: int = 3, **kwargs: Any) -> list[str]:
    return [h.url for h in search(q, log=False, **kwargs).hits[:n]]


def test_the_extra_is_installed_and_every_document_has_a_vector() -> None:
    assert semantic.available()
    assert not semantic.missing()
    texts = Document.objects.exclude(text_hash="").values("text_hash").distinct().count()
    assert Vector.objects.count() >= texts


@pytest.mark.parametrize("question,expected", [
    ("I need lots of CPU hours for my simulations", "/vocabularies/competences/hpc/"),
    ("my data contains personal information about patients", "/vocabularies/competences/gdpr/"),
    ("how do I let volunteers from the public classify galaxies",
     "/vocabularies/competences/citizen-science/"),
])
def test_plain_questions_find_by_meaning(question: str, expected: str) -> None:
    assert expected in top(question, 5)


def test_hybrid_beats_keywords_alone_on_a_question_without_shared_words() -> None:
    question = "I need lots of CPU hours for my simulations"
    assert "/vocabularies/competences/hpc/" not in top(question, 5, semantic=False)
    assert "/vocabularies/competences/hpc/" in top(question, 5)


def test_exact_names_still_come_first() -> None:
    assert top("reana", 1) == ["/services/reana/"]
    assert top("dmponline", 1) == ["/services/dmponline/"]


def test_filters_apply_to_semantic_matches() -> None:
    results = search("help with personal data protection law", types=["service"], log=False)
    assert results.hits and {h.doc_type for h in results.hits} == {"service"}
    # The type facet is counted without its own selection: other types show what they would add.
    assert dict(results.facets["type"])["service"] == results.total


def test_unchanged_text_is_never_embedded_twice() -> None:
    rebuild()
    assert semantic.embed_missing() == 0


def test_changed_text_gets_a_vector_in_the_background(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        apply(Centre(), {"acronym": "MARINE", "name": "Marine biodiversity data centre",
                         "kind": "thematic", "description": "Ocean species observations."}, None)
    assert len(callbacks) >= 1  # the embedding task was queued once, after the commit
    doc = Document.objects.get(doc_type="centre", url="/centres/marine/")
    assert Vector.objects.filter(text_hash=doc.text_hash).exists()
    assert "/centres/marine/" in top("fish and sea life records", 5)


def test_keyword_search_alone_when_switched_off(settings: Any) -> None:
    settings.SEMANTIC_SEARCH = False
    assert search("I need lots of CPU hours for my simulations", log=False).total >= 0
    assert top("reana", 1) == ["/services/reana/"]


def test_misspelling_still_gets_a_suggestion_in_hybrid_mode() -> None:
    assert search("obsrvatory", log=False).suggestion == "observatory"
