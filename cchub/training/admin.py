"""Administration of the training catalogue. A field a curator changes here is locked:
later ingestion of the same event or material leaves it as the curator set it."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest

from cchub.lib.admin import HarvestedReadOnly
from cchub.training.models import Event, LearningPath, Material, PathStep, Source


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("centre", "kind", "url", "enabled", "allow_private", "every_hours", "last_run_at")
    list_filter = ("kind", "enabled")
    readonly_fields = ("last_run_at", "last_report")
    actions = ["preview", "ingest_now"]

    @admin.action(description="Dry run: preview what would change")
    def preview(self, request: HttpRequest, queryset: Any) -> None:
        self._enqueue(request, queryset, dry_run=True)

    @admin.action(description="Ingest now (in the background)")
    def ingest_now(self, request: HttpRequest, queryset: Any) -> None:
        self._enqueue(request, queryset, dry_run=False)

    def _enqueue(self, request: HttpRequest, queryset: Any, dry_run: bool) -> None:
        from cchub.training.tasks import ingest_source

        for source in queryset:
            ingest_source.enqueue(source.pk, dry_run)
        messages.info(request, f"{queryset.count()} source(s) queued; the report appears on each source.")


class LockingAdmin(admin.ModelAdmin):
    readonly_fields = ("source",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change and obj.source_id:
            obj.locked_fields = sorted(set(obj.locked_fields) | (set(form.changed_data) - {"locked_fields"}))
        super().save_model(request, obj, form, change)


@admin.register(Event)
class EventAdmin(HarvestedReadOnly, LockingAdmin):
    list_display = ("title", "start", "mode", "level", "language")
    list_filter = ("mode", "level", "organisers")
    search_fields = ("title", "description")
    filter_horizontal = ("organisers", "competences")


@admin.register(Material)
class MaterialAdmin(HarvestedReadOnly, LockingAdmin):
    list_display = ("title", "format", "licence", "status")
    list_filter = ("status", "level")
    search_fields = ("title", "description")
    filter_horizontal = ("centres", "competences")


class PathStepInline(admin.TabularInline):
    model = PathStep
    extra = 1


@admin.register(LearningPath)
class LearningPathAdmin(admin.ModelAdmin):
    list_display = ("title", "role")
    inlines = [PathStepInline]
    filter_horizontal = ("competences",)
