"""Administration of the helpdesk's settings: desks, service levels, supporters.
Tickets are worked in the hub's own pages, where every change is on the timeline;
the admin shows them read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cchub.support.models import Article, Desk, InboundMail, ServiceLevel, Supporter, Ticket


@admin.register(Desk)
class DeskAdmin(admin.ModelAdmin):
    list_display = ("centre", "accepts_tickets", "time_zone", "day_start", "day_end")
    list_filter = ("accepts_tickets", "time_zone")


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
