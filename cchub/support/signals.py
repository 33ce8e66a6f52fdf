"""Tell the router when what it learns from has changed in this process."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save

from cchub.registry.models import Centre, CompetenceOffer, Service
from cchub.support import routing
from cchub.support.models import Desk, Ticket, TicketEvent
from cchub.vocab.models import Concept


def _changed(sender: Any, **kwargs: Any) -> None:
    routing.changed()


def connect() -> None:
    for model in (Centre, CompetenceOffer, Service, Concept, Desk, Ticket, TicketEvent):
        post_save.connect(_changed, sender=model, dispatch_uid=f"routing-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"routing-delete-{model.__name__}")
    m2m_changed.connect(_changed, sender=Service.centres.through, dispatch_uid="routing-service-centres")
