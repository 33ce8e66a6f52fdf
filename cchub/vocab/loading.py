"""Loading concept schemes from the JSON files shipped in ``vocab/data`` or an export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from cchub.vocab.models import Concept, ConceptScheme

DATA_DIR = Path(__file__).resolve().parent / "data"
BUILTIN = [
    "competences",
    "scientific-domains",
    "service-categories",
    "trl",
    "access-types",
    "target-users",
]
CONCEPT_FIELDS = (
    "pref_label",
    "alt_labels",
    "hidden_labels",
    "definition",
    "source",
    "source_iri",
    "source_note",
    "position",
)


class SchemeInvalid(Exception):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def builtin_scheme_data(slug: str) -> dict[str, Any]:
    return json.loads((DATA_DIR / f"{slug}.json").read_text(encoding="utf-8"))


def upsert_scheme(data: dict[str, Any], *, overwrite: bool = True) -> tuple[ConceptScheme, int, int]:
    """Create or update a scheme and its concepts; returns (scheme, created, updated).

    With ``overwrite=False`` existing concepts are left as curators edited them and only
    missing ones are added. Raises SchemeInvalid naming every bad concept.
    """
    errors: list[str] = []
    slug = data.get("slug")
    if not isinstance(slug, str) or not slug:
        raise SchemeInvalid(["scheme: 'slug' is required"])
    concepts = data.get("concepts") or []
    if not isinstance(concepts, list):
        raise SchemeInvalid([f"scheme {slug}: 'concepts' must be a list"])
    with transaction.atomic():
        scheme, made = ConceptScheme.objects.get_or_create(
            slug=slug, defaults={"title": data.get("title") or slug}
        )
        if made or overwrite:
            scheme.title = data.get("title") or slug
            scheme.description = data.get("description", "")
            scheme.sources = data.get("sources", [])
            scheme.save()
        existing = {c.notation: c for c in scheme.concepts.all()}
        created = updated = 0
        touched: list[tuple[Concept, str | None]] = []
        for i, row in enumerate(concepts):
            notation = row.get("notation") if isinstance(row, dict) else None
            if not isinstance(notation, str) or not notation:
                errors.append(f"scheme {slug}, concept #{i + 1}: 'notation' is required")
                continue
            concept = existing.get(notation)
            if concept is not None and not overwrite:
                continue
            if concept is None:
                concept = Concept(scheme=scheme, notation=notation)
                created += 1
            else:
                updated += 1
            for name in CONCEPT_FIELDS:
                if name in row:
                    setattr(concept, name, row[name] if row[name] is not None else "")
            concept.alt_labels = list(concept.alt_labels or [])
            concept.hidden_labels = list(concept.hidden_labels or [])
            touched.append((concept, row.get("broader")))
        for concept, _ in touched:
            try:
                concept.full_clean(exclude=["broader", "scheme"])
            except ValidationError as exc:
                errors.append(f"scheme {slug}, concept {concept.notation}: {exc.messages}")
                continue
            concept.save()
            existing[concept.notation] = concept
        for concept, broader in touched:
            if concept.pk is None:
                continue
            parent = existing.get(broader) if broader else None
            if broader and parent is None:
                errors.append(f"scheme {slug}, concept {concept.notation}: unknown broader {broader!r}")
                continue
            if concept.broader_id != (parent.pk if parent else None):
                concept.broader = parent
                try:
                    concept.clean()
                except ValidationError as exc:
                    errors.append(f"scheme {slug}, concept {concept.notation}: {exc.messages}")
                    continue
                concept.save(update_fields=["broader"])
        if errors:
            raise SchemeInvalid(errors)
    return scheme, created, updated


def ensure_builtin_vocabularies() -> int:
    """Add the shipped vocabularies' missing concepts; never overwrite curated ones."""
    added = 0
    for slug in BUILTIN:
        _, created, _ = upsert_scheme(builtin_scheme_data(slug), overwrite=False)
        added += created
    return added


def export_scheme(scheme: ConceptScheme) -> dict[str, Any]:
    concepts = scheme.concepts.select_related("broader").order_by("position", "notation")
    return {
        "slug": scheme.slug,
        "title": scheme.title,
        "description": scheme.description,
        "sources": scheme.sources,
        "concepts": [
            {
                "notation": c.notation,
                "broader": c.broader.notation if c.broader else None,
                **{name: getattr(c, name) for name in CONCEPT_FIELDS},
            }
            for c in concepts
        ],
    }
