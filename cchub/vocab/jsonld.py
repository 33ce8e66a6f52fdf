"""Concepts and concept schemes as schema.org DefinedTerm and DefinedTermSet."""

from __future__ import annotations

from typing import Any

from cchub.lib.jsonld import SCHEMA, clean, url, work
from cchub.vocab.models import Concept, ConceptScheme


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
            "subjectOf": work(citation.get("title", ""), citation.get("url", "")) if citation else None,
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
