"""Who may edit the registry: a network administrator everything, a centre's curators their
centre and what belongs to it (contacts, competence offers, services), any signed-in person
may propose a centre; nobody may change a record harvested from another hub."""

from __future__ import annotations

from typing import Any

from cchub.accounts.permissions import is_network_admin
from cchub.records.writes import harvested_from
from cchub.registry.models import Centre, CompetenceOffer, ContactPoint, Service


def curated_centre_ids(user: Any) -> set[int]:
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_cchub_curated", None)
    if cached is None:
        cached = set(user.curated_centres.values_list("pk", flat=True))
        user._cchub_curated = cached
    return set(cached)


def owning_centre_ids(obj: Any) -> set[int]:
    """The centres whose curators may edit ``obj``."""
    if isinstance(obj, Centre):
        return {obj.pk} if obj.pk else set()
    if isinstance(obj, ContactPoint | CompetenceOffer):
        return {obj.centre_id}
    if isinstance(obj, Service):
        return set(obj.centres.values_list("pk", flat=True)) if obj.pk else set()
    return set()


def can_edit(user: Any, obj: Any) -> bool:
    """May ``user`` change or delete ``obj``? Nobody may change a harvested record here."""
    if harvested_from(obj) is not None:
        return False
    if is_network_admin(user):
        return True
    owners = owning_centre_ids(obj)
    return bool(owners) and bool(owners & curated_centre_ids(user))


def can_create_for_centre(user: Any, centre_id: int | None) -> bool:
    """May ``user`` create a contact, offer or service belonging to ``centre_id``?"""
    if is_network_admin(user):
        return True
    return centre_id is not None and centre_id in curated_centre_ids(user)


def can_propose_centre(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)
