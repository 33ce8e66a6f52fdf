"""The one write path of the records (the registry's, the vocabularies').

API, pages and importers hand a plain dict with natural keys (slugs, concept notations) to
``apply``; it resolves references, validates the whole record, saves it with its
many-to-many links in one transaction and records the change in the history. Problems are
raised together as ``RecordInvalid`` with a message per field, and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from django.core.exceptions import ValidationError
from django.db import models, transaction

from cchub.history.recorder import record_delete, tracked
from cchub.lib.text import clean_text, unique_slug

M = TypeVar("M", bound=models.Model)


class RecordInvalid(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Ref:
    """How a natural key in the input names another record."""

    model: type[models.Model]
    key: str
    scheme: str | None = None

    def resolve(self, value: Any) -> models.Model | None:
        if value is None or value == "":
            return None
        qs = self.model._default_manager.all()
        if self.scheme:
            qs = qs.filter(scheme__slug=self.scheme)
        if isinstance(value, int) and not isinstance(value, bool):
            return qs.filter(pk=value).first()
        if not isinstance(value, str):
            return None
        return qs.filter(**{self.key: value.strip()}).first()


@dataclass(frozen=True)
class Spec:
    fields: tuple[str, ...]
    fk: dict[str, Ref] = field(default_factory=dict)
    m2m: dict[str, Ref] = field(default_factory=dict)
    plain_text: tuple[str, ...] = ()
    slug_from: tuple[str, ...] = ()
    # Related records deleted with it whose deletion is recorded too (a centre's offers).
    children: tuple[str, ...] = ()


# Every kind of record the write path takes, and how (``cchub.wiring`` registers each
# app's specs).
SPECS: dict[type[models.Model], Spec] = {}


def register(specs: dict[type[models.Model], Spec]) -> None:
    SPECS.update(specs)


def _validation_messages(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {("record" if k == "__all__" else k): list(v) for k, v in exc.message_dict.items()}
    return {"record": list(exc.messages)}


def assign(obj: models.Model, data: dict[str, Any], *, partial: bool) -> dict[str, list[Any]]:
    """Set ``data`` on ``obj``; return the resolved many-to-many values. Raises RecordInvalid."""
    spec = SPECS[type(obj)]
    allowed = set(spec.fields) | set(spec.fk) | set(spec.m2m)
    errors: dict[str, list[str]] = {}
    for key in data:
        if key not in allowed:
            errors[key] = [f"Unknown field; expected one of: {', '.join(sorted(allowed))}."]
    if obj.pk is not None and "slug" in data and data["slug"] not in (None, getattr(obj, "slug", None)):
        errors["slug"] = ["The slug is part of the record's stable URL and cannot be changed."]
    for name in spec.fields:
        if name not in data or name in errors:
            continue
        value = data[name]
        if value is None:
            model_field = cast(models.Field, obj._meta.get_field(name))  # type: ignore[type-arg]
            value = None if model_field.null else model_field.get_default()
        if name in spec.plain_text and isinstance(value, str):
            value = clean_text(value)
        setattr(obj, name, value)
    for name, ref in spec.fk.items():
        if name not in data:
            continue
        target = ref.resolve(data[name])
        if data[name] not in (None, "") and target is None:
            errors[name] = [f"No {ref.model._meta.verbose_name} with {ref.key} {data[name]!r}."]
        else:
            setattr(obj, name, target)
    links: dict[str, list[Any]] = {}
    for name, ref in spec.m2m.items():
        if name not in data:
            continue
        values = data[name]
        if values is None:
            values = []
        if not isinstance(values, list):
            errors[name] = ["Give a list."]
            continue
        found: list[Any] = []
        missing: list[Any] = []
        for value in values:
            target = ref.resolve(value)
            (found if target is not None else missing).append(target if target else value)
        if missing:
            what = ref.model._meta.verbose_name
            errors[name] = [f"Unknown {what}: {', '.join(map(str, missing))}."]
        links[name] = found
    if spec.slug_from and not getattr(obj, "slug", ""):
        base = next((getattr(obj, f) for f in spec.slug_from if getattr(obj, f, "")), "")
        if base:
            obj.slug = unique_slug(type(obj), base, 60, exclude_pk=obj.pk)  # type: ignore[attr-defined]
    exclude = [f for f in spec.fk if f in errors]
    try:
        obj.full_clean(exclude=exclude or None, validate_unique=True)
    except ValidationError as exc:
        for key, messages in _validation_messages(exc).items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise RecordInvalid(errors)
    if not partial:
        for name in spec.m2m:
            links.setdefault(name, [])
    return links


def harvested_from(obj: models.Model) -> Any:
    """The source a record (or the centre it belongs to) was harvested from, or None."""
    for candidate in (obj, getattr(obj, "centre", None) if getattr(obj, "centre_id", None) else None):
        if candidate is not None and getattr(candidate, "origin_id", None) is not None:
            return candidate.origin  # type: ignore[union-attr]
    return None


def refuse_harvested(obj: models.Model) -> None:
    origin = harvested_from(obj)
    if origin is not None:
        message = f"Harvested from {origin}: it is read-only here; change it at its origin."
        raise RecordInvalid({"record": [message]})


def apply(
    obj: M, data: dict[str, Any], user: Any, *, partial: bool = False, note: str = "", harvest: bool = False
) -> M:
    """Validate and save ``obj`` with ``data``, set its links and record the change.
    Harvested records are refused unless the harvester itself writes (``harvest``)."""
    if not harvest:
        refuse_harvested(obj)
    with transaction.atomic():
        links = assign(obj, data, partial=partial)
        if not harvest:
            refuse_harvested(obj)  # a new offer or contact of a harvested centre
        with tracked(obj, user, note):
            obj.save()
            for name, values in links.items():
                getattr(obj, name).set(values)
    return obj


def delete(obj: models.Model, user: Any, note: str = "", harvest: bool = False) -> None:
    """Delete ``obj`` and record it, with the children its spec names."""
    if not harvest:
        refuse_harvested(obj)
    with transaction.atomic():
        for name in SPECS[type(obj)].children if type(obj) in SPECS else ():
            for child in getattr(obj, name).all():
                record_delete(child, user, note)
        record_delete(obj, user, note)
        try:
            obj.delete()
        except models.ProtectedError as exc:
            names = ", ".join(sorted({str(o) for o in exc.protected_objects})[:5])
            raise RecordInvalid(
                {"record": [f"Still referenced by: {names}. Remove those references first."]}
            ) from exc
