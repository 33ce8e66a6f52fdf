"""REST endpoints of the registry: clusters, organisations, centres, contacts, offers,
services, and competences (the competence taxonomy's concepts)."""

# No ``from __future__ import annotations``: django-ninja reads these annotations at run time.

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from ninja import Router, Schema

from cchub.accounts.permissions import is_network_admin
from cchub.lib.api import Strict
from cchub.records.crud import Resource, add_crud, by_id, by_id_or_slug
from cchub.registry.models import (
    COMPETENCES,
    Centre,
    Cluster,
    CompetenceOffer,
    ContactPoint,
    Organisation,
    Service,
)
from cchub.registry.permissions import (
    can_create_for_centre,
    can_edit,
    can_propose_centre,
    curated_centre_ids,
)
from cchub.registry.queries import CENTRE_FILTERS, filter_centres
from cchub.vocab.models import Concept

router = Router()


def _admin_only(user: Any, *args: Any) -> bool:
    return is_network_admin(user)


def _base(obj: Any) -> dict[str, Any]:
    return {
        "id": obj.pk,
        "url": obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else None,
        "created_at": obj.created_at,
        "updated_at": obj.updated_at,
        "version": obj.version,
    }


def _search(qs: QuerySet[Any], q: str | None, *fields: str) -> QuerySet[Any]:
    if not q:
        return qs
    cond = Q()
    for f in fields:
        cond |= Q(**{f"{f}__icontains": q})
    return qs.filter(cond)


# --------------------------------------------------------------------------- clusters


class ClusterIn(Strict):
    slug: str | None = None
    acronym: str | None = None
    name: str | None = None
    domain: str | None = None
    description: str | None = None
    website: str | None = None
    position: int | None = None


class ClusterFilters(Schema):
    q: str | None = None


add_crud(router, Resource(
    name="clusters", model=Cluster, schema=ClusterIn, filters=ClusterFilters,
    queryset=lambda user: Cluster.objects.all(),
    filter=lambda qs, f, user: _search(qs, f.q, "acronym", "name"),
    serialize=lambda obj, user: {**_base(obj), **obj.as_record()},
    can_create=_admin_only, can_change=_admin_only, can_delete=_admin_only,
    lookup=by_id_or_slug,
))


# ---------------------------------------------------------------------- organisations


class OrganisationIn(Strict):
    slug: str | None = None
    name: str | None = None
    acronym: str | None = None
    country: str | None = None
    ror_id: str | None = None
    website: str | None = None


class OrganisationFilters(Schema):
    q: str | None = None
    country: str | None = None


def _filter_orgs(qs: QuerySet[Any], f: Any, user: Any) -> QuerySet[Any]:
    if f.country:
        qs = qs.filter(country=f.country.upper())
    return _search(qs, f.q, "name", "acronym")


add_crud(router, Resource(
    name="organisations", model=Organisation, schema=OrganisationIn, filters=OrganisationFilters,
    queryset=lambda user: Organisation.objects.all(),
    filter=_filter_orgs,
    serialize=lambda obj, user: {**_base(obj), **obj.as_record(), "ror_url": obj.ror_url},
    can_create=lambda user, data: is_network_admin(user) or bool(curated_centre_ids(user)),
    can_change=_admin_only, can_delete=_admin_only, lookup=by_id_or_slug,
))


# ---------------------------------------------------------------------------- centres


class CentreIn(Strict):
    slug: str | None = None
    acronym: str | None = None
    name: str | None = None
    kind: str | None = None
    clusters: list[str] | None = None
    countries: list[str] | None = None
    hosts: list[str] | None = None
    website: str | None = None
    helpdesk_email: str | None = None
    languages: list[str] | None = None
    description: str | None = None
    status: str | None = None
    mou_date: dt.date | None = None


class CentreFilters(Schema):
    q: str | None = None
    cluster: str | None = None
    country: str | None = None
    kind: str | None = None
    status: str | None = None
    competence: str | None = None
    review_state: str | None = None


def visible_centres(user: Any) -> QuerySet[Centre]:
    qs = Centre.objects.prefetch_related("clusters", "hosts")
    if is_network_admin(user):
        return qs
    if getattr(user, "is_authenticated", False):
        return qs.filter(
            Q(review_state=Centre.APPROVED) | Q(proposed_by=user) | Q(pk__in=curated_centre_ids(user))
        ).distinct()
    return qs.public()


def _filter_centres_api(qs: QuerySet[Any], f: Any, user: Any) -> QuerySet[Any]:
    if f.review_state and is_network_admin(user):
        qs = qs.filter(review_state=f.review_state)
    elif not f.review_state:
        qs = qs.filter(review_state=Centre.APPROVED)
    return filter_centres(qs, f.q or "", {name: [getattr(f, name) or ""] for name in CENTRE_FILTERS})


def serialize_centre(obj: Centre, user: Any) -> dict[str, Any]:
    record = obj.as_record()
    if not is_network_admin(user):
        record.pop("decision_note")
    record["logo"] = obj.logo.url if obj.logo else None
    return {**_base(obj), **record, "origin": obj.origin_summary()}


def prepare_centre(user: Any, data: dict[str, Any], obj: Any) -> dict[str, Any]:
    if obj.pk is None:
        if is_network_admin(user):
            data["review_state"] = Centre.APPROVED
        else:
            data["review_state"] = Centre.PENDING
            obj.proposed_by = user
    return data


add_crud(router, Resource(
    name="centres", model=Centre, schema=CentreIn, filters=CentreFilters,
    queryset=visible_centres, filter=_filter_centres_api, serialize=serialize_centre,
    can_create=lambda user, data: can_propose_centre(user),
    can_change=lambda user, obj, data: can_edit(user, obj),
    can_delete=lambda user, obj: is_network_admin(user),
    lookup=by_id_or_slug, prepare=prepare_centre,
))


# --------------------------------------------------------------------------- contacts


class ContactIn(Strict):
    centre: str | None = None
    name: str | None = None
    role: str | None = None
    orcid: str | None = None
    email: str | None = None
    email_public: bool | None = None
    position: int | None = None


class ContactFilters(Schema):
    centre: str | None = None
    q: str | None = None


def serialize_contact(obj: ContactPoint, user: Any) -> dict[str, Any]:
    record = obj.as_record()
    if not obj.email_public and not can_edit(user, obj):
        record["email"] = ""
    return {**_base(obj), "url": obj.centre.get_absolute_url(), **record}


def _centre_pk(data: dict[str, Any], obj: Any = None) -> int | None:
    ref = data.get("centre")
    if ref is None:
        return getattr(obj, "centre_id", None)
    centre = by_id_or_slug(Centre.objects.all(), str(ref))
    return centre.pk if centre else None


def _may_move(user: Any, obj: Any, data: dict[str, Any]) -> bool:
    """A curator changes records of their centres, and may not move them to another's."""
    if not can_edit(user, obj):
        return False
    return "centre" not in data or can_create_for_centre(user, _centre_pk(data, obj))


def _filter_by_centre(qs: QuerySet[Any], f: Any, user: Any) -> QuerySet[Any]:
    if f.centre:
        qs = qs.filter(centre__pk=int(f.centre)) if f.centre.isdigit() else qs.filter(centre__slug=f.centre)
    return qs


add_crud(router, Resource(
    name="contacts", model=ContactPoint, schema=ContactIn, filters=ContactFilters,
    queryset=lambda user: ContactPoint.objects.select_related("centre").filter(
        centre__in=visible_centres(user)),
    filter=lambda qs, f, user: _search(_filter_by_centre(qs, f, user), f.q, "name", "role"),
    serialize=serialize_contact,
    can_create=lambda user, data: can_create_for_centre(user, _centre_pk(data)),
    can_change=_may_move, can_delete=can_edit, lookup=by_id,
))


# ----------------------------------------------------------------------------- offers


class OfferIn(Strict):
    centre: str | None = None
    competence: str | None = None
    level: str | None = None
    evidence_url: str | None = None
    evidence_service: str | None = None
    evidence_note: str | None = None


class OfferFilters(Schema):
    centre: str | None = None
    competence: str | None = None
    level: str | None = None


def _filter_offers(qs: QuerySet[Any], f: Any, user: Any) -> QuerySet[Any]:
    qs = _filter_by_centre(qs, f, user)
    if f.competence:
        qs = qs.filter(competence__notation=f.competence)
    if f.level:
        qs = qs.filter(level=f.level)
    return qs


add_crud(router, Resource(
    name="offers", model=CompetenceOffer, schema=OfferIn, filters=OfferFilters,
    queryset=lambda user: CompetenceOffer.objects.select_related(
        "centre", "competence", "evidence_service").filter(centre__in=visible_centres(user)),
    filter=_filter_offers,
    serialize=lambda obj, user: {**_base(obj), "url": obj.centre.get_absolute_url(),
                                 **obj.as_record()},
    can_create=lambda user, data: can_create_for_centre(user, _centre_pk(data)),
    can_change=_may_move, can_delete=can_edit, lookup=by_id,
))


# --------------------------------------------------------------------------- services


class ServiceIn(Strict):
    slug: str | None = None
    name: str | None = None
    tagline: str | None = None
    description: str | None = None
    url: str | None = None
    centres: list[str] | None = None
    categories: list[str] | None = None
    domains: list[str] | None = None
    access_types: list[str] | None = None
    target_users: list[str] | None = None
    trl: str | None = None
    standards: list[str] | None = None
    helpdesk_email: str | None = None
    helpdesk_url: str | None = None
    terms_url: str | None = None


class ServiceFilters(Schema):
    q: str | None = None
    centre: str | None = None
    category: str | None = None
    domain: str | None = None


def _filter_services(qs: QuerySet[Any], f: Any, user: Any) -> QuerySet[Any]:
    if f.centre:
        qs = qs.filter(centres__slug=f.centre)
    if f.category:
        qs = qs.filter(categories__notation=f.category)
    if f.domain:
        qs = qs.filter(domains__notation=f.domain)
    return _search(qs, f.q, "name", "tagline", "description").distinct()


def _centre_ids(slugs: list[str] | None) -> set[int]:
    return set(Centre.objects.filter(slug__in=slugs or []).values_list("pk", flat=True))


def _may_set_service_centres(user: Any, obj: Any, data: dict[str, Any]) -> bool:
    if is_network_admin(user):
        return True
    if obj is not None and not can_edit(user, obj):
        return False
    if "centres" not in data:
        return obj is not None
    new = _centre_ids(data.get("centres"))
    old = set(obj.centres.values_list("pk", flat=True)) if obj is not None else set()
    curated = curated_centre_ids(user)
    return bool(new) and (new ^ old) <= curated


add_crud(router, Resource(
    name="services", model=Service, schema=ServiceIn, filters=ServiceFilters,
    queryset=lambda user: Service.objects.prefetch_related(
        "centres", "categories", "domains", "access_types", "target_users").select_related("trl"),
    filter=_filter_services,
    serialize=lambda obj, user: {**_base(obj), **obj.as_record(), "origin": obj.origin_summary()},
    can_create=lambda user, data: _may_set_service_centres(user, None, data),
    can_change=_may_set_service_centres,
    can_delete=can_edit, lookup=by_id_or_slug,
))


# ------------------------------------------------------------------------ competences


class CompetenceIn(Strict):
    notation: str | None = None
    pref_label: str | None = None
    alt_labels: list[str] | None = None
    hidden_labels: list[str] | None = None
    definition: str | None = None
    broader: str | None = None
    source: str | None = None
    source_iri: str | None = None
    source_note: str | None = None
    position: int | None = None


class CompetenceFilters(Schema):
    q: str | None = None
    broader: str | None = None
    top: bool | None = None


def _filter_competences(qs: QuerySet[Any], f: Any, user: Any) -> QuerySet[Any]:
    if f.broader:
        qs = qs.filter(broader__notation=f.broader)
    if f.top:
        qs = qs.filter(broader__isnull=True)
    return _search(qs, f.q, "pref_label", "definition", "notation")


def _serialize_competence(obj: Concept, user: Any) -> dict[str, Any]:
    citation = obj.citation()
    return {**_base(obj), **obj.as_record(), "citation": citation,
            "offered_by": obj.offers.filter(centre__review_state=Centre.APPROVED).count()}


def _prepare_competence(user: Any, data: dict[str, Any], obj: Any) -> dict[str, Any]:
    data["scheme"] = COMPETENCES
    return data


def _lookup_concept(qs: QuerySet[Any], ref: str) -> Any:
    return qs.filter(pk=int(ref)).first() if ref.isdigit() else qs.filter(notation=ref).first()


add_crud(router, Resource(
    name="competences", model=Concept, schema=CompetenceIn, filters=CompetenceFilters,
    queryset=lambda user: Concept.objects.filter(scheme__slug=COMPETENCES).select_related(
        "scheme", "broader"),
    filter=_filter_competences, serialize=_serialize_competence,
    can_create=_admin_only, can_change=_admin_only, can_delete=_admin_only,
    lookup=_lookup_concept, prepare=_prepare_competence,
))
