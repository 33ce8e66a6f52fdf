"""Who answers for a centre: a centre can receive tickets only if someone is there to answer.

A centre is *staffed* when it has an active supporter with an e-mail address, a helpdesk
address that someone at the centre confirmed (``Desk.address_verified_at``), or a bridge
to another helpdesk that takes its tickets (``Desk.handover``). Routing never sends a ticket
to an unstaffed centre by itself; triagers cannot place one there; and every mail that would
reach nobody goes to the triage rota instead and is recorded on the ticket.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail, signing
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from cchub.accounts.permissions import ADMIN_GROUP, is_network_admin
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
        Q(address_verified_at__isnull=False, centre__helpdesk_email__gt="",
          centre__helpdesk_email=F("verified_address")) | ~Q(handover="")
    )
    found |= set(desks.values_list("centre_id", flat=True))
    return found


def is_staffed(centre_id: int | None) -> bool:
    return centre_id is not None and centre_id in staffed_centre_ids()


def verified_address(centre_id: int) -> str:
    """The centre's helpdesk address, if someone there confirmed that very address."""
    desk = Desk.objects.filter(centre_id=centre_id, address_verified_at__isnull=False).select_related(
        "centre").first()
    if desk is None or not desk.centre.helpdesk_email or desk.centre.helpdesk_email != desk.verified_address:
        return ""
    return desk.centre.helpdesk_email


VERIFY_SALT = "cchub.support.desk-address"
VERIFY_MAX_AGE = 14 * 24 * 3600


def may_manage(user: Any, centre: Centre) -> bool:
    """Who looks after a centre's desk: its lead supporters, its curators, administrators."""
    if is_network_admin(user):
        return True
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return (Supporter.objects.filter(user=user, centre=centre, is_lead=True).exists()
            or centre.curators.filter(pk=user.pk).exists())


def send_verification(centre: Centre) -> str:
    """Mail the centre's helpdesk address a link that proves it reaches someone; the link."""
    if not centre.helpdesk_email:
        raise ValueError(f"{centre.acronym} has no helpdesk address to confirm.")
    token = signing.dumps({"c": centre.pk, "a": centre.helpdesk_email.lower()}, salt=VERIFY_SALT)
    link = f"{settings.SITE_URL}{reverse('support:desk-confirm', args=[token])}"
    mail.send_mail(
        subject=f"Does this address reach {centre.acronym}'s helpdesk?",
        message=(f"The CC Hub network would send questions for {centre.acronym} ({centre.name}) to this "
                 f"address. If someone reads it, open this link and press the button (within 14 days):\n\n"
                 f"{link}\n\nIf this address is not {centre.acronym}'s, ignore this message: nothing will be "
                 "sent here.\n"),
        from_email=None,
        recipient_list=[centre.helpdesk_email],
    )
    return link


def read_verification(token: str) -> Centre | None:
    try:
        data = signing.loads(token, salt=VERIFY_SALT, max_age=VERIFY_MAX_AGE)
    except signing.BadSignature:
        return None
    centre = Centre.objects.filter(pk=data.get("c")).first()
    if centre is None or (centre.helpdesk_email or "").lower() != data.get("a"):
        return None  # the address changed since: that link proves nothing about the new one
    return centre


def confirm_address(centre: Centre) -> Desk:
    desk, _ = Desk.objects.get_or_create(centre=centre)
    desk.address_verified_at = timezone.now()
    desk.verified_address = centre.helpdesk_email
    desk.save(update_fields=["address_verified_at", "verified_address"])
    return desk


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
