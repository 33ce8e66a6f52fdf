"""The DCAT-AP 3 catalogue: valid against the official DCAT-AP 3.0.1 SHACL shapes (shipped
in tests/data here), holding what it should and nothing private, pending or harvested."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from pyshacl import validate
from rdflib import RDF, Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, SKOS

from cchub.interop import dcat
from cchub.registry.models import Centre, ContactPoint, Service

pytestmark = [pytest.mark.django_db, pytest.mark.demo]
SHAPES = Path(__file__).parent / "data" / "dcat-ap-3.0.1"


@cache
def shapes() -> Graph:
    g = Graph()
    for name in ("shapes.ttl", "range.ttl"):
        g.parse(SHAPES / name)
    return g


def conformance(g: Graph) -> tuple[bool, str]:
    conforms, _, text = validate(g, shacl_graph=shapes(), inference="none")
    return bool(conforms), str(text)


def test_the_catalogue_validates_against_the_dcat_ap_shapes(db: Any) -> None:
    from cchub.glossary.demo import load_glossary
    from cchub.registry.releases import publish_release
    from cchub.support.demo import load as load_helpdesk
    from cchub.training.demo import load as load_training

    load_glossary()
    load_training()
    load_helpdesk()
    publish_release("2026.1", "Registry created", "", None)
    g = dcat.graph()
    conforms, report = conformance(g)
    assert conforms, report
    catalogue = URIRef("http://127.0.0.1:8000/catalog")
    assert (catalogue, RDF.type, DCAT.Catalog) in g
    datasets = {str(g.value(d, DCTERMS.title)) for d in g.objects(catalogue, DCAT.dataset)}
    assert {"Registry of Open Science Competence Centres", "EOSC glossary"} <= datasets
    assert any(t.startswith("Registry release 2026.1") for t in datasets)
    schemes = {str(g.value(s, DCTERMS.title)) for s in g.objects(catalogue, DCAT.themeTaxonomy)}
    assert len(schemes) >= 7 and any("glossary" in s.lower() for s in schemes)
    # A broken catalogue fails: the check can fail.
    g.remove((catalogue, DCTERMS.publisher, None))
    assert not conformance(g)[0]


def test_centres_are_agents_and_services_are_data_services_or_resources(db: Any) -> None:
    g = dcat.graph()
    agents = {str(g.value(a, FOAF.name)) for a in g.subjects(RDF.type, FOAF.Agent)}
    assert {c.name for c in Centre.objects.public()} <= agents
    with_url = Service.objects.exclude(url="").first()
    without = Service.objects.filter(url="").first()
    assert with_url is not None and without is not None
    node = URIRef(f"http://127.0.0.1:8000{with_url.get_absolute_url()}")
    assert (node, RDF.type, DCAT.DataService) in g and (node, DCAT.endpointURL, URIRef(with_url.url)) in g
    assert (URIRef(f"http://127.0.0.1:8000{without.get_absolute_url()}"), RDF.type, DCAT.Resource) in g
    assert (URIRef("http://127.0.0.1:8000/vocabularies/competences/dmp/"), SKOS.prefLabel, None) in g


def test_nothing_private_pending_or_harvested(db: Any) -> None:
    from cchub.interop.models import Source

    centre = Centre.objects.get(slug="ut")
    centre.review_state = Centre.PENDING
    centre.save()
    ContactPoint.objects.create(centre=Centre.objects.get(slug="kit"), name="P", email="private@example.org")
    source = Source.objects.create(slug="peer", name="Peer", url="https://peer.example.org/oai")
    Centre.objects.filter(slug="kit").update(origin=source)
    text = dcat.graph().serialize(format="turtle")
    assert "private@example.org" not in text
    assert "/centres/ut/" not in text and "/centres/kit/" not in text
    source.reexport = True
    source.save()
    assert "/centres/kit/" in dcat.graph().serialize(format="turtle")


def test_the_catalogue_answers_people_and_machines(db: Any) -> None:
    client = Client()
    page = client.get("/catalog", headers={"Accept": "text/html"})
    assert page.status_code == 200 and b"Open data" in page.content and b"registry.json" in page.content
    turtle = client.get("/catalog", headers={"Accept": "text/turtle"})
    assert turtle["Content-Type"].startswith("text/turtle")
    assert (None, RDF.type, DCAT.Catalog) in Graph().parse(data=turtle.content, format="turtle")
    for fmt, rdf in (("jsonld", "json-ld"), ("rdf", "xml")):
        response = client.get(f"/catalog?format={fmt}")
        assert (None, RDF.type, DCAT.Catalog) in Graph().parse(data=response.content, format=rdf)
    assert client.get("/catalog?format=pdf").status_code == 406
