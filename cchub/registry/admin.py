from __future__ import annotations

from collections.abc import Sequence

from django.contrib import admin
from django.http import HttpRequest

from cchub.history.admin import TrackedAdmin
from cchub.lib.admin import HarvestedReadOnly
from cchub.registry.models import (
    Centre,
    Cluster,
    CompetenceOffer,
    ContactPoint,
    ImportJob,
    Organisation,
    Release,
    Service,
)


@admin.register(Cluster)
class ClusterAdmin(TrackedAdmin):
    list_display = ("acronym", "name", "domain", "position")
    prepopulated_fields = {"slug": ("acronym",)}


@admin.register(Organisation)
class OrganisationAdmin(TrackedAdmin):
    list_display = ("name", "acronym", "country", "ror_id")
    list_filter = ("country",)
    search_fields = ("name", "acronym", "ror_id")
    prepopulated_fields = {"slug": ("acronym",)}


@admin.register(Centre)
class CentreAdmin(HarvestedReadOnly, TrackedAdmin):
    list_display = ("acronym", "name", "kind", "status", "review_state", "updated_at")
    list_filter = ("kind", "status", "review_state", "clusters")
    search_fields = ("acronym", "name", "description")
    filter_horizontal = ("clusters", "hosts", "curators")
    prepopulated_fields = {"slug": ("acronym",)}

    def get_readonly_fields(self, request: HttpRequest, obj: Centre | None = None) -> tuple[str, ...]:
        stable = ("slug",) if obj is not None else ()
        return (*stable, *self.readonly_fields)

    def get_prepopulated_fields(
        self, request: HttpRequest, obj: Centre | None = None
    ) -> dict[str, Sequence[str]]:
        return {} if obj is not None else dict(self.prepopulated_fields)

    readonly_fields = ("proposed_by", "decided_by", "decided_at", "created_at", "updated_at")


@admin.register(Service)
class ServiceAdmin(HarvestedReadOnly, TrackedAdmin):
    list_display = ("name", "tagline", "trl")
    search_fields = ("name", "tagline", "description")
    filter_horizontal = ("centres", "categories", "domains", "access_types", "target_users")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(CompetenceOffer)
class OfferAdmin(TrackedAdmin):
    list_display = ("centre", "competence", "level")
    list_filter = ("level", "centre")
    autocomplete_fields = ("competence",)


@admin.register(ContactPoint)
class ContactAdmin(TrackedAdmin):
    list_display = ("name", "centre", "role", "email_public")
    search_fields = ("name", "role")


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = ("version", "title", "created_at", "created_by")
    readonly_fields = ("version", "title", "notes", "created_at", "created_by", "counts", "snapshot")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # releases are published from the Releases page or `cchub release`


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("file_name", "state", "dry_run", "created_by", "created_at")
    readonly_fields = ("file_name", "stored_path", "dry_run", "state", "report", "created_by",
                       "created_at", "finished_at")
