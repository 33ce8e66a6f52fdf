"""Who answers for a centre: a centre can receive tickets only if someone is there to answer.

A centre is *staffed* when it has an active supporter with an e-mail address, a helpdesk
address that someone at the centre confirmed (``Desk.address_verified_at``), or a bridge
to another helpdesk that takes its tickets (``Desk.handover``). Routing never sends a ticket
to an unstaffed centre by itself; triagers cannot place one there; and every mail that would
reach nobody goes to the triage rota instead and is recorded on the ticket.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q

from cchub.accounts.permissions import ADMIN_GROUP
from cchub.registry.models import Centre
from cchub.support.models import Coordinator, Desk, Supporter

NOBODY = (
    "{acronym} has nobody to answer tickets yet: no supporter, no confirmed helpdesk address and "
    "no other helpdesk that takes its tickets. Choose another centre, or ask its curators to name "
    "a supporter."
)


def staffed_centre_ids() -> set[int]:
    by_people = Supporter.objects.filter(user__is_active=True).exclude(user__email="")
    found = set(by_people.values_list("centre_id", flat=True))
    desks = Desk.objects.filter(
        Q(address_verified_at__isnull=False, centre__helpdesk_email__gt="") | ~Q(handover="")
    )
    found |= set(desks.values_list("centre_id", flat=True))
    return found


def is_staffed(centre_id: int | None) -> bool:
    return centre_id is not None and centre_id in staffed_centre_ids()


def verified_address(centre_id: int) -> str:
    desk = Desk.objects.filter(centre_id=centre_id, address_verified_at__isnull=False).select_related(
        "centre").first()
    return desk.centre.helpdesk_email if desk is not None else ""


def centre_addresses(centre_id: int | None) -> list[str]:
    """Who hears about a centre's tickets: its supporters and its confirmed helpdesk address
    (an address nobody confirmed may not be read, or may not be the centre's)."""
    if centre_id is None:
        return triager_addresses()
    users = Supporter.objects.filter(centre_id=centre_id, user__is_active=True).values_list(
        "user__email", flat=True
    )
    found = {e for e in users if e}
    address = verified_address(centre_id)
    if address:
        found.add(address)
    return sorted(found)


def triager_addresses() -> list[str]:
    """The triage rota: the Triagers group, and the network administrators."""
    from cchub.support.permissions import TRIAGE_GROUP

    users = get_user_model().objects.filter(is_active=True, groups__name__in=[TRIAGE_GROUP, ADMIN_GROUP])
    return sorted({u.email for u in users if u.email})


def admin_addresses() -> list[str]:
    users = get_user_model().objects.filter(is_active=True, groups__name=ADMIN_GROUP)
    return sorted({u.email for u in users if u.email})


def coordinator_addresses(centre: Centre | None) -> list[str]:
    """The support coordinators of the centre's clusters (or, when it has none, the network
    administrators)."""
    if centre is not None:
        found = Coordinator.objects.filter(
            cluster__in=centre.clusters.all(), user__is_active=True
        ).values_list("user__email", flat=True)
        addresses = sorted({e for e in found if e})
        if addresses:
            return addresses
    return admin_addresses()
