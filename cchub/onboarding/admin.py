from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from cchub.onboarding import deposit
from cchub.onboarding.models import Call, DepositTarget, Output, Project, ProjectMember


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ("name", "programme", "opens", "closes")
    prepopulated_fields = {"slug": ("name",)}


class MemberInline(admin.TabularInline):
    model = ProjectMember
    extra = 1
    raw_id_fields = ("user",)


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("acronym", "title", "call", "cluster", "mentor_centre")
    list_filter = ("call", "cluster")
    search_fields = ("acronym", "title", "grant_id")
    filter_horizontal = ("partners",)
    raw_id_fields = ("mentor",)
    inlines = [MemberInline]


@admin.register(Output)
class OutputAdmin(admin.ModelAdmin):
    """Read-only here: the case changes through its page, where the rules are enforced."""

    list_display = ("title", "project", "kind", "state", "fair_score", "doi")
    list_filter = ("state", "kind", "project__call")
    search_fields = ("title", "project__acronym", "doi")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TargetForm(forms.ModelForm):
    token = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Personal access token of the repository (deposit:write, deposit:actions). "
        "Stored encrypted; "
        "never shown again. Leave empty to keep the current one.",
    )

    class Meta:
        model = DepositTarget
        fields = ["centre", "name", "base_url", "community", "allow_private"]


@admin.register(DepositTarget)
class DepositTargetAdmin(admin.ModelAdmin):
    form = TargetForm
    list_display = ("name", "centre", "base_url", "community", "token_set")
    readonly_fields = ("token_hint",)

    @admin.display(description="token")
    def token_set(self, obj: DepositTarget) -> str:
        return f"set (…{obj.token_hint})" if obj.token_encrypted else "not set"

    def save_model(self, request: HttpRequest, obj: DepositTarget, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if form.cleaned_data.get("token"):
            deposit.set_token(obj, form.cleaned_data["token"])
