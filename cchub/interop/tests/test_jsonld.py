"""schema.org JSON-LD on centre and service pages, and content negotiation."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from rdflib import RDF, Graph, URIRef

from cchub.registry.models import Centre, ContactPoint

pytestmark = [pytest.mark.django_db, pytest.mark.demo]
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


@pytest.mark.parametrize(
    "path, kind",
    [
        ("/clusters/escape/", "Organization"),
        ("/vocabularies/competences/", "DefinedTermSet"),
        ("/vocabularies/competences/ivoa-tap-adql/", "DefinedTerm"),
        ("/glossary/", "DefinedTermSet"),
    ],
)
def test_every_public_page_embeds_jsonld_and_answers_rdf(db: Any, path: str, kind: str) -> None:
    client = Client()
    page = client.get(path)
    assert page.status_code == 200 and embedded(page.content.decode())["@type"] == kind
    assert 'rel="alternate" type="text/turtle"' in page.content.decode()
    as_json = client.get(path, headers={"Accept": "application/ld+json"})
    assert json.loads(as_json.content)["@type"] == kind and "Accept" in as_json["Vary"]
    graph = Graph().parse(data=client.get(path + "?format=ttl").content, format="turtle")
    assert (None, RDF.type, URIRef(SCHEMA + kind)) in graph


@pytest.fixture
def whole_demo(db: Any) -> None:
    """The demo's glossary, training catalogue and helpdesk, on top of the network."""
    from cchub.glossary.demo import load_glossary
    from cchub.support.demo import load as load_helpdesk
    from cchub.training.demo import load as load_training

    load_glossary()
    load_training()
    load_helpdesk()


def test_organisations_glossary_terms_training_and_articles(whole_demo: None) -> None:
    from cchub.glossary.models import Term
    from cchub.registry.models import Organisation
    from cchub.support.models import Article
    from cchub.training.models import Event, Material

    client = Client()
    org = Organisation.objects.exclude(ror_id="").first()
    assert org is not None
    data = embedded(client.get(org.get_absolute_url()).content.decode())
    assert data["@type"] == "Organization" and data["identifier"] == org.ror_url

    term = Term.objects.filter(status=Term.APPROVED).first()
    assert term is not None
    data = embedded(client.get(term.get_absolute_url()).content.decode())
    assert data["@type"] == "DefinedTerm" and data["name"] == term.pref_label
    assert data["inDefinedTermSet"]["@type"] == "DefinedTermSet"

    event = Event.objects.first()
    assert event is not None
    answer = json.loads(
        client.get(event.get_absolute_url(), headers={"Accept": "application/ld+json"}).content
    )
    assert {b["@type"] for b in answer["@graph"]} == {"Course", "Event"}
    graph = Graph().parse(data=client.get(event.get_absolute_url() + "?format=ttl").content, format="turtle")
    assert (None, RDF.type, URIRef(SCHEMA + "Course")) in graph
    conforms = list(graph.objects(None, URIRef("http://purl.org/dc/terms/conformsTo")))
    assert any("bioschemas.org/profiles/Course" in str(c) for c in conforms)
    material = Material.objects.first()
    assert material is not None
    assert embedded(client.get(material.get_absolute_url()).content.decode())["@type"] == "LearningResource"

    article = Article.objects.filter(status=Article.APPROVED).first()
    assert article is not None
    data = embedded(client.get(article.get_absolute_url()).content.decode())
    assert data["@type"] == "TechArticle" and data["headline"] == article.title


def test_drafts_and_proposals_carry_no_jsonld(db: Any, admin_user: Any) -> None:
    from cchub.glossary.models import Term

    term = Term.objects.create(slug="draft-term", pref_label="Draft term", definition="Not yet.")
    client = Client()
    client.force_login(admin_user)
    assert "application/ld+json" not in client.get(term.get_absolute_url()).content.decode().split("<main")[0]
