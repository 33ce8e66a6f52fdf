"""What the registry holds about a person: contact points with their address, centres they
curate or proposed."""

from __future__ import annotations

from typing import Any

from cchub.lib.personal import Person
from cchub.records.writes import delete
from cchub.registry.models import Centre, ContactPoint


def _contacts(person: Person) -> Any:
    if not person.email:
        return ContactPoint.objects.none()
    return ContactPoint.objects.filter(email__iexact=person.email)


def export(person: Person) -> dict[str, Any]:
    user = person.user
    mine = Centre.objects.none() if user is None else Centre.objects
    return {
        "contact_points": [c.as_record() for c in _contacts(person).select_related("centre")],
        "curator_of": [c.acronym for c in mine.filter(curators=user)],
        "centres_proposed": [c.acronym for c in mine.filter(proposed_by=user)],
    }


def erase(person: Person) -> dict[str, int]:
    """Contact points with the person's address are removed; their names are kept to be
    scrubbed from history."""
    removed = 0
    for contact in _contacts(person).select_related("centre"):
        person.extra_names.append(contact.name)
        delete(contact, None, note="erased at the person's request")
        removed += 1
    if person.user is not None:
        for centre in Centre.objects.filter(curators=person.user):
            centre.curators.remove(person.user)
    return {"contact points": removed}
