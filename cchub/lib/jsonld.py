"""schema.org JSON-LD for the hub's public records, and content negotiation: the same URL
answers HTML to browsers, ``application/ld+json`` and ``text/turtle`` to machines.

Each app builds its own records (``registry/jsonld.py``, ``vocab/jsonld.py``,
``glossary/jsonld.py``, ``training/jsonld.py``, ``support/knowledge.py``) and uses ``page``,
``embed``, ``answer`` and ``respond`` from here. A page puts its data in the ``jsonld``
context variable; ``base.html`` embeds it and links the alternates."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.safestring import SafeString, mark_safe
from rdflib import Graph

from cchub.lib.negotiation import HTML, negotiate

SCHEMA = "https://schema.org/"
DCT = "http://purl.org/dc/terms/"
MEDIA = {"application/ld+json": "json-ld", "application/json": "json-ld", "text/turtle": "turtle"}


def url(path: str) -> str:
    return settings.SITE_URL + path


def clean(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v not in (None, "", [], {})}


def work(name: str, link: str) -> dict[str, Any] | None:
    """A cited source as a CreativeWork, or None."""
    return clean({"@type": "CreativeWork", "name": name, "url": link}) if name or link else None


UNSAFE_SCHEME = re.compile(r"^\s*(javascript|data|vbscript|file)\s*:", re.I)


def safe_links(data: Any) -> Any:
    """``data`` without strings that are links of an unsafe scheme (``javascript:``, ``data:``,
    ``file:``): a value stored before the fields were checked is left out, never published."""
    if isinstance(data, dict):
        return {k: safe_links(v) for k, v in data.items()
                if not (isinstance(v, str) and UNSAFE_SCHEME.match(v))}
    if isinstance(data, list):
        return [safe_links(v) for v in data if not (isinstance(v, str) and UNSAFE_SCHEME.match(v))]
    return data


def embed(data: dict[str, Any]) -> SafeString:
    """For a ``<script type="application/ld+json">`` element. ``<``, ``>`` and ``&`` are
    written as JSON escapes, so no text of a record (``</script>``, ``<!--``) can end the
    element early or put the HTML parser in another state and blank the page."""
    text = json.dumps(safe_links(data), ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return mark_safe(text)  # noqa: S308


ALIASES = {"jsonld": "json-ld", "json-ld": "json-ld", "ttl": "turtle", "turtle": "turtle"}


def wanted(request: HttpRequest) -> str | None:
    """json-ld or turtle when the client asks for it (?format= or Accept), else None
    (an unknown ?format= gives the HTML page)."""
    return negotiate(request, MEDIA, ALIASES, html=(*HTML, "*/*")) or None


def answer(request: HttpRequest, build: Callable[[], dict[str, Any]]) -> HttpResponse | None:
    """The machine-readable answer when the client asked for one, else None (send HTML)."""
    fmt = wanted(request)
    return respond(build(), fmt) if fmt else None


def page(
    request: HttpRequest, template: str, context: dict[str, Any], build: Callable[[], dict[str, Any]]
) -> HttpResponse:
    """An HTML page carrying ``build()`` as embedded JSON-LD, or that JSON-LD (or Turtle)
    itself when the client asked for it: one URL for people and machines."""
    data = build()
    fmt = wanted(request)
    if fmt:
        return respond(data, fmt)
    response = render(request, template, {**context, "jsonld": embed(data)})
    patch_vary_headers(response, ["Accept"])
    return response


def to_graph(data: dict[str, Any]) -> Graph:
    """schema.org JSON-LD as an rdflib graph, parsed with a local context: nothing is
    fetched from the network."""
    local = {**data, "@context": {"@vocab": SCHEMA, "dct": DCT}}
    return Graph().parse(data=json.dumps(local), format="json-ld")


def respond(data: dict[str, Any], fmt: str) -> HttpResponse:
    data = safe_links(data)
    if fmt == "turtle":
        graph = to_graph(data)
        graph.bind("schema", SCHEMA)
        body = graph.serialize(format="turtle")
        response = HttpResponse(body, content_type="text/turtle; charset=utf-8")
    else:
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=1), content_type="application/ld+json; charset=utf-8"
        )
    response["Vary"] = "Accept"
    return response
