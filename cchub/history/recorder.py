"""Recording changes: take a snapshot before a write, compare it after, store the difference.

A model takes part by having ``as_record() -> dict`` (the same plain, natural-key form used
by export) and, optionally, ``history_centre_id``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from cchub.history.models import Change


def diff_records(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, list[Any]]:
    before = before or {}
    after = after or {}
    keys = set(before) | set(after)
    return {
        k: [before.get(k), after.get(k)]
        for k in sorted(keys)
        if before.get(k) != after.get(k) and k not in {"updated_at", "version"}
    }


def _actor(user: Any) -> Any:
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def record(
    obj: models.Model,
    user: Any,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    note: str = "",
) -> Change | None:
    changes = diff_records(before, after)
    if action == Change.UPDATE and not changes:
        return None
    return Change.objects.create(
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        centre_id=getattr(obj, "history_centre_id", None),
        action=action,
        user=_actor(user),
        changes=changes,
        note=note[:500],
    )


@contextmanager
def tracked(obj: models.Model, user: Any, note: str = "") -> Iterator[None]:
    """Record the change made to ``obj`` inside the block (creation when it has no pk)."""
    creating = obj.pk is None
    before = None if creating else type(obj).objects.get(pk=obj.pk).as_record()  # type: ignore[attr-defined]
    yield
    obj.refresh_from_db()
    after = obj.as_record()  # type: ignore[attr-defined]
    record(obj, user, Change.CREATE if creating else Change.UPDATE, before, after, note)


def record_delete(obj: models.Model, user: Any, note: str = "") -> None:
    """Call before deleting ``obj``."""
    record(obj, user, Change.DELETE, obj.as_record(), None, note)  # type: ignore[attr-defined]


def history_for(obj: models.Model) -> models.QuerySet[Change]:
    ct = ContentType.objects.get_for_model(type(obj))
    return Change.objects.filter(content_type=ct, object_id=str(obj.pk)).select_related("user")
