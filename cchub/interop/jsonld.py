"""schema.org JSON-LD for the hub's public records, and content negotiation: the same URL
answers HTML to browsers, ``application/ld+json`` and ``text/turtle`` to machines.
Private e-mail addresses never appear.

The registry's and the vocabularies' builders live here; other apps build their own
(training: Bioschemas, support: Article) and use ``embed``, ``answer`` and ``respond``.
A page puts its data in the ``jsonld`` context variable; ``base.html`` embeds it and links
the alternates."""

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

from cchub.interop.negotiation import HTML, negotiate
from cchub.lib.countries import country_name
from cchub.registry.models import Centre, Cluster, Organisation, Service
from cchub.vocab.models import Concept, ConceptScheme, Term

SCHEMA = "https://schema.org/"
DCT = "http://purl.org/dc/terms/"
MEDIA = {"application/ld+json": "json-ld", "application/json": "json-ld", "text/turtle": "turtle"}


def url(path: str) -> str:
    return settings.SITE_URL + path


def clean(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v not in (None, "", [], {})}


def centre_jsonld(centre: Centre) -> dict[str, Any]:
    """A centre as a schema.org Organization."""
    contacts = [
        clean(
            {
                "@type": "ContactPoint",
                "name": c.name,
                "contactType": c.role,
                "email": c.public_email,
                "identifier": f"https://orcid.org/{c.orcid}" if c.orcid else "",
            }
        )
        for c in centre.contacts.all()
    ]
    if centre.helpdesk_email:
        contacts.append({"@type": "ContactPoint", "contactType": "helpdesk", "email": centre.helpdesk_email})
    return clean(
        {
            "@context": SCHEMA,
            "@type": "Organization",
            "@id": url(centre.get_absolute_url()),
            "name": centre.name,
            "alternateName": centre.acronym,
            "description": centre.description,
            "url": url(centre.get_absolute_url()),
            "sameAs": [centre.website] if centre.website else [],
            "areaServed": [country_name(c) for c in centre.countries],
            "knowsLanguage": list(centre.languages),
            "memberOf": [
                {
                    "@type": "Organization",
                    "name": k.name,
                    "alternateName": k.acronym,
                    "url": url(k.get_absolute_url()),
                }
                for k in centre.clusters.all()
            ],
            "parentOrganization": [
                clean({"@type": "Organization", "name": o.name, "sameAs": o.ror_url or o.website})
                for o in centre.hosts.all()
            ],
            "knowsAbout": [
                {
                    "@type": "DefinedTerm",
                    "name": o.competence.pref_label,
                    "termCode": o.competence.notation,
                    "url": url(o.competence.get_absolute_url()),
                }
                for o in centre.offers.select_related("competence")
            ],
            "makesOffer": [
                {
                    "@type": "Offer",
                    "itemOffered": {"@type": "Service", "name": s.name, "url": url(s.get_absolute_url())},
                }
                for s in centre.services.all()
            ],
            "contactPoint": contacts,
            "foundingDate": centre.mou_date.isoformat() if centre.mou_date else None,
        }
    )


def service_jsonld(service: Service) -> dict[str, Any]:
    """A service as a schema.org Service."""
    return clean(
        {
            "@context": SCHEMA,
            "@type": "Service",
            "@id": url(service.get_absolute_url()),
            "name": service.name,
            "slogan": service.tagline,
            "description": service.description,
            "url": service.url or url(service.get_absolute_url()),
            "provider": [
                {"@type": "Organization", "name": c.name, "url": url(c.get_absolute_url())}
                for c in service.centres.all()
                if c.is_public
            ],
            "category": [c.pref_label for c in service.categories.all()],
            "audience": [
                {"@type": "Audience", "audienceType": t.pref_label} for t in service.target_users.all()
            ],
            "termsOfService": service.terms_url,
            "additionalType": [d.pref_label for d in service.domains.all()],
        }
    )


def cluster_jsonld(cluster: Cluster) -> dict[str, Any]:
    """A science cluster as a schema.org Organization with its centres as members."""
    return clean(
        {
            "@context": SCHEMA,
            "@type": "Organization",
            "@id": url(cluster.get_absolute_url()),
            "name": cluster.name,
            "alternateName": cluster.acronym,
            "description": cluster.description,
            "sameAs": [cluster.website] if cluster.website else [],
            "knowsAbout": cluster.domain,
            "member": [
                {"@type": "Organization", "name": c.name, "url": url(c.get_absolute_url())}
                for c in cluster.centres.public().order_by("acronym")
            ],
        }
    )


def organisation_jsonld(org: Organisation) -> dict[str, Any]:
    return clean(
        {
            "@context": SCHEMA,
            "@type": "Organization",
            "@id": url(org.get_absolute_url()),
            "name": org.name,
            "alternateName": org.acronym,
            "identifier": org.ror_url,
            "sameAs": [u for u in (org.ror_url, org.website) if u],
            "address": {"@type": "PostalAddress", "addressCountry": org.country} if org.country else None,
        }
    )


def _work(name: str, link: str) -> dict[str, Any] | None:
    """A cited source as a CreativeWork, or None."""
    return clean({"@type": "CreativeWork", "name": name, "url": link}) if name or link else None


def _term_set(scheme: ConceptScheme) -> dict[str, Any]:
    return {"@type": "DefinedTermSet", "@id": url(scheme.get_absolute_url()), "name": scheme.title}


def concept_jsonld(concept: Concept) -> dict[str, Any]:
    """A concept of a vocabulary (the competence taxonomy, …) as a schema.org DefinedTerm."""
    citation = concept.citation()
    return clean(
        {
            "@context": SCHEMA,
            "@type": "DefinedTerm",
            "@id": url(concept.get_absolute_url()),
            "name": concept.pref_label,
            "alternateName": list(concept.alt_labels),
            "termCode": concept.notation,
            "description": concept.definition,
            "inDefinedTermSet": _term_set(concept.scheme),
            "sameAs": [concept.source_iri] if concept.source_iri else [],
            "subjectOf": _work(citation.get("title", ""), citation.get("url", "")) if citation else None,
        }
    )


def scheme_jsonld(scheme: ConceptScheme) -> dict[str, Any]:
    return clean(
        {
            "@context": SCHEMA,
            "@type": "DefinedTermSet",
            "@id": url(scheme.get_absolute_url()),
            "name": scheme.title,
            "description": scheme.description,
            "hasDefinedTerm": [
                {"@type": "DefinedTerm", "@id": url(c.get_absolute_url()), "name": c.pref_label,
                 "termCode": c.notation}
                for c in scheme.concepts.select_related("scheme")
            ],
        }
    )


GLOSSARY_PATH = "/glossary/"
GLOSSARY = "EOSC glossary"


def term_jsonld(term: Term) -> dict[str, Any]:
    """A glossary term as a schema.org DefinedTerm (its URI also answers SKOS)."""
    return clean(
        {
            "@context": SCHEMA,
            "@type": "DefinedTerm",
            "@id": term.uri or url(term.get_absolute_url()),
            "url": url(term.get_absolute_url()),
            "name": term.pref_label,
            "alternateName": [*term.alt_labels, *term.acronyms],
            "description": term.definition,
            "inDefinedTermSet": {"@type": "DefinedTermSet", "@id": url(GLOSSARY_PATH), "name": GLOSSARY},
            "subjectOf": _work(term.source, term.source_url),
        }
    )


def glossary_jsonld(terms: Any) -> dict[str, Any]:
    return {
        "@context": SCHEMA,
        "@type": "DefinedTermSet",
        "@id": url(GLOSSARY_PATH),
        "name": GLOSSARY,
        "description": "Terms of the European Open Science Cloud, as the Glossary Task Force approved them.",
        "hasDefinedTerm": [
            {"@type": "DefinedTerm", "@id": t.uri or url(t.get_absolute_url()), "name": t.pref_label}
            for t in terms
        ],
    }


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
