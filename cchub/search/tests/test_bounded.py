"""Bounded search (large SQLite indexes): forced on for the demo network, it must agree with
the exact path where it walks every match, and estimate honestly where it does not."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from cchub.search import bounded
from cchub.search.query import search

pytestmark = [pytest.mark.django_db, pytest.mark.demo]

# Whole words (a final space), and one typed prefix: bounded search completes a prefix from
# the words of titles and keywords only, so a prefix may find a little less there.
QUERIES = [
    ("data ", {}),
    ("reana ", {}),
    ("virtual observatory ", {}),
    ("storage ", {"cluster": ["escape"]}),
    ("training ", {"country": ["DE", "FR"]}),
    ('"data lake"', {}),
    ("jupy", {}),
]


@pytest.fixture
def large(settings: Any) -> Iterator[None]:
    """Every index counts as large; caches start empty."""
    settings.SEARCH_BOUNDED_FROM = 1
    bounded._RANGE[:] = [0.0, (0, 0)]
    bounded._DF_CACHE.clear()
    yield
    bounded._RANGE[:] = [0.0, (0, 0)]
    bounded._DF_CACHE.clear()


def _exact(q: str, filters: dict[str, list[str]], **kwargs: Any) -> Any:
    return search(q, filters=filters, log=False, semantic=False, **kwargs)


def test_small_index_is_searched_exactly() -> None:
    assert not bounded.applies('"data"', "relevance")


@pytest.mark.parametrize(("q", "filters"), QUERIES)
def test_bounded_agrees_with_exact_when_every_match_is_walked(q: str, filters: dict[str, list[str]],
                                                              settings: Any) -> None:
    exact = _exact(q, filters, page_size=bounded.WALK)
    settings.SEARCH_BOUNDED_FROM = 1
    bounded._RANGE[:] = [0.0, (0, 0)]
    try:
        if connection.vendor == "sqlite":
            assert bounded.applies('"data"', "relevance")
        found = _exact(q, filters, page_size=bounded.WALK)
    finally:
        bounded._RANGE[:] = [0.0, (0, 0)]
    assert exact.total <= bounded.WALK
    assert found.total == exact.total and found.total_exact
    assert {h.url for h in found.hits} == {h.url for h in exact.hits}
    assert found.facets == exact.facets and found.facets_exact == exact.facets_exact
    # The first record is one the exact ranking also puts near the top (ties are many: every
    # "Data …" competence has the word once in a two-word title).
    assert found.hits[0].url in [h.url for h in exact.hits[:10]]


def test_title_match_first_and_typed_prefix_completed(large: None) -> None:
    assert [h.url for h in _exact("reana", {}).hits][0] == "/services/reana/"
    assert [h.url for h in _exact("dmponline", {}).hits][0] == "/services/dmponline/"
    assert bounded.completions("jupy")[:1] == ["jupyter"]
    assert any("jupyter" in h.title.lower() for h in _exact("jupy", {}).hits[:3])


def test_estimates_beyond_the_walk(large: None, monkeypatch: pytest.MonkeyPatch) -> None:
    exact = _exact("data", {})
    monkeypatch.setattr(bounded, "WALK", 5)
    monkeypatch.setattr(bounded, "TITLE_WALK", 3)
    found = _exact("data", {}, page_size=4)
    if connection.vendor != "sqlite":
        assert found.total == exact.total and found.total_exact
        return
    assert not found.total_exact and not found.facets_exact
    assert exact.total / 3 <= found.total <= exact.total * 3
    assert sum(n for _, n in found.facets["type"]) >= found.total * 0.5
    # Pages continue past the ranked candidates with older matches, never repeating one.
    seen: list[str] = []
    for page in range(1, 6):
        seen += [h.url for h in _exact("data", {}, page=page, page_size=4).hits]
    assert len(seen) == len(set(seen)) == 20
    exact_urls = {h.url for h in _exact("data", {}, page_size=100).hits}
    assert set(seen) <= exact_urls | {h.url for h in search("data", page_size=100, log=False).hits}


def test_relaxed_and_filtered_in_bounded_mode(large: None) -> None:
    results = _exact("where can I get help publishing my analysis code", {})
    assert results.relaxed and results.total > 0
    filtered = _exact("storage", {"cluster": ["escape"]})
    assert filtered.total > 0
    assert all("escape" in h.facets.get("cluster", []) for h in filtered.hits)
    nothing = _exact("storage", {"cluster": ["no-such-cluster"]})
    assert nothing.total == 0 and nothing.hits == []


def test_api_says_whether_the_total_is_exact(large: None, monkeypatch: pytest.MonkeyPatch) -> None:
    body = Client().get("/api/v1/search?q=data").json()
    assert body["total_exact"] is True
    monkeypatch.setattr(bounded, "WALK", 5)
    body = Client().get("/api/v1/search?q=data").json()
    assert body["total_exact"] is (connection.vendor != "sqlite")
    page = Client().get("/search/?q=data")
    assert page.status_code == 200
    if connection.vendor == "sqlite":
        assert "About <strong>" in page.content.decode()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="search_title is SQLite's")
def test_title_table_kept_in_step_with_the_documents() -> None:
    from cchub.search.index import DocumentData, remove, write

    def titles(word: str) -> list[int]:
        return bounded.walk(f'"{word}"', 10, table="search_title")

    def count(table: str) -> int:
        return int(bounded.rows(f"SELECT COUNT(*) FROM {table}", [])[0][0])

    assert count("search_title") == count("search_document") > 0
    doc = write("centre", "zz-test", DocumentData(title="Quokka helpdesk", url="/x/", body="quokka",
                                                   facets={"cluster": ["escape"]}))
    assert titles("quokka") == [doc.pk]
    for cluster, found in [("escape", [doc.pk]), ("envri", [])]:
        expr = bounded._and('"quokka"', bounded.filter_expr([], {"cluster": [cluster]}))
        assert bounded.walk(expr, 10, table="search_title") == found
    write("centre", "zz-test", DocumentData(title="Wombat helpdesk", url="/x/", body="quokka"))
    assert titles("quokka") == [] and titles("wombat") == [doc.pk]
    assert bounded.walk('"quokka"', 10) == [doc.pk]  # still in the body, in the main table
    remove("centre", "zz-test")
    assert titles("wombat") == [] and bounded.walk('"quokka"', 10) == []
    assert count("search_title") == count("search_document")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="bounded search is SQLite's")
def test_a_block_of_new_records_does_not_swamp_the_estimates(large: None,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """An import adds its records in one block of ids: estimates must not take the newest
    matches for all of them."""
    from cchub.search.index import DocumentData, write

    before = _exact("data", {}).total
    for i in range(60):
        write("service", f"zz-block-{i}", DocumentData(title=f"Quokka data service {i}", url=f"/q/{i}/",
                                                       body="data", facets={"cluster": ["quokka"]}))
    exact = _exact("data", {})
    assert exact.total == before + 60
    monkeypatch.setattr(bounded, "WALK", 20)
    bounded._RANGE[:] = [0.0, (0, 0)]
    found = _exact("data", {})
    assert not found.total_exact
    assert exact.total / 2 <= found.total <= exact.total * 2
    quokka = dict(found.facets["cluster"]).get("quokka", 0)
    # The newest 20 matches are all quokka: a newest-only sample gave quokka every match.
    assert 60 / 2 <= quokka <= 60 * 2 and dict(exact.facets["cluster"])["quokka"] == 60
    assert sum(n for v, n in found.facets["cluster"] if v != "quokka") > 0


def _ids(table: str, match: str) -> set[int]:
    return {-r[0] for r in bounded.rows(f"SELECT rowid FROM {table} WHERE {table} MATCH %s", [match])}


PHRASE_DOCS = [
    ("Wombat data handling desk", "help with consent forms"),
    ("Consent desk", "we handle wombat data handling requests"),
    ("Clinic", "wombats' data handled here"),  # the same stems: "wombat data handl"
    ("Archive", "data handling of wombat records"),  # the words, not the phrase
    ("Wombat", "data handling"),  # not in one field
]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="phrase tokens are SQLite's")
def test_a_phrase_token_matches_exactly_what_the_phrase_matches() -> None:
    from cchub.search import synonyms
    from cchub.search.index import DocumentData, write

    phrase = "wombat data handling"
    synonyms.register([phrase])
    docs = [write("service", f"zz-phrase-{i}", DocumentData(title=t, url=f"/p/{i}/", body=b))
            for i, (t, b) in enumerate(PHRASE_DOCS)]
    assert synonyms.registered()[-1] == phrase and phrase not in synonyms.ready()  # index not empty
    tok = f'"{synonyms.token(phrase)}"'
    # Records indexed after the phrase was registered carry its token.
    ours = {d.pk for d in docs}
    assert _ids("search_fts", tok) == _ids("search_fts", f'"{phrase}"') & ours == {d.pk for d in docs[:3]}
    assert _ids("search_title", tok) == {docs[0].pk}
    # Earlier records get it from the backfill, which then lets searches ask for the token.
    assert synonyms.backfill() == len(_ids("search_fts", f'"{phrase}"') - ours)
    assert _ids("search_fts", tok) == _ids("search_fts", f'"{phrase}"')
    assert _ids("search_title", tok) == _ids("search_title", f'title : "{phrase}"')
    assert synonyms.ready()[phrase] == synonyms.token(phrase)
    assert synonyms.backfill() == 0  # nothing left to do, and no token twice
    # An edit drops the token with the phrase.
    write("service", "zz-phrase-0", DocumentData(title="Consent desk", url="/p/0/", body="consent"))
    assert docs[0].pk not in _ids("search_fts", tok) | _ids("search_title", tok)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="phrase tokens are SQLite's")
def test_bounded_search_finds_the_same_through_a_phrase_token(settings: Any) -> None:
    from cchub.search import synonyms
    from cchub.search.index import DocumentData, write
    from cchub.vocab.models import Concept

    concept = Concept.objects.first()
    assert concept is not None
    concept.alt_labels = [*concept.alt_labels, "quokka keeping"]
    concept.save()
    for i, body in enumerate(["quokka keeping", "keeping a quokka", "Quokkas Keeping, daily"]):
        write("service", f"zz-keep-{i}", DocumentData(title=f"Zoo {i}", url=f"/k/{i}/", body=body))
    q = concept.pref_label.lower() + " "
    exact = _exact(q, {}, page_size=bounded.WALK)
    synonyms.synonyms()
    synonyms.backfill()
    assert "quokka keeping" in synonyms.ready()
    settings.SEARCH_BOUNDED_FROM = 1
    bounded._RANGE[:] = [0.0, (0, 0)]
    try:
        found = _exact(q, {}, page_size=bounded.WALK)
    finally:
        bounded._RANGE[:] = [0.0, (0, 0)]
    assert {h.url for h in found.hits} == {h.url for h in exact.hits}
    assert {"/k/0/", "/k/2/"} <= {h.url for h in found.hits} and "/k/1/" not in {h.url for h in found.hits}
