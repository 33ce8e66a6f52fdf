"""GET /api/v1/search — one search over every record type of the hub."""

# No ``from __future__ import annotations``: django-ninja reads these annotations at run time.

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema

from cchub.lib.api import ApiError, json_response
from cchub.search.index import value_labels
from cchub.search.query import QueryError, Results, facet_label, search

router = Router()

FACET_PARAMS = ("cluster", "country", "language", "competence", "kind", "level", "category",
                "domain", "area")
KNOWN = {"q", "type", "page", "page_size", "sort", *FACET_PARAMS}


class SearchParams(Schema):
    q: str = ""
    type: list[str] = []
    page: int = 1
    page_size: int = 20
    sort: str = "relevance"
    cluster: list[str] = []
    country: list[str] = []
    language: list[str] = []
    competence: list[str] = []
    kind: list[str] = []
    level: list[str] = []
    category: list[str] = []
    domain: list[str] = []
    area: list[str] = []


def results_payload(results: Results) -> dict[str, Any]:
    facets = {}
    for name, counts in results.facets.items():
        labels = value_labels(name, [v for v, _ in counts])
        facets[name] = {"label": facet_label(name),
                        "values": [{"value": v, "label": labels.get(v, v), "count": n} for v, n in counts]}
    return {
        "query": results.query, "total": results.total, "total_exact": results.total_exact,
        "facets_exact": results.facets_exact,
        "page": results.page,
        "page_size": results.page_size, "relaxed": results.relaxed,
        "suggestion": results.suggestion, "synonyms": results.synonyms_used,
        "results": [{"type": h.doc_type, "id": h.object_id, "title": h.title, "url": h.url,
                     "score": round(h.score, 6), "snippet": h.snippet, "date": h.date}
                    for h in results.hits],
        "facets": facets,
    }


def run_search(params: Any) -> Results:
    if not 1 <= params.page <= 500:
        raise QueryError("page must be between 1 and 500")
    if not 1 <= params.page_size <= 100:
        raise QueryError("page_size must be between 1 and 100")
    filters = {name: getattr(params, name) for name in FACET_PARAMS if getattr(params, name)}
    return search(params.q, types=params.type, filters=filters, page=params.page,
                  page_size=params.page_size, sort=params.sort)


@router.get("", summary="Search centres, services and competences", tags=["search"], auth=None)
def search_endpoint(request: HttpRequest, params: Query[SearchParams]) -> HttpResponse:
    """Full-text search with field boosts, "quoted phrases", prefix matching of the last word,
    synonyms from the vocabularies, a relaxed fallback when every word together finds nothing,
    facet counts (each computed without its own selection; several values of one facet are
    OR-ed, facets are AND-ed), highlighted snippets and a spelling suggestion."""
    unknown = sorted(set(request.GET) - KNOWN)
    if unknown:
        raise ApiError(400, f"Unknown parameter(s): {', '.join(unknown)}.",
                       [{"field": u, "message": "unknown parameter"} for u in unknown])
    try:
        results = run_search(params)
    except QueryError as exc:
        # The error names its parameter when it is about one (page, page_size, sort, type…).
        first = str(exc).split(" ", 1)[0]
        field = first if first in KNOWN else ("type" if first == "unknown" and "type" in str(exc) else "q")
        raise ApiError(400, str(exc)[:300], [{"field": field, "message": str(exc)[:300]}]) from exc
    return json_response(results_payload(results))
