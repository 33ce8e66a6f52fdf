"""The registry's records as schema.org JSON-LD (Organization, Service…). Private e-mail
addresses never appear."""

from __future__ import annotations

from typing import Any

from cchub.lib.countries import country_name
from cchub.lib.jsonld import SCHEMA, clean, url
from cchub.registry.models import Centre, Cluster, Organisation, Service


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
