"""Glossary terms in the hub's search (approved and deprecated ones)."""

from __future__ import annotations

from cchub.glossary.models import Term
from cchub.registry.search import FACET_LABELS, VALUE_LABELS
from cchub.search import DocumentData, SearchType, register


def term_document(term: Term) -> DocumentData | None:
    if not term.is_public:
        return None
    translations = [
        f"{e.get('pref_label', '')} {e.get('definition', '')}" for e in term.translations.values()
    ]
    return DocumentData(
        title=f"{term.pref_label} ({', '.join(term.acronyms)})" if term.acronyms else term.pref_label,
        url=term.get_absolute_url(),
        keywords=[
            *term.acronyms,
            *term.alt_labels,
            *(v.get("pref_label", "") for v in term.translations.values()),
        ],
        body="\n".join(
            [term.definition, *term.examples, *(v.text for v in term.variants.all()), *translations]
        ),
        date=term.updated_at,
        facets={"cluster": [c.slug for c in term.clusters.all()], "status": [term.status]},
    )


def register_types() -> None:
    """Index glossary terms (called by ``cchub.wiring``)."""
    register(
        SearchType(
            name="term",
            label="Glossary",
            model=Term,
            build=term_document,
            queryset=lambda: Term.objects.prefetch_related("clusters", "variants"),
            facets=("cluster", "status"),
        ),
        {**FACET_LABELS, "status": "Status"},
        {**VALUE_LABELS, "status": lambda vs: {v: dict(Term.STATUSES).get(v, v) for v in vs}},
    )


def label_sets() -> list[list[str]]:
    """Synonyms for the search: each approved term's labels and acronyms name one thing."""
    rows = Term.objects.filter(status=Term.APPROVED).values_list("pref_label", "alt_labels", "acronyms")
    return [[pref, *alts, *acronyms] for pref, alts, acronyms in rows]
