"""schema.org JSON-LD on centre and service pages, and content negotiation."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from rdflib import RDF, Graph, URIRef

from cchub.registry.models import Centre, ContactPoint

pytestmark = pytest.mark.django_db
SCHEMA = "https://schema.org/"


def embedded(html: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match, "no JSON-LD in the page"
    return json.loads(match.group(1))  # type: ignore[no-any-return]


def test_centre_page_embeds_an_organization(db: Any) -> None:
    data = embedded(Client().get("/centres/escape-vo/").content.decode())
    assert data["@type"] == "Organization" and data["alternateName"] == "ESCAPE-VO"
    assert data["@id"].endswith("/centres/escape-vo/")
    assert any(k["termCode"] == "ivoa-tap-adql" for k in data["knowsAbout"])
    assert data["memberOf"][0]["alternateName"] == "ESCAPE"


def test_private_addresses_never_appear(db: Any) -> None:
    centre = Centre.objects.get(slug="escape-vo")
    ContactPoint.objects.create(centre=centre, name="Private Person", email="private@example.org")
    ContactPoint.objects.create(
        centre=centre, name="Public Person", email="public@example.org", email_public=True
    )
    for response in (
        Client().get("/centres/escape-vo/"),
        Client().get("/centres/escape-vo/", headers={"Accept": "application/ld+json"}),
        Client().get("/centres/escape-vo/?format=ttl"),
    ):
        text = response.content.decode()
        assert "private@example.org" not in text and "public@example.org" in text


def test_content_negotiation(db: Any) -> None:
    client = Client()
    html = client.get("/services/reana/", headers={"Accept": "text/html,application/xhtml+xml"})
    assert html["Content-Type"].startswith("text/html") and "Accept" in html["Vary"]
    as_json = client.get("/services/reana/", headers={"Accept": "application/ld+json"})
    assert as_json["Content-Type"].startswith("application/ld+json")
    assert json.loads(as_json.content)["@type"] == "Service"
    turtle = client.get("/centres/escape-vo/", headers={"Accept": "text/turtle"})
    assert turtle["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=turtle.content, format="turtle")
    subject = next(graph.subjects(RDF.type, URIRef(SCHEMA + "Organization")))
    assert str(subject).endswith("/centres/escape-vo/")
    assert client.get("/centres/escape-vo/?format=jsonld")["Content-Type"].startswith("application/ld+json")


def test_pending_centres_are_not_published(db: Any) -> None:
    Centre.objects.filter(slug="ut").update(review_state=Centre.PENDING)
    assert Client().get("/centres/ut/", headers={"Accept": "application/ld+json"}).status_code == 404
