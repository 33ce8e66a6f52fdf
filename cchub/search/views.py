"""The /search page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cchub.lib.http import is_htmx
from cchub.search.api import FACET_PARAMS, SearchParams, results_payload, run_search
from cchub.search.index import TYPES, value_labels
from cchub.search.query import QueryError


def search_page(request: HttpRequest) -> HttpResponse:
    raw: dict[str, Any] = {name: [v for v in request.GET.getlist(name) if v] for name in FACET_PARAMS}
    raw["type"] = [v for v in request.GET.getlist("type") if v]
    raw["q"] = request.GET.get("q", "")
    raw["sort"] = request.GET.get("sort", "relevance")
    try:
        raw["page"] = max(1, min(500, int(request.GET.get("page", "1"))))
    except ValueError:
        raw["page"] = 1
    error = None
    payload = None
    try:
        payload = results_payload(run_search(SearchParams(**raw)))
    except QueryError as exc:
        error = str(exc)
    chosen = {name: set(raw.get(name, [])) for name in [*FACET_PARAMS, "type"]}
    if payload:
        for name, facet in payload["facets"].items():
            present = {v["value"] for v in facet["values"]}
            labels = value_labels(name, sorted(chosen.get(name, set()) - present))
            facet["values"] += [{"value": v, "label": labels.get(v, v), "count": 0}
                                for v in sorted(chosen.get(name, set()) - present)]
            for v in facet["values"]:
                v["checked"] = v["value"] in chosen.get(name, set())
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "q": raw["q"], "sort": raw["sort"], "payload": payload, "error": error,
        "chosen": chosen, "types": list(TYPES.values()), "querystring": params.urlencode(),
        "pages": _pages(payload),
    }
    template = "search/_results.html" if is_htmx(request) else "search/search.html"
    return render(request, template, context, status=400 if error else 200)


def _pages(payload: dict[str, Any] | None) -> dict[str, int | None]:
    if not payload:
        return {"previous": None, "next": None, "last": 1}
    last = max(1, -(-payload["total"] // payload["page_size"]))
    page = payload["page"]
    return {"previous": page - 1 if page > 1 else None, "next": page + 1 if page < last else None,
            "last": last}
