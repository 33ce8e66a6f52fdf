"""Who is a network administrator. What each role may do with the records of an app is that
app's own rule (``registry.permissions`` for centres, ``support.permissions`` for tickets…).

Roles:
- network administrator: a superuser or a member of the "Network administrators" group;
  may do everything.
- centre curator: listed among a centre's curators; edits that centre and what it offers
  (contacts, competence offers, services).
- registered user: may propose new centres (they enter as pending).
- anonymous: reads public data.
"""

from __future__ import annotations

from typing import Any

ADMIN_GROUP = "Network administrators"


def is_network_admin(user: Any) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_cchub_is_admin", None)
    if cached is None:
        cached = user.groups.filter(name=ADMIN_GROUP).exists()
        user._cchub_is_admin = cached
    return bool(cached)
