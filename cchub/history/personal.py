"""History keeps who changed what: after an erasure, the person's identifiers are scrubbed
from every recorded value and note (the changes themselves stay, by an erased account)."""

from __future__ import annotations

from typing import Any

from cchub.history.models import Change
from cchub.lib.personal import Person


def export(person: Person) -> dict[str, Any]:
    if person.user is None:
        return {"changes_made": []}
    return {"changes_made": [
        {"at": c.at.isoformat(), "record": c.object_repr, "action": c.action, "note": c.note}
        for c in Change.objects.filter(user=person.user)
    ]}


def erase(person: Person) -> dict[str, int]:
    scrubbed = 0
    # Other people's records are in history too: only addresses and full names are taken out.
    needles = [x.lower() for x in person.identifiers(broad=False)]
    for change in Change.objects.all().iterator():
        text = f"{change.object_repr}\n{change.note}\n{change.changes}".lower()
        if not any(n in text for n in needles):
            continue
        Change.objects.filter(pk=change.pk).update(
            object_repr=person.scrub(change.object_repr, broad=False),
            note=person.scrub(change.note, broad=False),
            changes=person.scrub_value(change.changes, broad=False))
        scrubbed += 1
    return {"history entries scrubbed": scrubbed}
