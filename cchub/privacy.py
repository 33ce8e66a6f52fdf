"""The GDPR rights of access and erasure, in one place.

``export(person)`` gathers what every part of the hub holds about a person (their account,
questions, replies, mail, contact points, curated centres, glossary proposals, project
teams, the changes they made); ``erase(person)`` removes or anonymises it, part by part, in
one transaction: the account is anonymised ("erased-<id>", no address, no password, no
token, no role), their name and address leave their questions and every text of them, the
contact points with their address are removed, history keeps its changes with the
person's identifiers scrubbed. Tickets' technical content stays for the centres.

A person is found by their e-mail address (a guest without account) or their account.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from cchub.accounts import personal as accounts
from cchub.glossary import personal as glossary
from cchub.history import personal as history
from cchub.lib.personal import Person
from cchub.onboarding import personal as onboarding
from cchub.registry import personal as registry
from cchub.support import personal as support

# In erasure order: history last, so that it scrubs every name the others found.
PARTS = (("support", support), ("registry", registry), ("glossary", glossary),
         ("onboarding", onboarding), ("accounts", accounts), ("history", history))


def find(who: str) -> Person:
    """The person behind an e-mail address or a user name (an account, if one matches)."""
    who = who.strip()
    users = get_user_model().objects
    user = users.filter(username=who).first()
    if user is None and "@" in who:
        user = users.filter(email__iexact=who).first()
    email = user.email if user is not None and user.email else (who if "@" in who else "")
    return Person(email=email, user=user)


def export(person: Person) -> dict[str, Any]:
    data: dict[str, Any] = {"exported_at": timezone.now().isoformat(timespec="seconds"),
                            "email": person.email}
    for _, part in PARTS:
        data.update(part.export(person))
    return data


def erase(person: Person) -> dict[str, int]:
    counts: dict[str, int] = {}
    with transaction.atomic():
        if person.user is not None:
            person.extra_names.append(person.user.get_full_name())
        for _, part in PARTS:
            if part is accounts:
                # Scrub with the account's names before they are gone.
                person.extra_names += [person.user.get_username()] if person.user is not None else []
            counts.update(part.erase(person))
    return counts
