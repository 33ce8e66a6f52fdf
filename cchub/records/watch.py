"""Following changes to records, for the derived views of them (the search index, the
OAI-PMH items; ``cchub.wiring`` says which): a listener is called with each saved, deleted
or re-linked instance inside the writer's transaction, so a derived view never disagrees
with the data.

Inside ``batch()`` (bulk imports) a listener collects its work in ``pending(name, flush)``
and each piece is done once, when the block ends — still inside the transaction."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save

Listener = Callable[[models.Model, bool], None]  # (instance, deleted)

_local = threading.local()


def follow(watched: Iterable[type[models.Model]], listener: Listener, uid: str) -> None:
    """Call ``listener(instance, deleted)`` after every save, delete and many-to-many change of
    the ``watched`` models (not for raw fixture loading, nor for links to user accounts, such as
    a centre's curators: no public view shows them)."""

    def saved(sender: Any, instance: models.Model, raw: bool = False, **kwargs: Any) -> None:
        if not raw:
            listener(instance, False)

    def deleted(sender: Any, instance: models.Model, **kwargs: Any) -> None:
        listener(instance, True)

    def linked(sender: Any, instance: models.Model, action: str, **kwargs: Any) -> None:
        if action in {"post_add", "post_remove", "post_clear"}:
            listener(instance, False)

    for model in watched:
        label = model._meta.label
        post_save.connect(saved, sender=model, weak=False, dispatch_uid=f"{uid}-save-{label}")
        post_delete.connect(deleted, sender=model, weak=False, dispatch_uid=f"{uid}-del-{label}")
        for field in model._meta.many_to_many:
            if field.related_model is get_user_model():
                continue  # who curates or reviews a record is in no view derived from it
            through = field.remote_field.through  # type: ignore[union-attr]
            m2m_changed.connect(
                linked, sender=through, weak=False, dispatch_uid=f"{uid}-m2m-{label}-{field.name}"
            )


def affected(
    instance: models.Model,
    model: type[models.Model],
    related: dict[type[models.Model], Callable[[Any], Iterable[Any]]],
) -> list[Any]:
    """The records of ``model`` that a change of ``instance`` touches: itself, if it is one,
    and those ``related`` names for its kind of record."""
    found: list[Any] = [instance] if isinstance(instance, model) else []
    for kind, touched in related.items():
        if isinstance(instance, kind):
            found.extend(touched(instance))
    return found


@contextmanager
def batch() -> Iterator[None]:
    """Collect the listeners' work during a bulk write and do each piece once at the end."""
    if getattr(_local, "batches", None) is not None:
        yield
        return
    _local.batches = {}
    try:
        yield
        batches, _local.batches = _local.batches, None
        for work, flush in batches.values():
            flush(work)
    finally:
        _local.batches = None


def pending(name: str, flush: Callable[[dict[Any, Any]], None]) -> dict[Any, Any] | None:
    """Inside ``batch()``: the named listener's dict of pending work (``flush`` gets it at the
    end); outside: None, and the listener works at once."""
    batches = getattr(_local, "batches", None)
    if batches is None:
        return None
    if name not in batches:
        batches[name] = ({}, flush)
    return batches[name][0]  # type: ignore[no-any-return]
