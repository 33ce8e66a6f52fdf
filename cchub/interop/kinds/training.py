"""How training events and materials are shared with other hubs (OAI-PMH) and received
from them. A received record is validated by the ingestors' own rules (``clean_record``),
marked with its origin, and read-only here; local ingestion leaves it alone."""

from __future__ import annotations

from typing import Any

from cchub.interop.publish import Incoming, Kind, dublin_core, identifier_of, register
from cchub.lib.countries import country_name
from cchub.lib.jsonld import url
from cchub.registry.models import Centre
from cchub.training import ingest
from cchub.training.ingest import clean_record, find, moment
from cchub.training.models import Event, Material

EVENT_FIELDS = tuple(f for f in ingest.EVENT_FIELDS if f not in ("start", "end"))
MATERIAL_FIELDS = tuple(f for f in ingest.MATERIAL_FIELDS if f != "date")


def event_record(event: Event) -> dict[str, Any]:
    return {
        "slug": event.slug,
        **{f: getattr(event, f) for f in EVENT_FIELDS},
        "start": event.start.isoformat(),
        "end": event.end.isoformat(),
        "organisers": [identifier_of(c) for c in event.organisers.all() if c.is_public],
        "competences": sorted(c.notation for c in event.competences.all()),
        "page": url(event.get_absolute_url()),
    }


def material_record(material: Material) -> dict[str, Any]:
    return {
        "slug": material.slug,
        **{f: getattr(material, f) for f in MATERIAL_FIELDS},
        "date": material.date.isoformat() if material.date else None,
        "centres": [identifier_of(c) for c in material.centres.all() if c.is_public],
        "competences": sorted(c.notation for c in material.competences.all()),
        "page": url(material.get_absolute_url()),
    }


def _subjects(item: Event | Material) -> list[str]:
    return [*item.keywords, *(c.pref_label for c in item.competences.all())]


def event_dc(event: Event, record: dict[str, Any]) -> dict[str, list[str]]:
    return dublin_core(
        title=event.title,
        description=event.description,
        identifier=[record["page"], event.url],
        type="Event",
        subject=_subjects(event),
        date=[event.start.date().isoformat(), event.end.date().isoformat()],
        coverage=[event.city, country_name(event.country) if event.country else ""],
        language=event.language,
        publisher=[c.name for c in event.organisers.all() if c.is_public],
    )


def material_dc(material: Material, record: dict[str, Any]) -> dict[str, list[str]]:
    return dublin_core(
        title=material.title,
        description=material.description,
        identifier=[record["page"], material.url, f"https://doi.org/{material.doi}" if material.doi else ""],
        type=["InteractiveResource", material.format],
        subject=_subjects(material),
        creator=list(material.authors),
        date=material.date.isoformat() if material.date else "",
        rights=f"https://spdx.org/licenses/{material.licence}" if material.licence else "",
        language=material.language,
        publisher=[c.name for c in material.centres.all() if c.is_public],
    )


def _cluster_sets(centres: Any) -> list[str]:
    return sorted({f"cluster:{k.slug}" for c in centres if c.is_public for k in c.clusters.all()})


def _receive(model: type[Event] | type[Material], data: dict[str, Any], incoming: Incoming) -> Any:
    values = clean_record({**data, "kind": "event" if model is Event else "material"})
    values.pop("_kind")
    competences = values.pop("_competences")
    item: Any = incoming.local or model(
        origin=incoming.source, slug=incoming.slug_for(model, str(data.get("slug", "")))
    )
    for key, value in values.items():
        setattr(item, key, value)
    item.save()
    centres = incoming.find_all(data.get("organisers" if model is Event else "centres", []))
    (item.organisers if model is Event else item.centres).set(centres)
    item.competences.set(competences)
    return item


def _twin(model: type[Event] | type[Material], data: dict[str, Any], local: Any) -> Any:
    """An event or material here with the same URL, or the same title (and start)."""
    values: dict[str, Any] = {"url": str(data.get("url") or ""), "title": str(data.get("title") or "")}
    if model is Event:
        try:
            zone = str(data.get("time_zone") or "Europe/Brussels")
            values["start"] = moment(data.get("start"), zone, "start")
        except ValueError:
            return None
    found = find(model, values)
    return None if found is None or (local is not None and found.pk == local.pk) else found


def _kind(model: type[Event] | type[Material], name: str, label: str, record: Any, dc: Any) -> Kind:
    """A kind of training record; its centres are ``organisers`` (events) or ``centres``."""
    centres, reverse = ("organisers", "events") if model is Event else ("centres", "materials")
    return Kind(
        name=name, label=label, model=model, set_spec=f"training:{name}",
        queryset=lambda: model.objects.prefetch_related(f"{centres}__clusters", "competences"),
        record=record, dc=dc, sets=lambda item: _cluster_sets(getattr(item, centres).all()),
        related={Centre: lambda c: getattr(c, reverse).all() if c.pk else []},
        receive=lambda data, incoming: _receive(model, data, incoming),
        twin=lambda data, local: _twin(model, data, local),
        remove=lambda obj: obj.delete(),
    )  # fmt: skip


def register_kinds() -> None:
    """Publish training events and materials (called by ``cchub.wiring``)."""
    register(_kind(Event, "event", "Training events", event_record, event_dc),
             sets={"training": "Training", "training:event": "Training events"})  # fmt: skip
    register(_kind(Material, "material", "Training materials", material_record, material_dc),
             sets={"training:material": "Training materials"})  # fmt: skip
