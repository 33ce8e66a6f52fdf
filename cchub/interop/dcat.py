"""The hub as a DCAT-AP 3 catalogue, at ``/catalog``.

- the catalogue itself (title, description, publisher, homepage, language, licence,
  modified) with the vocabularies as its theme taxonomies;
- centres and science clusters as agents (``foaf:Agent``/``foaf:Organization``), the
  publishers of what they offer;
- services as data services when they have an endpoint address, otherwise as resources;
- the hub's own data as datasets with their distributions: the registry (its JSON export
  and every release), the EOSC glossary (SKOS in three formats), the training calendar;
- the OAI-PMH provider and the REST API as data services serving those datasets;
- every vocabulary as a SKOS concept scheme with its concepts.

Harvested records are left out unless their source may be re-exported. The export
validates against the official DCAT-AP 3.0.1 SHACL shapes (tests/test_dcat.py).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Max
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, SKOS, XSD

from cchub.glossary import skos
from cchub.lib.jsonld import url
from cchub.lib.models import exportable
from cchub.registry.models import Centre, Cluster, Release, Service
from cchub.vocab.models import ConceptScheme

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
RESOURCE = URIRef("http://www.w3.org/ns/dcat#resource")  # DCAT 3; not in rdflib's closed namespace
EU = "http://publications.europa.eu/resource/authority/"
IANA = "http://www.iana.org/assignments/media-types/"
FORMATS = {  # media type -> EU file type
    "application/json": "JSON", "text/turtle": "RDF_TURTLE", "application/ld+json": "JSON_LD",
    "application/rdf+xml": "RDF_XML", "text/calendar": "ICS", "text/xml": "XML",
}  # fmt: skip
LICENCES = {"CC-BY-4.0": "CC_BY_4_0", "CC0-1.0": "CC0", "CC-BY-SA-4.0": "CC_BYSA_4_0"}


def en(text: str) -> Literal:
    return Literal(text, lang="en")


class Catalogue:
    def __init__(self) -> None:
        self.g = Graph()
        for prefix, ns in (("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF), ("vcard", VCARD), ("skos", SKOS),
                           ("dcatap", DCATAP)):  # fmt: skip
            self.g.bind(prefix, ns)
        self.node = URIRef(url("/catalog"))
        self.publisher = URIRef(url("/#publisher"))
        self.licence = URIRef(f"{EU}licence/{LICENCES.get(settings.DATA_LICENCE, 'CC_BY_4_0')}")

    def add(self, s: Any, p: Any, o: Any) -> None:
        if o is not None and o != "":
            self.g.add((s, p, o))

    def typed(self, node: URIRef, *kinds: URIRef) -> URIRef:
        for kind in kinds:
            self.g.add((node, RDF.type, kind))
        return node

    def document(self, address: str) -> URIRef:
        return self.typed(URIRef(address), FOAF.Document)

    def contact(self, subject: URIRef, email: str) -> None:
        if email:
            node = self.typed(URIRef(f"{subject}#contact"), VCARD.Kind, VCARD.Organization)
            self.g.add((node, VCARD.hasEmail, URIRef(f"mailto:{email}")))
            self.g.add((subject, DCAT.contactPoint, node))

    # ------------------------------------------------------------------ parts

    def catalogue(self) -> None:
        c, g = self.node, self.g
        self.typed(c, DCAT.Catalog)
        g.add((c, DCTERMS.title, en(f"{settings.SITE_NAME}: the network of Open Science Competence Centres")))
        g.add((c, DCTERMS.description, en(
            "The registry of Open Science Competence Centres in Europe — centres, competences, services and "
            "contacts — with the network's training catalogue and the EOSC glossary."
        )))  # fmt: skip
        self.typed(self.publisher, FOAF.Agent, FOAF.Organization)
        g.add((self.publisher, FOAF.name, en(settings.PUBLISHER_NAME or settings.SITE_NAME)))
        g.add((c, DCTERMS.publisher, self.publisher))
        g.add((c, FOAF.homepage, self.document(url("/"))))
        g.add((c, DCTERMS.language, self.typed(URIRef(f"{EU}language/ENG"), DCTERMS.LinguisticSystem)))
        g.add((c, DCTERMS.license, self.typed(self.licence, DCTERMS.LicenseDocument)))
        modified = Centre.objects.aggregate(last=Max("updated_at"))["last"]
        if modified:
            g.add(
                (c, DCTERMS.modified, Literal(modified.isoformat(timespec="seconds"), datatype=XSD.dateTime))
            )

    def agents(self) -> dict[int, URIRef]:
        clusters = {}
        for cluster in Cluster.objects.all():
            node = self.typed(URIRef(url(cluster.get_absolute_url())), FOAF.Agent, FOAF.Organization)
            self.g.add((node, FOAF.name, en(f"{cluster.acronym} — {cluster.name}")))
            self.add(node, FOAF.homepage, URIRef(cluster.website) if cluster.website else None)
            clusters[cluster.pk] = node
        centres = {}
        for centre in Centre.objects.public().filter(exportable()).prefetch_related("clusters"):
            node = self.typed(URIRef(url(centre.get_absolute_url())), FOAF.Agent, FOAF.Organization)
            self.g.add((node, FOAF.name, en(centre.name)))
            self.g.add((node, DCTERMS.identifier, Literal(centre.acronym)))
            self.add(node, FOAF.homepage, URIRef(centre.website) if centre.website else None)
            for cluster in centre.clusters.all():
                self.g.add((node, URIRef("http://www.w3.org/ns/org#memberOf"), clusters[cluster.pk]))
            centres[centre.pk] = node
        return centres

    def services(self, centres: dict[int, URIRef]) -> None:
        qs = Service.objects.filter(exportable()).prefetch_related("centres", "categories", "domains")
        for service in qs:
            node = URIRef(url(service.get_absolute_url()))
            if service.url:
                self.typed(node, DCAT.DataService)
                self.g.add((node, DCAT.endpointURL, URIRef(service.url)))
                self.g.add((self.node, DCAT.service, node))
            else:
                self.typed(node, DCAT.Resource)
                self.g.add((self.node, RESOURCE, node))
            self.g.add((node, DCTERMS.title, en(service.name)))
            self.add(node, DCTERMS.description, en(service.description or service.tagline) if (
                service.description or service.tagline) else None)  # fmt: skip
            self.g.add((node, DCAT.landingPage, self.document(url(service.get_absolute_url()))))
            publishers = [centres[c.pk] for c in service.centres.all() if c.pk in centres]
            if publishers:
                self.g.add((node, DCTERMS.publisher, publishers[0]))
            for concept in service.categories.all():
                self.g.add((node, DCAT.keyword, en(concept.pref_label)))
            for concept in service.domains.all():
                self.g.add((node, DCAT.theme, URIRef(url(concept.get_absolute_url()))))
            self.contact(node, service.helpdesk_email)

    def distribution(self, dataset: URIRef, name: str, address: str, media: str, title: str) -> URIRef:
        node = self.typed(URIRef(f"{dataset}-{name}"), DCAT.Distribution)
        self.g.add((dataset, DCAT.distribution, node))
        self.g.add((node, DCTERMS.title, en(title)))
        self.g.add((node, DCAT.accessURL, URIRef(address)))
        self.g.add((node, DCAT.downloadURL, URIRef(address)))
        self.g.add((node, DCAT.mediaType, self.typed(URIRef(IANA + media), DCTERMS.MediaType)))
        if media in FORMATS:
            file_type = URIRef(f"{EU}file-type/{FORMATS[media]}")
            self.g.add((node, DCTERMS.format, self.typed(file_type, DCTERMS.MediaTypeOrExtent)))
        self.g.add((node, DCTERMS.license, self.licence))
        return node

    def dataset(self, name: str, title: str, description: str, landing: str) -> URIRef:
        node = self.typed(URIRef(url(f"/catalog#{name}")), DCAT.Dataset)
        self.g.add((self.node, DCAT.dataset, node))
        self.g.add((node, DCTERMS.title, en(title)))
        self.g.add((node, DCTERMS.description, en(description)))
        self.g.add((node, DCTERMS.publisher, self.publisher))
        self.g.add((node, DCAT.landingPage, self.document(url(landing))))
        theme = self.typed(URIRef(f"{EU}data-theme/TECH"), SKOS.Concept)
        self.g.add((theme, SKOS.prefLabel, en("Science and technology")))
        themes = self.typed(URIRef(f"{EU}data-theme"), SKOS.ConceptScheme)
        self.g.add((themes, DCTERMS.title, en("Data theme")))
        self.g.add((theme, SKOS.inScheme, themes))
        self.g.add((node, DCAT.theme, theme))
        return node

    def datasets(self) -> list[URIRef]:
        registry = self.dataset(
            "registry", "Registry of Open Science Competence Centres",
            "Centres, their competences with the level offered and the evidence, services, clusters, host "
            "organisations and public contact points.", "/centres/",
        )  # fmt: skip
        self.distribution(registry, "json", url("/export/registry.json"), "application/json",
                          "The whole registry as JSON")  # fmt: skip
        for release in Release.objects.all():
            version = self.dataset(
                f"release-{release.version}", f"Registry release {release.version}: {release.title}",
                release.notes or f"The registry as published on {release.created_at:%Y-%m-%d}.",
                release.get_absolute_url(),
            )  # fmt: skip
            self.g.add((version, DCAT.version, Literal(release.version)))
            self.g.add(
                (version, DCTERMS.issued, Literal(release.created_at.date().isoformat(), datatype=XSD.date))
            )
            self.g.add((registry, DCTERMS.hasVersion, version))
            self.distribution(version, "json", url(f"/releases/{release.version}.json"), "application/json",
                              f"Release {release.version} as JSON")  # fmt: skip
        glossary = self.dataset(
            "glossary", "EOSC glossary",
            "Terms of the European Open Science Cloud as the Glossary Task Force approved them, with "
            "sources, translations and the clusters' own definitions.", "/glossary/",
        )  # fmt: skip
        skos_standard = self.typed(URIRef("http://www.w3.org/2004/02/skos/core"), DCTERMS.Standard)
        for ext, media in (
            ("ttl", "text/turtle"),
            ("jsonld", "application/ld+json"),
            ("rdf", "application/rdf+xml"),
        ):
            node = self.distribution(glossary, ext, url(f"/glossary/skos.{ext}"), media, f"SKOS ({ext})")
            self.g.add((node, DCTERMS.conformsTo, skos_standard))
        training = self.dataset(
            "training", "Cross-cluster training calendar",
            "Training events of the network's centres, past year and planned.", "/training/",
        )  # fmt: skip
        self.distribution(training, "ical", url("/training/calendar.ics"), "text/calendar", "iCalendar feed")
        return [registry, glossary, training]

    def endpoints(self, datasets: list[URIRef]) -> None:
        oai = self.typed(URIRef(url("/oai#service")), DCAT.DataService)
        self.g.add((oai, DCTERMS.title, en("OAI-PMH 2.0 provider")))
        self.g.add(
            (oai, DCTERMS.description, en("Every public record, in oai_dc and the full cchub format."))
        )
        self.g.add((oai, DCAT.endpointURL, URIRef(url("/oai"))))
        self.g.add((oai, DCTERMS.conformsTo, self.typed(URIRef("http://www.openarchives.org/OAI/2.0/"),
                                                         DCTERMS.Standard)))  # fmt: skip
        api = self.typed(URIRef(url("/api/v1/#service")), DCAT.DataService)
        self.g.add((api, DCTERMS.title, en("REST API")))
        self.g.add((api, DCAT.endpointURL, URIRef(url("/api/v1/"))))
        self.g.add((api, DCAT.endpointDescription, URIRef(url("/api/v1/openapi.json"))))
        for service in (oai, api):
            self.g.add((self.node, DCAT.service, service))
            self.g.add((service, DCTERMS.publisher, self.publisher))
            for dataset in datasets:
                self.g.add((service, DCAT.servesDataset, dataset))

    def vocabularies(self) -> None:
        for scheme in ConceptScheme.objects.prefetch_related("concepts__broader__scheme"):
            node = self.typed(URIRef(url(scheme.get_absolute_url())), SKOS.ConceptScheme)
            self.g.add((node, DCTERMS.title, en(scheme.title)))
            self.add(node, DCTERMS.description, en(scheme.description) if scheme.description else None)
            self.g.add((self.node, DCAT.themeTaxonomy, node))
            for concept in scheme.concepts.all():
                c = self.typed(URIRef(url(concept.get_absolute_url())), SKOS.Concept)
                self.g.add((c, SKOS.prefLabel, en(concept.pref_label)))
                self.g.add((c, SKOS.notation, Literal(concept.notation)))
                self.g.add((c, SKOS.inScheme, node))
                self.add(c, SKOS.definition, en(concept.definition) if concept.definition else None)
                if concept.broader_id:
                    broader = URIRef(url(f"{scheme.get_absolute_url()}{concept.broader.notation}/"))  # type: ignore[union-attr]
                    self.g.add((c, SKOS.broader, broader))
                else:
                    self.g.add((node, SKOS.hasTopConcept, c))
        glossary = skos.graph()
        self.g += glossary
        self.g.add((self.node, DCAT.themeTaxonomy, URIRef(skos.base())))


def graph() -> Graph:
    """The whole catalogue."""
    catalogue = Catalogue()
    catalogue.catalogue()
    catalogue.services(catalogue.agents())
    catalogue.endpoints(catalogue.datasets())
    catalogue.vocabularies()
    return catalogue.g


def summary(g: Graph) -> dict[str, Any]:
    """What the catalogue holds, for its HTML page."""

    def title(node: Any) -> str:
        return str(g.value(node, DCTERMS.title) or node)

    datasets = []
    for node in sorted(g.subjects(RDF.type, DCAT.Dataset), key=title):
        files = [
            (title(d), str(g.value(d, DCAT.downloadURL)), str(g.value(d, DCAT.mediaType)).removeprefix(IANA))
            for d in g.objects(node, DCAT.distribution)
        ]
        description = str(g.value(node, DCTERMS.description) or "")
        datasets.append({"title": title(node), "description": description, "files": sorted(files)})
    return {
        "datasets": datasets,
        "endpoints": [
            (title(n), str(g.value(n, DCAT.endpointURL)))
            for n in g.objects(URIRef(url("/catalog")), DCAT.service)
            if str(n).startswith(url("/oai")) or str(n).startswith(url("/api"))
        ],
        "counts": {
            "agents": len(set(g.subjects(RDF.type, FOAF.Agent))),
            "data services": len(set(g.subjects(RDF.type, DCAT.DataService))),
            "resources": len(set(g.subjects(RDF.type, DCAT.Resource))),
            "concept schemes": len(set(g.subjects(RDF.type, SKOS.ConceptScheme))),
            "concepts": len(set(g.subjects(RDF.type, SKOS.Concept))),
        },
        "triples": len(g),
    }
