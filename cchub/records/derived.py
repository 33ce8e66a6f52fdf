"""One mechanism for the views derived from records — the search index, the published
OAI-PMH items: a ``Derived`` holds the plugins the apps register (one per kind of record),
knows which models' changes touch them, and brings the affected records in step, at once or
once per record at the end of a ``watch.batch()``.

A plugin is anything with ``name``, ``model``, ``queryset()`` and ``related`` (other models
whose changes change it: model -> the affected records). The view supplies what bringing one
record in step means (``update``) and what a record that is gone means (``drop``).
``cchub.wiring`` registers the plugins and connects each view to the changes it follows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Generic, Protocol, TypeVar

from django.db import models

from cchub.records import watch

CHUNK = 500


class Plugin(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def model(self) -> type[models.Model]: ...
    @property
    def queryset(self) -> Callable[[], Any]: ...
    @property
    def related(self) -> dict[type[models.Model], Callable[[Any], Iterable[Any]]]: ...


P = TypeVar("P", bound=Plugin)


class Derived(Generic[P]):
    def __init__(
        self,
        name: str,
        update: Callable[[P, Any], object],
        drop: Callable[[P, Any], object],
        prepare: Callable[[Any], Any] = lambda qs: qs,
    ) -> None:
        self.name = name
        self.plugins: dict[str, P] = {}
        self._update, self._drop, self._prepare = update, drop, prepare

    def register(self, plugin: P) -> None:
        self.plugins[plugin.name] = plugin

    def watched_models(self) -> set[type[models.Model]]:
        found: set[type[models.Model]] = set()
        for plugin in self.plugins.values():
            found.add(plugin.model)
            found.update(plugin.related)
        return found

    def refresh_for(self, instance: models.Model, deleted: bool = False) -> None:
        """Bring in step what a change of ``instance`` affects (once per record inside
        ``watch.batch``)."""
        pending = watch.pending(self.name, self._flush)
        for plugin in self.plugins.values():
            for obj in watch.affected(instance, plugin.model, plugin.related):
                gone = deleted and obj is instance
                if pending is not None:
                    key = (plugin.name, obj.pk)
                    pending[key] = pending.get(key, False) or gone
                elif gone:
                    self._drop(plugin, obj.pk)
                else:
                    self._update(plugin, obj)

    def _flush(self, work: dict[Any, Any]) -> None:
        by_plugin: dict[str, list[Any]] = {}
        for (name, pk), gone in work.items():
            if gone:
                self._drop(self.plugins[name], pk)
            else:
                by_plugin.setdefault(name, []).append(pk)
        for name, pks in by_plugin.items():
            plugin = self.plugins[name]
            for start in range(0, len(pks), CHUNK):
                chunk = pks[start : start + CHUNK]
                found = {obj.pk: obj for obj in self._prepare(plugin.queryset().filter(pk__in=chunk))}
                for pk in chunk:
                    if pk in found:
                        self._update(plugin, found[pk])
                    else:
                        self._drop(plugin, pk)
