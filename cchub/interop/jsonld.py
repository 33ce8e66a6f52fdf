"""schema.org JSON-LD for the registry's public records, and content negotiation: the
same URL answers HTML to browsers, ``application/ld+json`` and ``text/turtle`` to
machines. Private e-mail addresses never appear."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.safestring import SafeString, mark_safe

from cchub.interop.negotiation import HTML, negotiate
from cchub.lib.countries import country_name
from cchub.registry.models import Centre, Service

SCHEMA = "https://schema.org/"
MEDIA = {"application/ld+json": "json-ld", "application/json": "json-ld", "text/turtle": "turtle"}


def _url(path: str) -> str:
    return settings.SITE_URL + path


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v not in (None, "", [], {})}


def centre_jsonld(centre: Centre) -> dict[str, Any]:
    """A centre as a schema.org Organization."""
    contacts = [
        _clean(
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
    return _clean(
        {
            "@context": SCHEMA,
            "@type": "Organization",
            "@id": _url(centre.get_absolute_url()),
            "name": centre.name,
            "alternateName": centre.acronym,
            "description": centre.description,
            "url": _url(centre.get_absolute_url()),
            "sameAs": [centre.website] if centre.website else [],
            "areaServed": [country_name(c) for c in centre.countries],
            "knowsLanguage": list(centre.languages),
            "memberOf": [
                {
                    "@type": "Organization",
                    "name": k.name,
                    "alternateName": k.acronym,
                    "url": _url(k.get_absolute_url()),
                }
                for k in centre.clusters.all()
            ],
            "parentOrganization": [
                _clean({"@type": "Organization", "name": o.name, "sameAs": o.ror_url or o.website})
                for o in centre.hosts.all()
            ],
            "knowsAbout": [
                {
                    "@type": "DefinedTerm",
                    "name": o.competence.pref_label,
                    "termCode": o.competence.notation,
                    "url": _url(o.competence.get_absolute_url()),
                }
                for o in centre.offers.select_related("competence")
            ],
            "makesOffer": [
                {
                    "@type": "Offer",
                    "itemOffered": {"@type": "Service", "name": s.name, "url": _url(s.get_absolute_url())},
                }
                for s in centre.services.all()
            ],
            "contactPoint": contacts,
            "foundingDate": centre.mou_date.isoformat() if centre.mou_date else None,
        }
    )


def service_jsonld(service: Service) -> dict[str, Any]:
    """A service as a schema.org Service."""
    return _clean(
        {
            "@context": SCHEMA,
            "@type": "Service",
            "@id": _url(service.get_absolute_url()),
            "name": service.name,
            "slogan": service.tagline,
            "description": service.description,
            "url": service.url or _url(service.get_absolute_url()),
            "provider": [
                {"@type": "Organization", "name": c.name, "url": _url(c.get_absolute_url())}
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


def embed(data: dict[str, Any]) -> SafeString:
    """For a ``<script type="application/ld+json">`` element."""
    return mark_safe(json.dumps(data, ensure_ascii=False).replace("</", "<\\/"))  # noqa: S308


ALIASES = {"jsonld": "json-ld", "json-ld": "json-ld", "ttl": "turtle", "turtle": "turtle"}


def wanted(request: HttpRequest) -> str | None:
    """json-ld or turtle when the client asks for it (?format= or Accept), else None
    (an unknown ?format= gives the HTML page)."""
    return negotiate(request, MEDIA, ALIASES, html=(*HTML, "*/*")) or None


def respond(data: dict[str, Any], fmt: str) -> HttpResponse:
    if fmt == "turtle":
        from rdflib import Graph

        # Parse with a local context: nothing is fetched from the network.
        local = {**data, "@context": {"@vocab": SCHEMA}}
        graph = Graph().parse(data=json.dumps(local), format="json-ld")
        graph.bind("schema", SCHEMA)
        body = graph.serialize(format="turtle")
        response = HttpResponse(body, content_type="text/turtle; charset=utf-8")
    else:
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=1), content_type="application/ld+json; charset=utf-8"
        )
    response["Vary"] = "Accept"
    return response
