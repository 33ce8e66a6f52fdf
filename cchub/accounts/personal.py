"""The account itself: exported whole, erased by anonymising (the records it made stay,
by "erased-<id>", so that history and tickets keep their shape)."""

from __future__ import annotations

from typing import Any

from cchub.accounts.models import ApiToken
from cchub.lib.personal import Person


def export(person: Person) -> dict[str, Any]:
    user = person.user
    if user is None:
        return {"account": None}
    return {"account": {
        "username": user.get_username(), "email": user.email, "first_name": user.first_name,
        "last_name": user.last_name, "joined": user.date_joined.isoformat(),
        "last_login": user.last_login.isoformat() if user.last_login else None,
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "api_tokens": [{"name": t.name, "starts_with": t.prefix, "created": t.created_at.isoformat(),
                        "last_used": t.last_used_at.isoformat() if t.last_used_at else None}
                       for t in ApiToken.objects.filter(user=user)],
    }}


def erase(person: Person) -> dict[str, int]:
    user = person.user
    if user is None:
        return {"accounts": 0}
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        model.objects.filter(username=user.get_username()).delete()
    ApiToken.objects.filter(user=user).delete()
    user.groups.clear()
    user.username = f"erased-{user.pk}"
    user.email = user.first_name = user.last_name = ""
    user.is_active = user.is_staff = user.is_superuser = False
    user.set_unusable_password()
    user.save()
    return {"accounts": 1}
