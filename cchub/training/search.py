"""Training events and materials in the hub's search."""

from __future__ import annotations

from cchub.registry.search import FACET_LABELS, VALUE_LABELS, concept_labels, with_ancestors
from cchub.search import DocumentData, SearchType, register
from cchub.training.models import LEVELS, Event, Material


def _competence_part(item: Event | Material) -> tuple[list[str], list[str]]:
    concepts = with_ancestors(list(item.competences.select_related("broader__broader")))
    return [label for c in concepts for label in concept_labels(c)], [c.notation for c in concepts]


def event_document(event: Event) -> DocumentData:
    labels, notations = _competence_part(event)
    organisers = list(event.organisers.all())
    return DocumentData(
        title=event.title,
        url=event.get_absolute_url(),
        keywords=[*event.keywords, *labels, *(c.acronym for c in organisers), event.city],
        body=f"{event.description}\n{' '.join(event.learning_outcomes)}",
        date=event.start,
        facets={
            "competence": notations,
            "cluster": sorted({k.slug for c in organisers for k in c.clusters.all()}),
            "language": [event.language],
            "level": [event.level] if event.level else [],
            "country": [event.country] if event.country else [],
        },
    )


def material_document(material: Material) -> DocumentData:
    labels, notations = _competence_part(material)
    centres = list(material.centres.all())
    return DocumentData(
        title=material.title,
        url=material.get_absolute_url(),
        keywords=[*material.keywords, *labels, *material.authors, *(c.acronym for c in centres)],
        body=material.description,
        date=None,
        facets={
            "competence": notations,
            "cluster": sorted({k.slug for c in centres for k in c.clusters.all()}),
            "language": [material.language],
            "level": [material.level] if material.level else [],
        },
    )


LEVEL_LABELS = {
    **VALUE_LABELS,
    "level": lambda vs: {v: dict(LEVELS).get(v, VALUE_LABELS["level"]([v])[v]) for v in vs},
}
def register_types() -> None:
    """Index training events and materials (called by ``cchub.wiring``)."""
    register(
        SearchType(
            name="event",
            label="Training events",
            model=Event,
            build=event_document,
            queryset=lambda: Event.objects.prefetch_related("organisers__clusters", "competences"),
            facets=("competence", "cluster", "language", "level", "country"),
        ),
        FACET_LABELS,
        LEVEL_LABELS,
    )
    register(
        SearchType(
            name="material",
            label="Training materials",
            model=Material,
            build=material_document,
            queryset=lambda: Material.objects.prefetch_related("centres__clusters", "competences"),
            facets=("competence", "cluster", "language", "level"),
        ),
        FACET_LABELS,
        LEVEL_LABELS,
    )
