"""Demo training: the tutorials named in the seed documents and events of the other
clusters, written through the same path as every ingestor; two learning paths."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from django.db import transaction

from cchub.lib.text import slugify
from cchub.registry.models import COMPETENCES, Centre
from cchub.training.ingest import Report, write
from cchub.training.models import Event, LearningPath, Material, PathStep
from cchub.vocab.models import Concept

DATA = Path(__file__).with_name("training.json")


def load() -> tuple[Report, int]:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    by_centre: dict[str, list[dict[str, object]]] = defaultdict(list)
    for n, record in enumerate(data["records"], start=1):
        by_centre[str(record["centre"])].append({**record, "line": n})
    total = Report()
    with transaction.atomic():
        for slug, records in by_centre.items():
            report = write(records, Centre.objects.get(slug=slug))
            total.added += report.added
            total.updated += report.updated
            total.unchanged += report.unchanged
            total.rejected += report.rejected
        for spec in data["paths"]:
            path, _ = LearningPath.objects.update_or_create(
                slug=slugify(spec["title"], 80),
                defaults={"title": spec["title"], "role": spec["role"], "description": spec["description"]},
            )
            path.competences.set(
                Concept.objects.filter(scheme__slug=COMPETENCES, notation__in=spec["competences"])
            )
            path.steps.all().delete()
            for position, (topic, kind, title) in enumerate(spec["steps"], start=1):
                model = Event if kind == "event" else Material
                PathStep.objects.create(
                    path=path,
                    position=position,
                    topic=topic,
                    **{kind: model.objects.filter(title=title).first()},
                )
    return total, len(data["paths"])
