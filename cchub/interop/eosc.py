"""Centres and services in the shape of the EOSC Resource Catalogue's Provider and Service
profiles (v5), so that a centre onboards to the EOSC catalogue from what the hub holds.

Vocabulary values are given as EOSC vocabulary identifiers built from our notations
(``access_type-remote``, ``trl-7``, ``scientific_domain-natural_sciences``); each export
comes with ``missing``: the profile's mandatory fields the hub cannot fill, in words, so
the centre knows what to add before it submits. A contact's private address is included
only for the people who may edit the centre.
"""

from __future__ import annotations

from typing import Any

from cchub.lib.jsonld import url
from cchub.registry.models import Centre, ContactPoint, Service
from cchub.vocab.models import Concept

PROFILE_VERSION = "5.0"
PROVIDER_REQUIRED = {
    "name": "the centre's name", "abbreviation": "an acronym", "website": "a website",
    "description": "a description", "logo": "a logo (an image address)",
    "location.streetNameAndNumber": "the street address (the hub does not keep it)",
    "location.postalCode": "the postal code (the hub does not keep it)",
    "location.city": "the city (the hub does not keep it)", "location.country": "the country",
    "mainContact.firstName": "a main contact", "mainContact.lastName": "a main contact's last name",
    "mainContact.email": "the main contact's e-mail address",
    "publicContacts.email": "a public e-mail address (a contact who allowed it, or the helpdesk)",
}  # fmt: skip
SERVICE_REQUIRED = {
    "name": "a name", "resourceOrganisation": "a providing centre", "webpage": "a web page",
    "description": "a description", "tagline": "a tagline", "logo": "a logo (an image address)",
    "scientificDomains": "at least one scientific domain", "categories": "at least one category",
    "targetUsers": "at least one kind of target user", "geographicalAvailabilities": "where it is available",
    "languageAvailabilities": "the languages it is offered in", "mainContact.email": "a main contact",
    "publicContacts.email": "a public e-mail address", "helpdeskEmail": "a helpdesk e-mail address",
    "securityContactEmail": "a security contact e-mail address (the hub does not keep it)",
    "trl": "a technology readiness level", "orderType": "how it is ordered",
}  # fmt: skip


def eosc_id(prefix: str, notation: str) -> str:
    return f"{prefix}-{notation.replace('-', '_')}"


def _domains(concepts: list[Concept]) -> list[dict[str, str]]:
    pairs = []
    for concept in concepts:
        top = concept.top()
        if top.pk == concept.pk:
            pairs.append(
                {
                    "scientificDomain": eosc_id("scientific_domain", concept.notation),
                    "scientificSubdomain": "",
                }
            )
        else:
            sub = eosc_id("scientific_subdomain", f"{top.notation}-{concept.notation}")
            pairs.append(
                {"scientificDomain": eosc_id("scientific_domain", top.notation), "scientificSubdomain": sub}
            )
    return pairs


def _person(contact: ContactPoint | None, private: bool, organisation: str) -> dict[str, str]:
    if contact is None:
        return {"firstName": "", "lastName": "", "email": "", "phone": "", "position": "", "organisation": ""}
    first, _, last = contact.name.rpartition(" ")
    return {
        "firstName": first or contact.name, "lastName": last if first else "",
        "email": contact.email if (private or contact.email_public) else "",
        "phone": "", "position": contact.role, "organisation": organisation,
    }  # fmt: skip


def _missing(profile: dict[str, Any], required: dict[str, str]) -> list[dict[str, str]]:
    found = []
    for path, words in required.items():
        value: Any = profile
        for part in path.split("."):
            if isinstance(value, list):
                value = [v.get(part) for v in value if isinstance(v, dict)]
                value = [v for v in value if v]
            else:
                value = value.get(part) if isinstance(value, dict) else None
        if value in (None, "", [], {}):
            found.append({"field": path, "message": f"Add {words}."})
    return found


def provider(centre: Centre, private: bool = False) -> dict[str, Any]:
    """``{"provider": {...}, "missing": [...]}`` for a centre."""
    contacts = list(centre.contacts.all())
    host = centre.hosts.first()
    organisation = host.name if host else centre.name
    public = [_person(c, False, organisation) for c in contacts if c.email_public]
    if centre.helpdesk_email:
        public.append({**_person(None, False, ""), "email": centre.helpdesk_email, "position": "helpdesk",
                       "organisation": organisation})  # fmt: skip
    domains = Concept.objects.filter(services_in_domain__centres=centre).distinct().select_related("broader")
    profile = {
        "id": centre.slug,
        "abbreviation": centre.acronym,
        "name": centre.name,
        "website": centre.website,
        "legalEntity": False,
        "hostingLegalEntity": organisation if host else "",
        "alternativeIdentifiers": [
            {"type": "ROR", "value": o.ror_url} for o in centre.hosts.all() if o.ror_id
        ]
        + [{"type": "CC Hub", "value": url(centre.get_absolute_url())}],
        "description": centre.description,
        "logo": url(centre.logo.url) if centre.logo else "",
        "multimedia": [],
        "scientificDomains": _domains(list(domains)),
        "tags": sorted({o.competence.pref_label for o in centre.offers.select_related("competence")}),
        "structureTypes": ["provider_structure_type-virtual"],
        "location": {
            "streetNameAndNumber": "",
            "postalCode": "",
            "city": "",
            "region": "",
            "country": (host.country if host and host.country else (centre.countries[:1] or [""])[0]),
        },  # fmt: skip
        "mainContact": _person(contacts[0] if contacts else None, private, organisation),
        "publicContacts": public,
        "lifeCycleStatus": "provider_life_cycle_status-operational"
        if centre.status == "member"
        else "provider_life_cycle_status-being_implemented",
        "participatingCountries": list(centre.countries),
        "affiliations": [k.name for k in centre.clusters.all()],
        "networks": ["provider_network-eosc_competence_centres"],
        "catalogueId": "eosc",
    }
    return {"profile": "EOSC Provider", "version": PROFILE_VERSION, "provider": profile,
            "missing": _missing(profile, PROVIDER_REQUIRED)}  # fmt: skip


def service(item: Service, private: bool = False) -> dict[str, Any]:
    """``{"service": {...}, "missing": [...]}`` for a service."""
    centres = [c for c in item.centres.all() if c.is_public]
    first = centres[0] if centres else None
    contacts = list(first.contacts.all()) if first else []
    organisation = first.name if first else ""
    public = [_person(c, False, organisation) for c in contacts if c.email_public]
    if item.helpdesk_email:
        public.append({**_person(None, False, ""), "email": item.helpdesk_email, "position": "helpdesk",
                       "organisation": organisation})  # fmt: skip
    languages = sorted({x for c in centres for x in c.languages})
    profile = {
        "id": item.slug,
        "abbreviation": item.name[:30],
        "name": item.name,
        "resourceOrganisation": first.slug if first else "",
        "resourceProviders": [c.slug for c in centres[1:]],
        "webpage": item.url or url(item.get_absolute_url()),
        "alternativeIdentifiers": [{"type": "CC Hub", "value": url(item.get_absolute_url())}],
        "description": item.description,
        "tagline": item.tagline,
        "logo": "",
        "scientificDomains": _domains(list(item.domains.select_related("broader"))),
        "categories": [
            {
                "category": eosc_id("category", c.top().notation),
                "subcategory": eosc_id("subcategory", c.notation),
            }
            for c in item.categories.all()
        ],  # fmt: skip
        "targetUsers": [eosc_id("target_user", c.notation) for c in item.target_users.all()],
        "accessTypes": [eosc_id("access_type", c.notation) for c in item.access_types.all()],
        "accessModes": [],
        "tags": list(item.standards),
        "geographicalAvailabilities": sorted({x for c in centres for x in c.countries}) or ["WW"],
        "languageAvailabilities": languages,
        "mainContact": _person(contacts[0] if contacts else None, private, organisation),
        "publicContacts": public,
        "helpdeskEmail": item.helpdesk_email or (first.helpdesk_email if first else ""),
        "securityContactEmail": "",
        "trl": item.trl.notation if item.trl else "",
        "standards": list(item.standards),
        "helpdeskPage": item.helpdesk_url,
        "termsOfUse": item.terms_url,
        "orderType": "order_type-open_access"
        if item.access_types.filter(notation__in=["remote", "virtual"]).exists()
        else "",
        "catalogueId": "eosc",
    }
    return {"profile": "EOSC Service", "version": PROFILE_VERSION, "service": profile,
            "missing": _missing(profile, SERVICE_REQUIRED)}  # fmt: skip
