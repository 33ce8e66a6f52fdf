"""Who may do what with a ticket.

Roles, from the ticket's point of view:
- requester: the person who asked (signed in, or a guest holding the ticket's link);
- supporter: belongs to the centre that holds the ticket;
- collaborator: belongs to a centre invited to help (sees the ticket, writes notes and
  replies, but the ticket stays with its centre);
- triager: member of the "Triagers" group; works the network's triage queue;
- network administrator: everything, including escalations.
Everyone else sees nothing of a ticket.
"""

from __future__ import annotations

from typing import Any

from cchub.accounts.permissions import is_network_admin
from cchub.support.models import FINISHED_STATES, Supporter, Ticket

TRIAGE_GROUP = "Triagers"

# action -> roles allowed
RULES: dict[str, set[str]] = {
    "view": {"requester", "supporter", "collaborator", "triager", "admin"},
    "reply": {"requester", "supporter", "collaborator", "triager", "admin"},
    "note": {"supporter", "collaborator", "triager", "admin"},
    "attach": {"requester", "supporter", "collaborator", "triager", "admin"},
    "state": {"supporter", "admin"},
    "priority": {"supporter", "triager", "admin"},
    "assign": {"supporter", "admin"},
    "place": {"triager", "admin"},  # send a triage ticket to a centre
    "transfer": {"supporter", "triager", "admin"},
    "refer": {"supporter", "admin"},
    "escalate": {"supporter", "collaborator", "admin"},
    "invite": {"supporter", "admin"},
    "link": {"supporter", "triager", "admin"},
    "reopen": {"requester", "supporter", "admin"},
    "article": {"supporter", "admin"},
    "close": {"requester", "admin"},  # the requester closes their own question
    "spam": {"supporter", "triager", "admin"},
    "merge": {"supporter", "triager", "admin"},
    "split": {"supporter", "triager", "admin"},
    "tag": {"supporter", "collaborator", "triager", "admin"},
}


def supported_centre_ids(user: Any) -> set[int]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    cached = getattr(user, "_cchub_supported", None)
    if cached is None:
        cached = set(Supporter.objects.filter(user=user).values_list("centre_id", flat=True))
        user._cchub_supported = cached
    return set(cached)


def led_centre_ids(user: Any) -> set[int]:
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    return set(Supporter.objects.filter(user=user, is_lead=True).values_list("centre_id", flat=True))


def is_triager(user: Any) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return is_network_admin(user) or user.groups.filter(name=TRIAGE_GROUP).exists()


def is_supporter(user: Any) -> bool:
    return bool(supported_centre_ids(user)) or is_triager(user)


def roles(user: Any, ticket: Ticket, guest_tickets: set[int] | None = None) -> set[str]:
    found: set[str] = set()
    authenticated = user is not None and getattr(user, "is_authenticated", False) and user.is_active
    if authenticated and ticket.requester_id == user.pk:
        found.add("requester")
    if ticket.pk in (guest_tickets or set()):
        found.add("requester")
    if not authenticated:
        return found
    if is_network_admin(user):
        found.add("admin")
    centres = supported_centre_ids(user)
    if ticket.centre_id in centres:
        found.add("supporter")
    if centres and centres & set(ticket.collaborators.values_list("pk", flat=True)):
        found.add("collaborator")
    if is_triager(user):
        found.add("triager")
    return found


def may(user: Any, ticket: Ticket, action: str, guest_tickets: set[int] | None = None) -> bool:
    held = roles(user, ticket, guest_tickets)
    if action == "reopen" and ticket.state not in FINISHED_STATES[:2]:
        return False
    if action == "close" and ticket.state in FINISHED_STATES[2:]:
        return False
    if action in {"state", "assign", "refer", "invite", "escalate", "transfer"} and ticket.centre_id is None:
        # A triage ticket has no centre yet: triagers place it, administrators do the rest.
        return "admin" in held or (action == "transfer" and "triager" in held)
    return bool(held & RULES[action])
