from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cchub.history.models import Change
from cchub.history.recorder import record, record_delete


@admin.register(Change)
class ChangeAdmin(admin.ModelAdmin):
    list_display = ("at", "object_repr", "action", "user", "content_type")
    list_filter = ("action", "content_type")
    search_fields = ("object_repr", "note")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class TrackedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose saves and deletes are recorded in the history like any other."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        request._cchub_before = (  # type: ignore[attr-defined]
            type(obj).objects.get(pk=obj.pk).as_record() if change else None
        )
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        obj = form.instance
        obj.refresh_from_db()
        action = Change.UPDATE if change else Change.CREATE
        record(obj, request.user, action, getattr(request, "_cchub_before", None), obj.as_record(),
               "admin")

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        record_delete(obj, request.user, "admin")
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)
