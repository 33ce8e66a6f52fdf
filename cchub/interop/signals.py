"""Keeping the published items in step with every change (see ``publish``)."""

from __future__ import annotations

from django.db import models

from cchub.lib import watch


def connect() -> None:
    from cchub.interop import publish
    from cchub.interop.models import Source

    watch.follow(publish.watched_models(), _changed, "interop")
    watch.follow([Source], _source_changed, "interop-sources")


def _changed(instance: models.Model, deleted: bool) -> None:
    from cchub.interop import publish

    publish.refresh_for(instance, deleted=deleted)


def _source_changed(instance: models.Model, deleted: bool) -> None:
    from cchub.interop import publish
    from cchub.interop.models import Source

    if not deleted and isinstance(instance, Source):
        publish.source_changed(instance)
