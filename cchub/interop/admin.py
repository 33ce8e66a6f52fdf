"""Administration of federation: the sources this hub harvests (with "harvest now" and
"forget"), their runs and their records (read-only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpRequest

from cchub.interop.models import Harvest, HarvestedRecord, Source


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "kind", "url", "enabled", "every_hours", "reexport", "harvested_until")
    list_filter = ("kind", "enabled", "reexport")
    readonly_fields = ("harvested_until", "created_at")
    prepopulated_fields = {"slug": ("name",)}
    actions = ["harvest_now", "harvest_full", "forget"]

    def _start(self, request: HttpRequest, queryset: Any, full: bool) -> None:
        from cchub.interop.harvest import start
        from cchub.interop.tasks import harvest_run

        runs = [start(source, full=full, user=request.user).pk for source in queryset]
        transaction.on_commit(lambda: [harvest_run.enqueue(pk) for pk in runs])
        messages.info(request, f"{queryset.count()} harvest(s) queued; follow them on the federation pages.")

    @admin.action(description="Harvest now (what changed)")
    def harvest_now(self, request: HttpRequest, queryset: Any) -> None:
        self._start(request, queryset, full=False)

    @admin.action(description="Harvest everything again")
    def harvest_full(self, request: HttpRequest, queryset: Any) -> None:
        self._start(request, queryset, full=True)

    @admin.action(description="Forget: remove the source and every record harvested from it")
    def forget(self, request: HttpRequest, queryset: Any) -> None:
        from cchub.interop.harvest import forget

        removed = sum(forget(source) for source in list(queryset))
        messages.success(request, f"Removed, with {removed} harvested record(s).")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # "forget" removes a source with its records


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Harvest)
class HarvestAdmin(ReadOnly):
    list_display = ("source", "started_at", "state", "pages", "counts")
    list_filter = ("state", "source")


@admin.register(HarvestedRecord)
class HarvestedRecordAdmin(ReadOnly):
    list_display = ("identifier", "source", "kind", "state", "datestamp", "harvested_at")
    list_filter = ("state", "kind", "source")
    search_fields = ("identifier",)
