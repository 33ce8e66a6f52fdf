from __future__ import annotations

from django.contrib import admin

from cchub.history.admin import TrackedAdmin
from cchub.vocab.models import Concept, ConceptScheme


@admin.register(ConceptScheme)
class ConceptSchemeAdmin(admin.ModelAdmin):
    list_display = ("title", "slug")


@admin.register(Concept)
class ConceptAdmin(TrackedAdmin):
    list_display = ("pref_label", "notation", "scheme", "broader", "source")
    list_filter = ("scheme", "source")
    search_fields = ("pref_label", "notation", "definition")
    autocomplete_fields = ("broader",)
