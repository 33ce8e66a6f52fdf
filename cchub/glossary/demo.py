"""The demo glossary: terms as the Glossary Task Force adopted them."""

from __future__ import annotations

import json
from pathlib import Path

from django.db import transaction

from cchub.glossary.models import Term, TermDefinition
from cchub.lib.text import slugify
from cchub.records import watch
from cchub.registry.models import Cluster

DATA_DIR = Path(__file__).resolve().parent / "data"


def load_glossary() -> dict[str, int]:
    """The demo glossary (glossary/data/glossary.json): terms approved, with their sources,
    translations, clusters, relations and the clusters' own definitions where they
    differ. Idempotent: terms are matched by slug and updated."""
    items = json.loads((DATA_DIR / "glossary.json").read_text(encoding="utf-8"))
    counts = {"terms": 0, "variants": 0}
    with transaction.atomic(), watch.batch():  # index and publish each term once, at the end
        terms: dict[str, Term] = {}
        keys: dict[str, Term] = {}
        for item in items:
            slug = slugify(item["label"], 70)
            term, _ = Term.objects.update_or_create(
                slug=slug,
                defaults={
                    "pref_label": item["label"],
                    "definition": item["definition"],
                    "source": item["source"],
                    "source_url": item["url"],
                    "acronyms": item["acronyms"],
                    "alt_labels": item["alt"],
                    "examples": item["examples"],
                    "translations": item.get("translations", {}),
                    "status": Term.APPROVED,
                    "decision": "Adopted with the demo glossary.",
                },
            )
            terms[slug] = term
            for label in [item["label"], *item["acronyms"], *item["alt"]]:
                keys.setdefault(slugify(label, 70), term)
            term.clusters.set(Cluster.objects.filter(slug__in=item["clusters"]))
            counts["terms"] += 1
        for item in items:
            term = terms[slugify(item["label"], 70)]
            term.broader.set([keys[k] for k in item["broader"] if k in keys])
            term.related.set([keys[k] for k in item["related"] if k in keys and keys[k] != term])
            for variant in item.get("variants", []):
                cluster = Cluster.objects.filter(slug=variant["cluster"]).first()
                if cluster is not None:
                    TermDefinition.objects.update_or_create(
                        term=term, cluster=cluster, defaults={"text": variant["text"]}
                    )
                    counts["variants"] += 1
    return counts
