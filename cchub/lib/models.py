"""Abstract model pieces shared by the apps."""

from __future__ import annotations

from typing import Any

from django.core.validators import URLValidator
from django.db import models

from cchub.lib.validators import is_http_url, validate_http_url


class HttpURLField(models.URLField):
    """A URL field that holds http(s) addresses only.

    Every write path validates it (forms, the API, imports, ingestion, harvests); as the
    last guard, a value of another scheme (``javascript:``, ``data:``, ``file:``) that
    reaches ``save()`` by a path that skipped validation is stored blank, never as a link."""

    default_validators = [URLValidator(schemes=["http", "https"]), validate_http_url]

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = super().pre_save(model_instance, add)
        if value and not is_http_url(value):
            setattr(model_instance, self.attname, "")
            return ""
        return value


class Tracked(models.Model):
    """A record with created/updated dates and a version number used for ETags.

    ``version`` goes up by one on every save; the API sends it as the ETag and compares
    it with If-Match, so concurrent edits never silently overwrite each other.
    """

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            self.version = (self.version or 0) + 1
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "version", "updated_at"}
        super().save(*args, **kwargs)

    @property
    def etag(self) -> str:
        return f'"{self._meta.label_lower}-{self.pk}-v{self.version}"'


class Harvestable(models.Model):
    """A record that may come from another hub: ``origin`` is the source it was harvested
    from (None: it is ours). Harvested records are read-only here."""

    origin = models.ForeignKey(
        "interop.Source", null=True, blank=True, editable=False, on_delete=models.PROTECT,
        related_name="+", help_text="The hub or site this record was harvested from",
    )

    class Meta:
        abstract = True

    @property
    def is_harvested(self) -> bool:
        return self.origin_id is not None  # type: ignore[attr-defined]

    def origin_summary(self) -> dict[str, str] | None:
        """For the API: the hub or site a harvested record comes from (None: ours)."""
        source = self.origin if self.origin_id is not None else None  # type: ignore[attr-defined]
        if source is None:
            return None
        return {"source": source.slug, "name": source.name, "url": source.url}


def exportable() -> models.Q:
    """Records this hub may publish as its own: ours, or harvested from a source whose
    records the administrator lets it re-export (a filter for Harvestable models)."""
    return models.Q(origin__isnull=True) | models.Q(origin__reexport=True)


def blank_unsafe_urls(app_label: str, fields: dict[str, list[str]]) -> Any:
    """A migration step: blank stored URLs that are not http(s) (rows written before the
    fields were ``HttpURLField``); ``fields`` maps a model name to its URL fields."""

    def run(apps: Any, schema_editor: Any) -> None:
        for model_name, names in fields.items():
            model = apps.get_model(app_label, model_name)
            for name in names:
                for pk, value in model.objects.exclude(**{name: ""}).values_list("pk", name).iterator():
                    if value and not is_http_url(value):
                        model.objects.filter(pk=pk).update(**{name: ""})

    return run
