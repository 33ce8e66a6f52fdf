"""Abstract model pieces shared by the apps."""

from __future__ import annotations

from typing import Any

from django.db import models


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
