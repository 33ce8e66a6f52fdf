"""Administration of the helpdesk's settings: desks, service levels, supporters.
Tickets are worked in the hub's own pages, where every change is on the timeline;
the admin shows them read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cchub.support.models import (
    Article,
    BlockedSender,
    Coordinator,
    Desk,
    InboundMail,
    ServiceLevel,
    Supporter,
    TextModule,
    Ticket,
)


@admin.register(Desk)
class DeskAdmin(admin.ModelAdmin):
    list_display = (
        "centre",
        "accepts_tickets",
        "time_zone",
        "day_start",
        "day_end",
        "address_verified_at",
        "handover",
    )
    list_filter = ("accepts_tickets", "time_zone", "handover")
    readonly_fields = ("address_verified_at", "verified_address")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "centre",
                    "accepts_tickets",
                    "time_zone",
                    "work_days",
                    "day_start",
                    "day_end",
                    "holidays",
                )
            },
        ),
        (
            "Helpdesk address",
            {
                "fields": ("address_verified_at", "verified_address"),
                "description": "Confirmed from the centre's desk page (a link mailed to the address).",
            },
        ),
        (
            "Hand-over to the centre's own helpdesk",
            {"fields": ("handover", "handover_address", "handover_url", "handover_token", "handover_group")},
        ),
    )


@admin.register(TextModule)
class TextModuleAdmin(admin.ModelAdmin):
    list_display = ("name", "centre", "state", "updated_at")
    list_filter = ("centre",)
    search_fields = ("name", "body")


@admin.register(BlockedSender)
class BlockedSenderAdmin(admin.ModelAdmin):
    list_display = ("pattern", "reason", "created_by", "created_at")
    search_fields = ("pattern",)


@admin.register(Coordinator)
class CoordinatorAdmin(admin.ModelAdmin):
    list_display = ("user", "cluster")
    list_filter = ("cluster",)


@admin.register(ServiceLevel)
class ServiceLevelAdmin(admin.ModelAdmin):
    list_display = ("centre", "priority", "first_response_hours", "resolution_hours")
    list_filter = ("priority",)


@admin.register(Supporter)
class SupporterAdmin(admin.ModelAdmin):
    list_display = ("user", "centre", "is_lead")
    list_filter = ("is_lead", "centre")
    search_fields = ("user__username", "user__email", "centre__acronym")


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(ReadOnly):
    list_display = ("__str__", "state", "priority", "centre", "assignee", "created_at")
    list_filter = ("state", "priority", "escalated", "centre")
    search_fields = ("subject", "requester_email")


@admin.register(InboundMail)
class InboundMailAdmin(ReadOnly):
    list_display = ("received_at", "sender", "subject", "outcome", "ticket")
    search_fields = ("sender", "subject", "outcome")


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ("title", "centre", "status", "approved_at")
    list_filter = ("status", "centre")
    search_fields = ("title", "body")
