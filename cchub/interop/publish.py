"""What the hub publishes for harvesting, kept in step with the data.

An app describes each kind of record it shares with ``Kind`` — its full record (the
``cchub`` format), its Dublin Core view, its sets, which other models' changes change it,
and how a record of that kind harvested from another hub is written here — in
``interop/kinds/``; ``cchub.wiring`` registers it. Every change of a watched model re-publishes the affected
records inside the writer's transaction: an ``Item`` whose datestamp moves only when what
is published changes, and a tombstone when a record is deleted or stops being public.

After the transaction commits, the touched items are stamped once more with the commit
time, so a harvester that starts from the datestamp of its last harvest never misses a
record written by a long transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from cchub.interop.models import HarvestedRecord, Item, ItemSet, Source
from cchub.lib.text import slugify, unique_slug
from cchub.records.derived import Derived

SETS: dict[str, str] = {}  # spec -> name, for ListSets


@dataclass
class Incoming:
    """What receiving one harvested record knows: its source, the local record it already
    became (if any), how to find the local records its references name, and where to note
    problems that do not stop it."""

    source: Source
    harvested: HarvestedRecord
    local: Any
    resolve: Callable[[str], Any]
    problems: list[str] = field(default_factory=list)
    unresolved: int = 0

    def find(self, identifier: str) -> Any:
        found = self.resolve(identifier)
        if found is None:
            self.unresolved += 1
        return found

    def find_all(self, identifiers: Iterable[str]) -> list[Any]:
        return [x for x in (self.find(i) for i in identifiers) if x is not None]

    @property
    def apart(self) -> bool:
        return self.harvested.keep_apart

    @property
    def note(self) -> str:
        return f"harvested from {self.source.name}"

    def slug_for(self, model: type[models.Model], original: str) -> str:
        """The slug a new harvested record gets here: its own when free (and not kept apart
        from a look-alike), else one that names the source."""
        original = slugify(original or self.harvested.identifier.rsplit("/", 1)[-1], 70)
        if not self.apart and not model._default_manager.filter(slug=original).exists():
            return original
        return unique_slug(model, f"{original}-{self.source.slug}", 80)


@dataclass
class Kind:
    name: str  # "centre": part of the identifier
    label: str
    model: type[models.Model]
    queryset: Callable[[], Any]
    record: Callable[[Any], dict[str, Any] | None]  # None: not public
    dc: Callable[[Any, dict[str, Any]], dict[str, list[str]]]
    set_spec: str  # "centre", "training:event"
    sets: Callable[[Any], list[str]] = lambda obj: []  # more sets: ["cluster:escape"]
    related: dict[type[models.Model], Callable[[Any], Iterable[Any]]] = field(default_factory=dict)
    # Harvesting: write a record of this kind from a source (new or update) and return it;
    # a local record that looks like the same thing; remove a harvested record.
    receive: Callable[[dict[str, Any], Incoming], Any] | None = None
    twin: Callable[[dict[str, Any], Any], Any] | None = None
    remove: Callable[[Any], None] | None = None


def register(kind: Kind, sets: dict[str, str] | None = None) -> None:
    ITEMS.register(kind)
    SETS.update(sets or {})


def repository_id() -> str:
    """The namespace of our identifiers: ``oai:<this>:centre/escape-cc``."""
    configured = getattr(settings, "OAI_REPOSITORY_ID", "")
    if configured:
        return str(configured)
    host = settings.SITE_URL.split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    domain = re.fullmatch(r"[a-zA-Z][a-zA-Z0-9-]*(\.[a-zA-Z][a-zA-Z0-9-]*)+", host)
    return host if domain else "cchub.localhost"


def identifier(kind: str, key: str) -> str:
    return f"oai:{repository_id()}:{kind}/{key}"


def identifier_of(obj: Any) -> str:
    return identifier(kind_of(obj).name, obj.slug)


def kind_of(obj: Any) -> Kind:
    for kind in KINDS.values():
        if isinstance(obj, kind.model):
            return kind
    raise LookupError(f"{type(obj).__name__} is not published")


def set_specs(kind: Kind, obj: Any) -> list[str]:
    """The item's sets with every set above them (``training`` for ``training:event``)."""
    specs: list[str] = []
    for spec in [kind.set_spec, *kind.sets(obj)]:
        parts = spec.split(":")
        specs.extend(":".join(parts[: i + 1]) for i in range(len(parts)))
    return list(dict.fromkeys(specs))


def exportable(obj: Any) -> bool:
    """Ours, or harvested from a source whose records the administrator lets us re-export."""
    return getattr(obj, "origin_id", None) is None or bool(obj.origin.reexport)


def harvested_record(obj: Any) -> HarvestedRecord | None:
    """The harvested record a local record came from (None for our own records)."""
    if getattr(obj, "origin_id", None) is None:
        return None
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(type(obj))
    found = HarvestedRecord.objects.filter(content_type=ct, object_id=obj.pk, source_id=obj.origin_id)
    return found.select_related("source").first()


def provenance(obj: Any) -> dict[str, Any]:
    """For a re-exported harvested record: where it came from (the OAI-PMH ``about``)."""
    found = harvested_record(obj)
    if found is None:
        return {}
    return {
        "baseURL": found.source.url,
        "identifier": found.identifier,
        "datestamp": stamp(found.datestamp) if found.datestamp else "",
        "metadataNamespace": "",
        "harvestDate": stamp(found.harvested_at),
        "prefix": found.source.prefix,
    }


def stamp(when: dt.datetime) -> str:
    """An OAI-PMH datestamp: UTC, to the second."""
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def dublin_core(**elements: Any) -> dict[str, list[str]]:
    """A Dublin Core record: each element a list of non-empty strings (a single value or
    None is accepted too)."""
    record: dict[str, list[str]] = {}
    for name, value in elements.items():
        values = value if isinstance(value, list | tuple) else [value]
        kept = [str(v) for v in values if v not in (None, "")]
        if kept:
            record[name] = list(dict.fromkeys(kept))
    return record


def _checksum(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _restamp_after_commit(item_ids: list[int]) -> None:
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return
    pending = getattr(connection, "_cchub_restamp", None)
    if pending is None:
        pending = connection._cchub_restamp = set()  # type: ignore[attr-defined]

        def run() -> None:
            ids = list(connection._cchub_restamp)  # type: ignore[attr-defined]
            connection._cchub_restamp = None  # type: ignore[attr-defined]
            for start in range(0, len(ids), 500):
                Item.objects.filter(pk__in=ids[start : start + 500]).update(datestamp=timezone.now())

        transaction.on_commit(run)
    pending.update(item_ids)


def publish(kind: Kind, obj: Any, gone: bool = False) -> Item | None:
    """Bring the item of ``obj`` in step; returns it (None if it was never published)."""
    record = None if gone or not exportable(obj) else kind.record(obj)
    active = Item.objects.filter(kind=kind.name, object_id=obj.pk, deleted=False).first()
    now = timezone.now()
    if record is None:
        if active is not None:
            active.deleted, active.datestamp, active.record, active.dc = True, now, {}, {}
            active.checksum = ""
            active.save(update_fields=["deleted", "datestamp", "record", "dc", "checksum"])
            _restamp_after_commit([active.pk])
        return active
    ident = identifier(kind.name, obj.slug)
    dc = kind.dc(obj, record)
    about = provenance(obj)
    specs = set_specs(kind, obj)
    checksum = _checksum(record, dc, about, specs)
    if active is not None and active.identifier != ident:
        # The key changed (it should not): the old identifier is withdrawn.
        active.deleted, active.datestamp, active.record, active.dc, active.checksum = True, now, {}, {}, ""
        active.save()
        active = None
    item = active or Item.objects.filter(identifier=ident).first()
    if item is not None and not item.deleted and item.checksum == checksum and item.object_id == obj.pk:
        return item
    if item is None:
        item = Item(identifier=ident)
    item.kind, item.object_id, item.deleted = kind.name, obj.pk, False
    item.datestamp, item.record, item.dc, item.about, item.checksum = now, record, dc, about, checksum
    item.save()
    ItemSet.objects.filter(item=item).delete()
    ItemSet.objects.bulk_create([ItemSet(item=item, spec=s) for s in specs])
    _restamp_after_commit([item.pk])
    return item


def withdraw(kind: Kind, pk: Any) -> None:
    """A deleted record: its item becomes a tombstone."""
    now = timezone.now()
    ids = list(Item.objects.filter(kind=kind.name, object_id=pk, deleted=False).values_list("pk", flat=True))
    Item.objects.filter(pk__in=ids).update(deleted=True, datestamp=now, record={}, dc={}, checksum="")
    _restamp_after_commit(ids)


def _publish(kind: Kind, obj: Any) -> None:
    publish(kind, obj)


# The published items as a derived view of the records (kept in step as ``cchub.wiring``
# connects it).
ITEMS: Derived[Kind] = Derived(
    "interop", update=_publish, drop=withdraw, prepare=lambda qs: qs.select_related("origin")
)
KINDS = ITEMS.plugins
refresh_for = ITEMS.refresh_for
watched_models = ITEMS.watched_models


def source_changed(source: Source) -> None:
    """Re-publish a source's records (its re-export setting may have changed)."""
    for kind in KINDS.values():
        if any(f.name == "origin" for f in kind.model._meta.get_fields()):
            for obj in kind.queryset().filter(origin=source):
                publish(kind, obj)


def rebuild(progress: Callable[[str, int, int], None] | None = None) -> dict[str, int]:
    """Publish every record again (items whose content is unchanged keep their datestamp);
    records that no longer exist become tombstones."""
    counts: dict[str, int] = {}
    for kind in KINDS.values():
        qs = kind.queryset()
        total, seen, published = qs.count(), set(), 0
        with transaction.atomic():
            for done, obj in enumerate(qs.iterator(chunk_size=500), start=1):
                seen.add(obj.pk)
                item = publish(kind, obj)
                published += int(item is not None and not item.deleted)
                if progress and (done % 500 == 0 or done == total):
                    progress(kind.name, done, total)
            listed = Item.objects.filter(kind=kind.name, deleted=False).values_list("object_id", flat=True)
            for pk in set(listed) - seen:
                withdraw(kind, pk)
        counts[kind.name] = published
    return counts
