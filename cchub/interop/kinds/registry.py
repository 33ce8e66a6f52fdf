"""How centres and services are shared with other hubs (OAI-PMH) and received from them.

A centre's full record carries its clusters, hosts, competence offers and public contact
points (never a private address); references to other records are their OAI-PMH
identifiers, so the receiving hub links what it harvested. A received record is written
through the registry's one write path, marked with its origin and read-only here.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from cchub.interop.publish import Incoming, Kind, dublin_core, identifier_of, register
from cchub.lib.countries import country_name, language_name
from cchub.lib.jsonld import url
from cchub.lib.text import unique_slug
from cchub.records.writes import RecordInvalid, apply, delete
from cchub.registry.models import (
    ACCESS_TYPES,
    COMPETENCES,
    DOMAINS,
    SERVICE_CATEGORIES,
    TARGET_USERS,
    TRL,
    Centre,
    Cluster,
    CompetenceOffer,
    ContactPoint,
    Organisation,
    Service,
)
from cchub.vocab.models import Concept

CENTRE_FIELDS = (
    "acronym",
    "name",
    "kind",
    "status",
    "description",
    "website",
    "helpdesk_email",
    "countries",
    "languages",
)
SERVICE_FIELDS = (
    "name",
    "tagline",
    "description",
    "url",
    "standards",
    "helpdesk_email",
    "helpdesk_url",
    "terms_url",
)
SERVICE_VOCABULARIES = {
    "categories": SERVICE_CATEGORIES,
    "domains": DOMAINS,
    "access_types": ACCESS_TYPES,
    "target_users": TARGET_USERS,
}


# ------------------------------------------------------------------------------ out


def centre_record(centre: Centre) -> dict[str, Any] | None:
    if not centre.is_public:
        return None
    return {
        "slug": centre.slug,
        **{f: getattr(centre, f) for f in CENTRE_FIELDS},
        "mou_date": centre.mou_date.isoformat() if centre.mou_date else None,
        "clusters": [
            {"slug": k.slug, "acronym": k.acronym, "name": k.name, "website": k.website}
            for k in centre.clusters.all()
        ],
        "hosts": [o.as_record() for o in centre.hosts.all()],
        "offers": [
            {
                "competence": o.competence.notation,
                "level": o.level,
                "evidence_url": o.evidence_url,
                "evidence_note": o.evidence_note,
                "evidence_service": identifier_of(o.evidence_service) if o.evidence_service else "",
            }
            for o in centre.offers.select_related("competence", "evidence_service").order_by(
                "competence__notation", "level"
            )
        ],
        "contacts": [
            {
                "name": c.name,
                "role": c.role,
                "orcid": c.orcid,
                "email": c.public_email,
                "position": c.position,
            }
            for c in centre.contacts.all()
        ],
        "page": url(centre.get_absolute_url()),
    }


def centre_dc(centre: Centre, record: dict[str, Any]) -> dict[str, list[str]]:
    competences = (
        Concept.objects.filter(offers__centre=centre).distinct().values_list("pref_label", flat=True)
    )
    return dublin_core(
        title=f"{centre.name} ({centre.acronym})",
        description=centre.description,
        identifier=[record["page"], centre.website],
        type=["Organization", f"Competence Centre: {centre.get_kind_display()}"],
        subject=sorted(competences),
        coverage=[country_name(c) for c in centre.countries],
        language=list(centre.languages),
        relation=[url(k.get_absolute_url()) for k in centre.clusters.all()],
        contributor=[o.name for o in centre.hosts.all()],
        date=centre.updated_at.date().isoformat(),
    )


def service_record(service: Service) -> dict[str, Any]:
    return {
        "slug": service.slug,
        **{f: getattr(service, f) for f in SERVICE_FIELDS},
        "centres": [identifier_of(c) for c in service.centres.all() if c.is_public],
        **{name: sorted(c.notation for c in getattr(service, name).all()) for name in SERVICE_VOCABULARIES},
        "trl": service.trl.notation if service.trl else None,
        "page": url(service.get_absolute_url()),
    }


def service_dc(service: Service, record: dict[str, Any]) -> dict[str, list[str]]:
    return dublin_core(
        title=service.name,
        description=[service.tagline, service.description],
        identifier=[record["page"], service.url],
        type="Service",
        subject=[c.pref_label for c in [*service.categories.all(), *service.domains.all()]],
        publisher=[c.name for c in service.centres.all() if c.is_public],
        rights=service.terms_url,
        language=sorted({x for c in service.centres.all() for x in c.languages}, key=language_name),
        date=service.updated_at.date().isoformat(),
    )


def _cluster_sets(centres: Any) -> list[str]:
    return sorted({f"cluster:{k.slug}" for c in centres if c.is_public for k in c.clusters.all()})


# ------------------------------------------------------------------------------ in


def ensure_cluster(data: dict[str, Any]) -> str | None:
    """The local cluster a received record names (made when this hub lacks it)."""
    slug, acronym = str(data.get("slug") or ""), str(data.get("acronym") or "")
    found = Cluster.objects.filter(Q(slug=slug) | Q(acronym__iexact=acronym)).first()
    if found is None and slug and acronym:
        found = apply(
            Cluster(),
            {
                "slug": slug,
                "acronym": acronym,
                "name": data.get("name") or acronym,
                "website": data.get("website") or "",
            },
            None,
            note="harvested",
        )
    return found.slug if found else None


def _organisation(data: dict[str, Any]) -> str | None:
    ror, slug = str(data.get("ror_id") or ""), str(data.get("slug") or "")
    found = (Organisation.objects.filter(ror_id=ror).first() if ror else None) or (
        Organisation.objects.filter(slug=slug, ror_id__in=["", ror]).first()
    )
    if found is None and data.get("name"):
        fields = {k: data.get(k) or "" for k in ("name", "acronym", "country", "ror_id", "website")}
        if Organisation.objects.filter(slug=slug).exists() or not slug:
            slug = unique_slug(Organisation, str(data.get("acronym") or data["name"]), 60)
        found = apply(Organisation(), {"slug": slug, **fields}, None, note="harvested")
    return found.slug if found else None


def _known(scheme: str, notations: list[str], incoming: Incoming, what: str) -> list[str]:
    known = set(
        Concept.objects.filter(scheme__slug=scheme, notation__in=notations).values_list("notation", flat=True)
    )
    for missing in sorted(set(notations) - known):
        incoming.problems.append(f"{what} '{missing}' is not in this hub's vocabulary; left out")
    return [n for n in notations if n in known]


def _sync(existing: dict[Any, Any], wanted: dict[Any, dict[str, Any]], make: Any, incoming: Incoming) -> None:
    """Bring a centre's children (offers, contacts) to what the source says, key by key."""
    for key, obj in existing.items():
        if key not in wanted:
            delete(obj, None, note=incoming.note, harvest=True)
    for key, data in wanted.items():
        obj = existing.get(key) or make()
        try:
            apply(obj, data, None, note=incoming.note, harvest=True)
        except RecordInvalid as exc:
            incoming.problems.append(f"{key}: {exc}")


def receive_centre(data: dict[str, Any], incoming: Incoming) -> Centre:
    centre = incoming.local or Centre(origin=incoming.source)
    payload = {f: data.get(f) for f in CENTRE_FIELDS if f in data}
    if incoming.apart:
        payload["acronym"] = f"{data.get('acronym', '')} ({incoming.source.slug})"[:40]
    payload.update(
        mou_date=data.get("mou_date") or None,
        review_state=Centre.APPROVED,
        clusters=[s for s in (ensure_cluster(k) for k in data.get("clusters", [])) if s],
        hosts=[s for s in (_organisation(o) for o in data.get("hosts", [])) if s],
    )
    if centre.pk is None:
        payload["slug"] = incoming.slug_for(Centre, str(data.get("slug", "")))
    apply(centre, payload, None, note=incoming.note, harvest=True)
    offers = {}
    for offer in data.get("offers", []):
        notation = _known(COMPETENCES, [str(offer.get("competence", ""))], incoming, "competence")
        if not notation:
            continue
        service = incoming.find(offer["evidence_service"]) if offer.get("evidence_service") else None
        offers[(notation[0], offer.get("level"))] = {
            "centre": centre.slug,
            "competence": notation[0],
            "level": offer.get("level"),
            "evidence_url": offer.get("evidence_url") or "",
            "evidence_note": offer.get("evidence_note") or "",
            "evidence_service": service.slug if service else None,
        }
    _sync(
        {(o.competence.notation, o.level): o for o in centre.offers.select_related("competence")},
        offers,
        CompetenceOffer,
        incoming,
    )
    contacts = {
        (c.get("name"), c.get("role") or ""): {
            "centre": centre.slug,
            "name": c.get("name"),
            "role": c.get("role") or "",
            "orcid": c.get("orcid") or "",
            "email": c.get("email") or "",
            "email_public": bool(c.get("email")),
            "position": c.get("position") or 0,
        }
        for c in data.get("contacts", [])
    }
    _sync({(c.name, c.role): c for c in centre.contacts.all()}, contacts, ContactPoint, incoming)
    return centre


def centre_twin(data: dict[str, Any], local: Any) -> Centre | None:
    """A centre here that looks like the received one: same slug, acronym or name (a shared
    website is not enough: a cluster's working groups share theirs)."""
    q = (
        Q(slug=data.get("slug", ""))
        | Q(acronym__iexact=data.get("acronym", ""))
        | Q(name__iexact=data.get("name", ""))
    )
    qs = Centre.objects.filter(q)
    return qs.exclude(pk=local.pk).first() if local is not None else qs.first()


def receive_service(data: dict[str, Any], incoming: Incoming) -> Service:
    service = incoming.local or Service(origin=incoming.source)
    payload: dict[str, Any] = {f: data.get(f) for f in SERVICE_FIELDS if f in data}
    for name, scheme in SERVICE_VOCABULARIES.items():
        payload[name] = _known(scheme, list(data.get(name) or []), incoming, name.replace("_", " ")[:-1])
    trl = _known(TRL, [data["trl"]], incoming, "TRL") if data.get("trl") else []
    payload["trl"] = trl[0] if trl else None
    payload["centres"] = [c.slug for c in incoming.find_all(data.get("centres", []))]
    if service.pk is None:
        payload["slug"] = incoming.slug_for(Service, str(data.get("slug", "")))
    return apply(service, payload, None, note=incoming.note, harvest=True)


def service_twin(data: dict[str, Any], local: Any) -> Service | None:
    qs = Service.objects.filter(Q(slug=data.get("slug", "")) | Q(name__iexact=data.get("name", "")))
    return qs.exclude(pk=local.pk).first() if local is not None else qs.first()


def _remove(obj: Any) -> None:
    delete(obj, None, note=f"deleted at its origin, {obj.origin}", harvest=True)


def register_kinds() -> None:
    """Publish centres and services (called by ``cchub.wiring``)."""
    register(
        Kind(
            name="centre",
            label="Competence Centres",
            model=Centre,
            set_spec="centre",
            queryset=lambda: Centre.objects.prefetch_related("clusters", "hosts", "contacts"),
            record=centre_record,
            dc=centre_dc,
            sets=lambda c: _cluster_sets([c]),
            related={
                CompetenceOffer: lambda o: Centre.objects.filter(pk=o.centre_id),
                ContactPoint: lambda c: Centre.objects.filter(pk=c.centre_id),
                Cluster: lambda k: k.centres.all() if k.pk else [],
                Organisation: lambda o: o.hosted_centres.all() if o.pk else [],
            },
            receive=receive_centre,
            twin=centre_twin,
            remove=_remove,
        ),
        sets={"centre": "Competence Centres", "cluster": "Science clusters"},
    )
    register(
        Kind(
            name="service",
            label="Services",
            model=Service,
            set_spec="service",
            queryset=lambda: Service.objects.prefetch_related(
                "centres__clusters", "categories", "domains", "access_types", "target_users"
            ).select_related("trl"),
            record=service_record,
            dc=service_dc,
            sets=lambda s: _cluster_sets(s.centres.all()),
            related={Centre: lambda c: c.services.all() if c.pk else []},
            receive=receive_service,
            twin=service_twin,
            remove=_remove,
        ),
        sets={"service": "Services"},
    )
