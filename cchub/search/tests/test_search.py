"""The search layer: same results contract on SQLite FTS5 and PostgreSQL full text."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cchub.records.writes import apply, delete
from cchub.registry.models import Centre, CompetenceOffer, Service
from cchub.search.index import rebuild
from cchub.search.models import Document, ZeroResultQuery
from cchub.search.query import QueryError, parse, search

pytestmark = [pytest.mark.django_db, pytest.mark.demo]


def titles(q: str, **kwargs: Any) -> list[str]:
    return [h.title for h in search(q, **kwargs).hits]


def urls(q: str, **kwargs: Any) -> list[str]:
    return [h.url for h in search(q, **kwargs).hits]


def test_demo_is_indexed() -> None:
    assert Document.objects.filter(doc_type="centre").count() == Centre.objects.public().count()
    assert Document.objects.filter(doc_type="service").count() == Service.objects.count()
    assert Document.objects.filter(doc_type="competence").count() == 78


def test_title_outranks_body() -> None:
    # "REANA" is the service's name and only mentioned in other records' text.
    assert urls("reana")[0] == "/services/reana/"
    assert urls("dmponline")[0] == "/services/dmponline/"


def test_all_words_must_match_by_default() -> None:
    results = search("jupyter notebook", log=False)
    assert not results.relaxed
    assert "/services/vre-jupyterhub/" in urls("jupyter notebook", page_size=5)


def test_phrase_query() -> None:
    phrase = search('"data lake"', log=False)
    assert phrase.total > 0 and phrase.hits[0].url == "/services/rucio-datalake/"
    # The words apart match more records than the phrase.
    assert search("data lake", log=False).total >= phrase.total


def test_prefix_matching_as_you_type() -> None:
    assert search("observ", log=False).total > 0
    assert "/centres/escape-vo/" in urls("virtual observ")
    assert search("observ ", log=False).total == 0 or not parse("observ ")[-1].prefix


def test_synonyms_from_the_vocabularies() -> None:
    # "DMP" is an alternative label of data management planning.
    assert "/vocabularies/competences/dmp/" in urls("DMP")[:5]
    assert "/centres/uedin/" in urls("DMP", types=["centre"])
    # "VO" finds the Virtual Observatory centre.
    assert "/centres/escape-vo/" in urls("VO", types=["centre"], page_size=3)
    assert "vo" in search("VO", log=False).synonyms_used


def test_relaxed_fallback_for_plain_questions() -> None:
    results = search("where can I get help publishing my analysis code", log=False)
    assert results.relaxed and results.total > 0
    top = [h.url for h in results.hits[:5]]
    assert {"/services/escape-ossr/", "/centres/escape-ossr/"} & set(top), top


def test_did_you_mean_uses_the_index_vocabulary() -> None:
    results = search("obsrvatory", log=False)
    assert results.total == 0 and results.suggestion == "observatory"
    assert search("observatory", log=False).suggestion is None


def test_facets_counted_without_their_own_selection() -> None:
    results = search("", types=["centre"], filters={"cluster": ["escape"], "kind": ["ri-wg"]})
    assert results.total == 6
    facets = {name: dict(values) for name, values in results.facets.items()}
    # Cluster counts keep kind=ri-wg but drop the cluster selection: every WG is ESCAPE's.
    assert facets["cluster"] == {"escape": 6}
    # Kind counts keep cluster=escape (9 centres, hand-counted) but drop the kind selection.
    assert facets["kind"] == {"ri-wg": 6, "cluster": 1, "institutional": 1, "thematic": 1}
    assert facets["type"] == {"centre": 6}


def test_or_inside_a_facet_and_across_facets() -> None:
    one = search("", types=["centre"], filters={"country": ["IT"]}).total
    two = search("", types=["centre"], filters={"country": ["IT", "EE"]}).total
    assert (one, two) == (3, 5)
    both = search("", types=["centre"], filters={"country": ["IT", "EE"], "kind": ["national"]})
    assert both.total == 1 and both.hits[0].url == "/centres/garr/"


def test_competence_facet_includes_narrower_concepts() -> None:
    results = search("", types=["centre"], filters={"competence": ["domain-standards"]})
    found = {h.url for h in results.hits}
    assert "/centres/escape-vo/" in found  # offers TAP/ADQL, two levels below


def test_snippets_highlight_and_escape() -> None:
    centre = apply(
        Centre(),
        {
            "acronym": "SNIP",
            "name": "Snippet centre",
            "kind": "thematic",
            "description": "We help with <script>alert(1)</script> notebooks daily.",
        },
        None,
    )
    hit = next(
        h
        for h in search("notebooks", types=["centre"], page_size=50).hits
        if h.url == centre.get_absolute_url()
    )
    assert "<mark>notebooks</mark>" in hit.snippet and "<script>" not in hit.snippet


def test_index_follows_create_update_delete() -> None:
    centre = apply(Centre(), {"acronym": "ZEBRA", "name": "Zebrafish data centre", "kind": "thematic"}, None)
    assert urls("zebrafish") == ["/centres/zebra/"]
    apply(centre, {"name": "Quagga data centre"}, None, partial=True)
    assert urls("zebrafish") == [] and urls("quagga") == ["/centres/zebra/"]
    apply(CompetenceOffer(), {"centre": "zebra", "competence": "hpc", "level": "expert"}, None)
    assert "/centres/zebra/" in urls("quagga supercomputing")
    delete(centre, None)
    assert urls("quagga") == []


def test_pending_centres_are_not_found() -> None:
    apply(
        Centre(),
        {"acronym": "HIDDEN", "name": "Okapi centre", "kind": "thematic", "review_state": "pending"},
        None,
    )
    assert urls("okapi") == []


def test_failed_import_leaves_the_index_untouched() -> None:
    from cchub.registry.exchange import import_bytes

    before = Document.objects.count()
    report = import_bytes("s.csv", b"acronym,name,kind\nNEW-A,Narwhal centre,national\nNEW-B,B,weird\n")
    assert not report.ok
    assert Document.objects.count() == before and urls("narwhal") == []


def test_sort_by_date_and_stable_pagination() -> None:
    first = search("data", page=1, page_size=5, log=False)
    second = search("data", page=2, page_size=5, log=False)
    assert not {h.url for h in first.hits} & {h.url for h in second.hits}
    dated = search("data", sort="date", page_size=10, log=False).hits
    dates = [h.date for h in dated]
    assert dates == sorted(dates, reverse=True)


def test_zero_result_queries_are_recorded() -> None:
    search("xylophone quantum", types=["service"], filters={"category": ["compute"]})
    logged = ZeroResultQuery.objects.get()
    assert logged.query == "xylophone quantum" and logged.filters == {"category": ["compute"]}


@pytest.mark.parametrize(
    "q",
    [
        '"unbalanced',
        "AND OR NOT",
        "***",
        "-",
        '""',
        "a" * 400,
        "title:foo",
        "NEAR(a b)",
        "col:*",
        "'; drop table x; --",
        "ü ñ ø",
    ],
)
def test_hostile_queries_never_reach_the_engine(q: str) -> None:
    before = search("data", log=False).total
    found = search(q, log=False)  # no exception: a sensible result …
    assert found.total >= len(found.hits) and len(found.hits) <= found.page_size
    assert all(hit.url.startswith("/") for hit in found.hits)
    assert search("data", log=False).total == before > 0  # … and the index is as it was


def test_bad_parameters_are_query_errors() -> None:
    with pytest.raises(QueryError):
        search("x" * 10_000)
    with pytest.raises(QueryError):
        search("x", types=["nonsense"])
    with pytest.raises(QueryError):
        search("x", filters={"colour": ["red"]})
    with pytest.raises(QueryError):
        search("x", sort="random")


def test_rebuild_matches_live_index() -> None:
    live = sorted(Document.objects.values_list("doc_type", "object_id", "title", "keywords"))
    counts = rebuild()
    assert counts == {
        "centre": 29,
        "service": 53,
        "competence": 78,
        "article": 0,
        "term": 0,
        "event": 0,
        "material": 0,
    }
    assert sorted(Document.objects.values_list("doc_type", "object_id", "title", "keywords")) == live
    assert urls("reana")[0] == "/services/reana/"


def test_bulk_settings_hold_inside_and_are_restored_after() -> None:
    import gc

    from django.db import connection

    from cchub.search.index import BULK_CACHE_KIB, bulk
    from cchub.search.sql import rows

    def cache_size() -> int:
        return int(rows("PRAGMA cache_size", [])[0][0]) if connection.vendor == "sqlite" else 0

    before = cache_size()
    with bulk():
        assert gc.get_freeze_count() > 0
        assert cache_size() == (-BULK_CACHE_KIB if connection.vendor == "sqlite" else 0)
    assert gc.get_freeze_count() == 0
    assert cache_size() == before
    with pytest.raises(RuntimeError), bulk():
        raise RuntimeError("a failed rebuild")
    assert gc.get_freeze_count() == 0 and cache_size() == before


@pytest.mark.parametrize("returning", [True, False])
def test_bulk_writes_give_each_document_its_own_facets_and_text(returning: bool, monkeypatch: Any) -> None:
    """Ids from the insert itself (RETURNING) or read back (an engine without it): either
    way every facet row and full-text row belongs to the right document."""
    from django.db import connection

    from cchub.search.index import DocumentData, _bulk_write
    from cchub.search.sql import rows

    features = type(connection.features)
    if returning and not connection.features.can_return_rows_from_bulk_insert:
        pytest.skip("this engine cannot return rows from a bulk insert")
    monkeypatch.setattr(features, "can_return_rows_from_bulk_insert", returning)
    items = [(f"bulk{i}", DocumentData(title=f"Bulkwritten number{i}", url=f"/bulk/{i}/",
                                       facets={"country": [f"C{i % 7}"]})) for i in range(1200)]
    assert _bulk_write("centre", items) == 1200
    for i in (0, 499, 500, 1199):
        doc = Document.objects.get(doc_type="centre", object_id=f"bulk{i}")
        assert doc.title == f"Bulkwritten number{i}"
        assert set(doc.facet_values.values_list("name", "value")) == {("type", "centre"),
                                                                      ("country", f"C{i % 7}")}
        if connection.vendor == "sqlite":
            assert rows("SELECT title FROM search_fts WHERE rowid = %s", [-doc.pk]) == [(doc.title,)]
    assert [h.url for h in search(f"number{1199}").hits] == ["/bulk/1199/"]


def test_long_facet_values_that_agree_in_what_is_stored_are_stored_once() -> None:
    """Values are cut to the column (120 characters) before they are made unique: two long
    values that differ only after that make one row, not a clash with the table's key."""
    from cchub.search.index import DocumentData, _bulk_write, write

    long_a, long_b = "x" * 120 + "-first", "x" * 120 + "-second"
    data = DocumentData(title="Long facet values", url="/long/", facets={"domain": [long_a, long_b, ""]})
    doc = write("centre", "long1", data)
    assert list(doc.facet_values.values_list("name", "value").order_by("name")) == \
        [("domain", "x" * 120), ("type", "centre")]
    write("centre", "long1", data)  # written again: the same rows, no clash
    assert doc.facet_values.count() == 2
    assert _bulk_write("centre", [("long2", data)]) == 1
    assert Document.objects.get(object_id="long2").facet_values.count() == 2


# ------------------------------------------------------------------------------ API


def test_api_search_contract() -> None:
    body = Client().get("/api/v1/search?q=virtual+observatory&type=centre&type=service").json()
    assert body["total"] > 0 and body["results"][0]["url"]
    assert {r["type"] for r in body["results"]} <= {"centre", "service"}
    assert body["facets"]["type"]["label"] == "Type"
    clusters = {v["value"]: v for v in body["facets"]["cluster"]["values"]}
    assert clusters["escape"]["label"] == "ESCAPE" and clusters["escape"]["count"] > 0
    assert "<mark>" in "".join(r["snippet"] for r in body["results"])


@pytest.mark.parametrize(
    "query,status",
    [
        ("q=" + "x" * 10_000, 400),
        ("q=x&colour=red", 400),
        ("q=x&type=unicorn", 400),
        ("q=x&page=0", 400),
        ("q=x&page_size=1000", 400),
        ("q=x&sort=random", 400),
        ("q=x&page=abc", 422),
        ('q="broken', 200),
        ("q=***", 200),
    ],
)
def test_api_bad_queries(query: str, status: int) -> None:
    response = Client().get(f"/api/v1/search?{query}")
    assert response.status_code == status, response.content[:200]
    if status >= 400:
        assert response.json()["detail"]


def test_search_is_in_the_openapi() -> None:
    spec = Client().get("/api/v1/openapi.json").json()
    params = {p["name"] for p in spec["paths"]["/api/v1/search"]["get"]["parameters"]}
    assert {"q", "type", "page", "cluster", "country", "competence", "category"} <= params


# ----------------------------------------------------------------------------- page


def test_search_page_and_htmx_partial() -> None:
    client = Client()
    page = client.get("/search/?q=rucio").content.decode()
    assert "Rucio Data Lake" in page and 'name="q"' in page and "<mark>" in page
    partial = client.get("/search/?q=rucio&type=service", headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial and 'hx-swap-oob="true"' in partial and "Rucio Data Lake" in partial
    suggestion = client.get("/search/?q=obsrvatory").content.decode()
    assert "Did you mean" in suggestion and "observatory" in suggestion
    bad = client.get("/search/?q=x&type=unicorn")
    assert bad.status_code == 400 and "nknown type" in bad.content.decode()


def test_every_page_has_the_search_box() -> None:
    for path in ("/", "/centres/", "/services/reana/"):
        assert 'action="/search/"' in Client().get(path).content.decode()


def test_cli_reindex(capsys: Any) -> None:
    from cchub.cli import main

    assert main(["reindex", "--type", "service"]) == 0
    assert "service 53" in capsys.readouterr().out
    assert main(["reindex", "--type", "nope"]) == 2


def test_synonyms_that_add_nothing_to_the_or_are_not_sent_to_the_engine() -> None:
    from cchub.search.query import FTS5, QueryTerm, _needed, render_query

    alternatives = [["personal", "data", "protection", "gdpr"], ["data", "protection"], ["personal", "data"],
                    ["privacy"], ["privacy"]]
    gdpr = QueryTerm(["gdpr"], alternatives=alternatives)
    assert _needed(gdpr) == [["data", "protection"], ["personal", "data"], ["privacy"]]
    # AND of the term's words: a synonym with all of them, in any order, is covered.
    dm = QueryTerm(["data", "management"], alternatives=[["management", "of", "data"], ["dmp"]])
    assert _needed(dm) == [["dmp"]]
    # A typed prefix is stemmed by the engine: nothing is assumed to cover a synonym.
    typed = QueryTerm(["lake"], prefix=True, alternatives=[["data", "lake"]])
    assert _needed(typed) == [["data", "lake"]]
    assert render_query([gdpr], any_term=False, dialect=FTS5) == \
        '("gdpr" OR "data protection" OR "personal data" OR "privacy")'


@pytest.mark.django_db(transaction=True)
def test_facet_rows_keep_their_values_through_the_key_migration_and_back() -> None:
    """0008 keys facet rows by (document, name, value): the rows survive both ways, repeated
    rows are kept once, and on SQLite the table is WITHOUT ROWID."""
    from django.db import IntegrityError, connection
    from django.db.migrations.executor import MigrationExecutor

    from cchub.search.sql import rows

    def migrate(target: str) -> None:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate([("search", target)])

    def facet_rows() -> list[tuple[Any, ...]]:
        return rows("SELECT document_id, name, value FROM search_facetvalue WHERE document_id = %s "
                    "ORDER BY 1, 2, 3", [doc.pk])

    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("search")[0][1]
    doc = Document.objects.create(doc_type="centre", object_id="m1", title="Migrated", url="/m1/")
    migrate("0007_phrase")
    with connection.cursor() as cur:
        cur.executemany("INSERT INTO search_facetvalue (document_id, name, value) VALUES (%s, %s, %s)",
                        [(doc.pk, "country", "DE"), (doc.pk, "country", "DE"), (doc.pk, "cluster", "escape")])
    migrate(latest)
    assert facet_rows() == [(doc.pk, "cluster", "escape"), (doc.pk, "country", "DE")]
    if connection.vendor == "sqlite":
        [(table_sql,)] = rows("SELECT sql FROM sqlite_master WHERE name = 'search_facetvalue'", [])
        assert "WITHOUT ROWID" in table_sql
    with pytest.raises(IntegrityError), connection.cursor() as cur:  # the key refuses a repeated row
        cur.execute("INSERT INTO search_facetvalue (document_id, name, value) VALUES (%s, %s, %s)",
                    [doc.pk, "country", "DE"])
    migrate("0007_phrase")
    assert facet_rows() == [(doc.pk, "cluster", "escape"), (doc.pk, "country", "DE")]
    migrate(latest)
    assert facet_rows() == [(doc.pk, "cluster", "escape"), (doc.pk, "country", "DE")]
    doc.delete()  # the rows go with their document
    assert facet_rows() == []
