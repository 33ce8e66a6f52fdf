"""How centres and services appear in the hub's search."""

from __future__ import annotations

from typing import Any

from cchub.lib.countries import country_name, language_name
from cchub.registry.models import COMPETENCES, Centre, Cluster, CompetenceOffer, Service
from cchub.search import DocumentData, SearchType, register
from cchub.vocab.models import Concept
from cchub.vocab.tree import top_ids


def concept_labels(concept: Concept) -> list[str]:
    return [concept.pref_label, *concept.alt_labels]


def with_ancestors(concepts: list[Concept]) -> list[Concept]:
    found: dict[int, Concept] = {}
    for c in concepts:
        for node in [c, *c.ancestors()]:
            found[node.pk] = node
    return list(found.values())


def centre_document(centre: Centre) -> DocumentData | None:
    if centre.review_state != Centre.APPROVED:
        return None
    offers = list(centre.offers.select_related("competence__broader__broader"))
    competences = with_ancestors([o.competence for o in offers])
    services = list(centre.services.all())
    keywords = [centre.acronym, centre.get_kind_display(), *(c.acronym for c in centre.clusters.all()),
                *(country_name(c) for c in centre.countries), *(language_name(x) for x in centre.languages),
                *(f"{o.name} {o.acronym}" for o in centre.hosts.all())]
    for concept in competences:
        keywords.extend(concept_labels(concept))
    body = "\n".join([centre.name, centre.description, *(f"{s.name}: {s.tagline}" for s in services)])
    return DocumentData(
        title=f"{centre.acronym} — {centre.name}", url=centre.get_absolute_url(), keywords=keywords,
        body=body, date=centre.updated_at,
        facets={
            "cluster": [c.slug for c in centre.clusters.all()],
            "country": list(centre.countries),
            "language": list(centre.languages),
            "competence": [c.notation for c in competences],
            "kind": [centre.kind],
            "level": sorted({o.level for o in offers}),
        },
    )


def service_document(service: Service) -> DocumentData:
    centres = [c for c in service.centres.all() if c.review_state == Centre.APPROVED]
    categories = list(service.categories.all())
    keywords = [service.tagline, *service.standards, *(c.acronym for c in centres)]
    for concept in [*categories, *service.domains.all(), *service.target_users.all()]:
        keywords.extend(concept_labels(concept))
    competences = with_ancestors([o.competence for o in service.evidence_for.select_related("competence")])
    for concept in competences:
        keywords.extend(concept_labels(concept))
    return DocumentData(
        title=service.name, url=service.get_absolute_url(), keywords=keywords,
        body=service.description, date=service.updated_at,
        facets={
            "category": [c.notation for c in categories],
            "cluster": sorted({k.slug for c in centres for k in c.clusters.all()}),
            "country": sorted({x for c in centres for x in c.countries}),
            "competence": [c.notation for c in competences],
            "domain": [d.notation for d in service.domains.all()],
        },
    )


def competence_document(concept: Concept) -> DocumentData | None:
    if concept.scheme.slug != COMPETENCES:
        return None
    chain = [concept, *concept.ancestors()]
    top = top_ids(COMPETENCES).get(concept.pk)
    keywords = [*concept.alt_labels, concept.notation, *(a.pref_label for a in chain[1:])]
    return DocumentData(
        title=concept.pref_label, url=concept.get_absolute_url(), keywords=keywords,
        body=f"{concept.definition}\n{concept.source_note}", date=concept.updated_at,
        facets={"competence": [c.notation for c in chain],
                "area": [c.notation for c in chain if c.pk == top]},
    )


def _concept_labels(values: list[str]) -> dict[str, str]:
    rows = Concept.objects.filter(notation__in=values).values_list("notation", "pref_label")
    return {**{v: v for v in values}, **dict(rows)}


VALUE_LABELS = {
    "cluster": lambda vs: {**{v: v for v in vs},
                           **dict(Cluster.objects.filter(slug__in=vs).values_list("slug", "acronym"))},
    "country": lambda vs: {v: country_name(v) for v in vs},
    "language": lambda vs: {v: language_name(v) for v in vs},
    "kind": lambda vs: {v: dict(Centre.KINDS).get(v, v) for v in vs},
    "level": lambda vs: {v: dict(CompetenceOffer.LEVELS).get(v, v) for v in vs},
    "competence": _concept_labels, "area": _concept_labels, "category": _concept_labels,
    "domain": _concept_labels,
}


def _centre_of(offer: CompetenceOffer) -> Any:
    return Centre.objects.filter(pk=offer.centre_id)


FACET_LABELS = {
    "cluster": "Cluster", "country": "Country", "language": "Language",
    "competence": "Competence", "kind": "Kind of centre", "level": "Level",
    "category": "Service category", "domain": "Scientific domain", "area": "Competence area",
}

def register_types() -> None:
    """Index centres, services and competences (called by ``cchub.wiring``)."""
    register(SearchType(
        name="centre", label="Centres", model=Centre, build=centre_document,
        queryset=lambda: Centre.objects.prefetch_related("clusters", "hosts", "services"),
        facets=("cluster", "country", "language", "competence", "kind", "level"),
        related={CompetenceOffer: _centre_of,
                 Service: lambda s: Centre.objects.filter(services=s) if s.pk else [],
                 Concept: lambda c: Centre.objects.filter(offers__competence=c).distinct()},
    ), FACET_LABELS, VALUE_LABELS)
    register(SearchType(
        name="service", label="Services", model=Service, build=service_document,
        queryset=lambda: Service.objects.prefetch_related(
            "centres__clusters", "categories", "domains", "target_users"),
        facets=("category", "cluster", "country", "competence", "domain"),
        related={Centre: lambda c: c.services.all() if c.pk else [],
                 CompetenceOffer: lambda o: Service.objects.filter(pk=o.evidence_service_id)},
    ), FACET_LABELS, VALUE_LABELS)
    register(SearchType(
        name="competence", label="Competences", model=Concept, build=competence_document,
        queryset=lambda: Concept.objects.filter(scheme__slug=COMPETENCES).select_related("scheme"),
        facets=("area", "competence"),
    ), FACET_LABELS, VALUE_LABELS)
