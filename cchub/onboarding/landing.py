"""An output's landing page, read for the FAIR assessment: is it reachable, does it embed
schema.org JSON-LD, does it offer signposting links (``Link`` headers or ``<link>``
elements: cite-as, describedby, item, license), which identifiers and licence does it
state. Fetched with the hub's safe fetcher (size and time limits, no private addresses
unless the hub is configured to allow them)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from cchub.lib.fetch import FetchError, Limits, request

SCRIPT = re.compile(r"<script[^>]+type=[\"']application/ld\+json[\"'][^>]*>(.*?)</script>", re.S | re.I)
LINK_TAG = re.compile(r"<link\s[^>]*>", re.I)
ATTR = re.compile(r"([a-z-]+)\s*=\s*[\"']([^\"']*)[\"']", re.I)
LINK_HEADER = re.compile(r"<([^>]+)>\s*;([^,]*(?:rel=\"?([^\";,]+)\"?)[^,]*)")
SIGNPOSTS = {"cite-as", "describedby", "item", "license", "type", "author", "collection"}


@dataclass
class Landing:
    url: str
    ok: bool = False
    status: int = 0
    error: str = ""
    jsonld: list[dict[str, Any]] = field(default_factory=list)
    signposting: dict[str, list[str]] = field(default_factory=dict)
    identifiers: list[str] = field(default_factory=list)
    licence: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "ok": self.ok,
            "status": self.status,
            "error": self.error,
            "jsonld_types": [str(d.get("@type", "")) for d in self.jsonld],
            "signposting": self.signposting,
            "identifiers": self.identifiers,
            "licence": self.licence,
        }


def parse(url: str, status: int, headers: dict[str, str], body: bytes) -> Landing:
    landing = Landing(url=url, ok=200 <= status < 300, status=status)
    if not landing.ok:
        landing.error = f"HTTP {status}"
        return landing
    text = body.decode("utf-8", errors="replace")
    for block in SCRIPT.findall(text):
        try:
            data = json.loads(block)
        except json.JSONDecodeError:
            continue
        nodes = (
            data if isinstance(data, list) else data.get("@graph", [data]) if isinstance(data, dict) else []
        )
        landing.jsonld += [n for n in nodes if isinstance(n, dict)]
    links: dict[str, list[str]] = {}
    for target, _params, rel in LINK_HEADER.findall(headers.get("link", "")):
        for one in rel.split():
            links.setdefault(one.lower(), []).append(target)
    for tag in LINK_TAG.findall(text):
        attrs = {k.lower(): v for k, v in ATTR.findall(tag)}
        for one in attrs.get("rel", "").split():
            if attrs.get("href"):
                links.setdefault(one.lower(), []).append(attrs["href"])
    landing.signposting = {k: v for k, v in links.items() if k in SIGNPOSTS}
    ids = list(landing.signposting.get("cite-as", []))
    for node in landing.jsonld:
        for key in ("identifier", "@id", "sameAs"):
            value = node.get(key)
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str):
                    ids.append(item)
                elif isinstance(item, dict) and isinstance(item.get("value") or item.get("@id"), str):
                    ids.append(item.get("value") or item["@id"])
        if not landing.licence and isinstance(node.get("license"), str):
            landing.licence = node["license"]
    if not landing.licence and landing.signposting.get("license"):
        landing.licence = landing.signposting["license"][0]
    landing.identifiers = list(dict.fromkeys(ids))
    return landing


def read(url: str) -> Landing:
    limits = Limits(
        timeout=15.0,
        max_bytes=5 * 1024 * 1024,
        retries=2,
        allow_private=bool(getattr(settings, "ONBOARDING_LANDING_ALLOW_PRIVATE", False)),
    )
    try:
        response = request("GET", url, limits, headers={"Accept": "text/html, application/ld+json;q=0.9"})
    except FetchError as exc:
        return Landing(url=url, error=exc.message, status=exc.status)
    return parse(response.url, response.status, response.headers, response.content)
