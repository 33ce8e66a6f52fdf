"""What of the history a viewer may see.

History records every field of every write, private ones included (a contact's unpublished
address, the note an administrator gave when rejecting a proposal, a draft article's text),
and changes to records nobody outside may see yet (a pending or rejected centre, a proposed
glossary term). Every page that lists changes reads them through ``visible`` and shows their
fields through ``rows``, so the public history never tells more than the public record.

A tracked model takes part with two optional class members:

- ``HISTORY_PRIVATE_FIELDS``: names whose values are shown only to those who may see
  everything (their change is still listed, with the values withheld);
- ``history_hidden_pks()``: a classmethod returning the primary keys of records whose
  whole history is withheld (and, for a centre, the history of everything in it).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from cchub.history.models import Change

WITHHELD = "(not public)"


def _hidden_models() -> list[Any]:
    return [m for m in apps.get_models() if hasattr(m, "history_hidden_pks")]


def visible(changes: QuerySet[Change], reveal: bool = False) -> QuerySet[Change]:
    """``changes`` less those of records that are not public (all of them when ``reveal``)."""
    if reveal:
        return changes
    hidden = Q(pk__in=[])
    for model in _hidden_models():
        pks = [str(pk) for pk in model.history_hidden_pks()]
        if not pks:
            continue
        ct = ContentType.objects.get_for_model(model)
        hidden |= Q(content_type=ct, object_id__in=pks)
        if getattr(model, "HISTORY_HIDES_CENTRE", False):
            hidden |= Q(centre_id__in=[int(pk) for pk in pks])
    return changes.exclude(hidden)


def _private_fields(change: Change) -> frozenset[str]:
    model = change.content_type.model_class()
    return frozenset(getattr(model, "HISTORY_PRIVATE_FIELDS", ()))


def rows(change: Change, reveal: bool = False) -> list[dict[str, Any]]:
    """The change's field rows, with private values withheld unless ``reveal``."""
    result = change.field_diffs()
    if reveal:
        return result
    private = _private_fields(change)
    for row in result:
        if row["field"].replace(" ", "_") in private:
            row["old"] = WITHHELD if row["old"] not in (None, "") else row["old"]
            row["new"] = WITHHELD if row["new"] not in (None, "") else row["new"]
            row.pop("lines", None)
    return result


def note(change: Change, reveal: bool = False) -> str:
    """The note beside a change; a decision's note is the decider's own business."""
    if reveal or change.action not in (Change.APPROVE, Change.REJECT):
        return change.note
    return ""


def prepare(changes: Any, reveal: bool = False) -> list[Change]:
    """Changes ready to show: each with ``shown_rows`` and ``shown_note`` for the templates."""
    ready = []
    for change in changes:
        change.shown_rows = rows(change, reveal)  # type: ignore[attr-defined]
        change.shown_note = note(change, reveal)  # type: ignore[attr-defined]
        ready.append(change)
    return ready


def latest(changes: QuerySet[Change], reveal: bool, limit: int) -> list[Change]:
    """The newest ``limit`` changes the viewer may see, ready to show."""
    return prepare(visible(changes, reveal)[:limit], reveal)
