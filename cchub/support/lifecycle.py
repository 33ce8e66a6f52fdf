"""What agents do to tickets beyond answering them: merge duplicates, split a ticket, mark
spam (and block its sender), tag, and answer with a text module. Each checks the caller's
right, writes in one transaction and records the change on the timeline, like the rest of
the write path in ``workflow``."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from cchub.lib.text import clean_text
from cchub.support import notify
from cchub.support.models import (
    CLOSED,
    BlockedSender,
    Tag,
    TextModule,
    Ticket,
    TicketEvent,
    TicketLink,
)
from cchub.support.permissions import may, supported_centre_ids
from cchub.support.workflow import (
    MAX_SUBJECT,
    STATE_LABELS,
    TicketError,
    actor_of,
    add_event,
    reply,
    require,
    set_state,
)

MAX_TAGS = 20
TAG = re.compile(r"^[a-z0-9][a-z0-9-]{0,49}$")


def _other(user: Any, other_id: Any) -> Ticket:
    other = Ticket.objects.filter(pk=int(other_id)).first() if str(other_id).strip().isdigit() else None
    if other is None or not may(user, other, "view"):
        raise TicketError("No such ticket that you can see.", field="target", status=404)
    return other


def reference_id(value: str) -> str:
    """``CCH-000042``, ``42`` or ``#42`` → ``42``."""
    return value.strip().upper().removeprefix("#").removeprefix("CCH-").lstrip("0") or "0"


def merge(ticket: Ticket, user: Any, into_id: Any) -> Ticket:
    """``ticket`` is a duplicate of ``into``: its timeline, files and requester move there
    (the requester follows ``into`` if they are not its requester), and it closes pointing at
    ``into``. Replies to either reach ``into``."""
    require(user, ticket, "merge")
    into = _other(user, into_id)
    if into.pk == ticket.pk:
        raise TicketError("A ticket cannot be merged into itself.", field="target")
    if not may(user, into, "merge"):
        raise TicketError(f"You may not merge into {into.reference}.", field="target", status=403)
    if ticket.merged_into_id or into.merged_into_id:
        raise TicketError("One of these tickets was already merged into another.", field="target", status=409)
    if into.state == CLOSED:
        raise TicketError(f"{into.reference} is closed; merge the other way round.", field="target",
                          status=409)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        into = Ticket.objects.select_for_update().get(pk=into.pk)
        moved = ticket.events.exclude(kind=TicketEvent.CREATED).update(ticket=into)
        ticket.attachments.update(ticket=into)
        # The duplicate's question itself stays readable on both.
        add_event(into, TicketEvent.MERGE, user, public=True, body=ticket.body, source=ticket.pk,
                  reference=ticket.reference, subject=ticket.subject, events=moved)
        followers = {f.lower() for f in into.followers}
        for address in [ticket.requester_email, *ticket.followers]:
            if address and address.lower() != (into.requester_email or "").lower():
                followers.add(address.lower())
        into.followers = sorted(followers)
        into.save(update_fields=["followers", "updated_at"])
        ticket.merged_into = into
        if ticket.solved_at is None:
            ticket.solved_at = timezone.now()
        set_state(ticket, CLOSED, user, f"merged into {into.reference}")
        ticket.save(update_fields=["merged_into", "state", "solved_at", "closed_at", "paused_at",
                                   "paused_seconds", "updated_at"])
        add_event(ticket, TicketEvent.MERGE, user, public=True, target=into.pk, reference=into.reference,
                  body=f"This question continues in {into.reference}.")
        TicketLink.objects.get_or_create(
            source=ticket, target=into, defaults={"kind": TicketLink.DUPLICATE, "created_by": actor_of(user)}
        )
        notify.notify("merged", ticket, [ticket.requester_email], target=into.reference)
    return into


def split(ticket: Ticket, user: Any, event_id: Any) -> Ticket:
    """One message of a ticket asks something else: it becomes a new ticket of the same
    requester at the same centre, linked as a child of this one."""
    require(user, ticket, "split")
    event = ticket.events.filter(pk=int(event_id) if str(event_id).isdigit() else 0,
                                 kind__in=[TicketEvent.REPLY, TicketEvent.CREATED], by_requester=True).first()
    if event is None:
        raise TicketError("Choose one of the requester's messages on this ticket.", field="event")
    first_line = clean_text(event.body).strip().splitlines()[0] if event.body.strip() else "question"
    with transaction.atomic():
        new = Ticket.objects.create(
            subject=f"{first_line[:120]} (from {ticket.reference})"[:MAX_SUBJECT],
            body=event.body,
            requester=ticket.requester,
            requester_name=ticket.requester_name,
            requester_email=ticket.requester_email,
            country=ticket.country,
            language=ticket.language,
            priority=ticket.priority,
            centre=ticket.centre,
            routed_at=timezone.now(),
            confirmed=True,
        )
        add_event(new, TicketEvent.CREATED, None, label=ticket.requester_name, by_requester=True,
                  body=event.body)
        event.attachments.update(ticket=new)
        TicketLink.objects.create(source=new, target=ticket, kind=TicketLink.CHILD, created_by=actor_of(user))
        add_event(ticket, TicketEvent.SPLIT, user, public=True, target=new.pk, reference=new.reference,
                  body=f"Your other question is now {new.reference}.")
        add_event(new, TicketEvent.SPLIT, user, public=True, target=ticket.pk, reference=ticket.reference,
                  body=f"Split from {ticket.reference}.")
    return new


def mark_spam(ticket: Ticket, user: Any, block: bool = False, reason: str = "") -> Ticket:
    """Spam, in one click: closed without a word to the sender, out of every count and queue;
    with ``block`` its sender's address is refused from now on."""
    require(user, ticket, "spam")
    if ticket.spam:
        raise TicketError("This ticket is already marked as spam.", status=409)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        ticket.spam = True
        fields = ["spam", "updated_at"]
        if ticket.state != CLOSED:
            set_state(ticket, CLOSED, user, "spam")
            fields += ["state", "closed_at", "paused_at", "paused_seconds"]
        ticket.save(update_fields=fields)
        blocked = ""
        if block and ticket.requester_email:
            blocked = ticket.requester_email.lower()
            BlockedSender.objects.get_or_create(
                pattern=blocked, defaults={"reason": clean_text(reason)[:200] or f"spam: {ticket.reference}",
                                           "created_by": actor_of(user)})
        add_event(ticket, TicketEvent.SPAM, user, public=False, blocked=blocked)
    return ticket


def not_spam(ticket: Ticket, user: Any) -> Ticket:
    require(user, ticket, "spam")
    if not ticket.spam:
        raise TicketError("This ticket is not marked as spam.", status=409)
    with transaction.atomic():
        ticket.spam = False
        ticket.save(update_fields=["spam", "updated_at"])
        BlockedSender.objects.filter(pattern=(ticket.requester_email or "").lower()).delete()
        add_event(ticket, TicketEvent.SPAM, user, public=False, undone=True)
    return ticket


def blocked(address: str) -> bool:
    """Is this sender refused (by address, or by ``@domain``)?"""
    address = (address or "").strip().lower()
    if not address:
        return False
    domain = "@" + address.rpartition("@")[2]
    return BlockedSender.objects.filter(pattern__in=[address, domain]).exists()


def set_tags(ticket: Ticket, user: Any, names: list[str] | str) -> list[str]:
    """Replace the ticket's tags (lower-case words and hyphens)."""
    require(user, ticket, "tag")
    if isinstance(names, str):
        names = re.split(r"[\s,]+", names)
    wanted = sorted({n.strip().lower().lstrip("#") for n in names if n.strip()})
    bad = [n for n in wanted if not TAG.match(n)]
    if bad:
        raise TicketError(f"'{bad[0]}' is not a tag: use lower-case letters, digits and hyphens.",
                          field="tags")
    if len(wanted) > MAX_TAGS:
        raise TicketError(f"At most {MAX_TAGS} tags.", field="tags")
    with transaction.atomic():
        old = sorted(ticket.tags.values_list("name", flat=True))
        tags = [Tag.objects.get_or_create(name=n)[0] for n in wanted]
        ticket.tags.set(tags)
        if old != wanted:
            add_event(ticket, TicketEvent.TAG, user, public=False, old=old, new=wanted)
    return wanted


def modules_for(user: Any, ticket: Ticket | None = None) -> QuerySet[TextModule]:
    """The text modules a user may use: the network's, and those of their centres (or of the
    ticket's centre)."""
    centres = supported_centre_ids(user)
    rule = Q(centre__isnull=True) | Q(centre_id__in=centres)
    return TextModule.objects.filter(rule).select_related("centre")


def fill(module: TextModule, ticket: Ticket, user: Any) -> str:
    """The module's text for this ticket: {name}, {reference}, {subject}, {centre}, {agent}."""
    values = {
        "name": ticket.requester_name or "there",
        "reference": ticket.reference,
        "subject": ticket.subject,
        "centre": ticket.centre.acronym if ticket.centre else "the network",
        "agent": (user.get_full_name() or user.username) if actor_of(user) else "",
    }
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), module.body)


def answer_with(ticket: Ticket, user: Any, module_id: Any) -> TicketEvent:
    """Reply with a text module (and set the state it names, when the user may)."""
    module = modules_for(user, ticket).filter(pk=int(module_id) if str(module_id).isdigit() else 0).first()
    if module is None:
        raise TicketError("No such text module for you.", field="module", status=404)
    state = module.state if module.state and may(user, ticket, "state") else ""
    if module.state and not state:
        raise TicketError(
            f"This module sets the state to {STATE_LABELS[module.state].lower()}, which only the "
            "centre's supporters may do.", field="module", status=403)
    return reply(ticket, user, fill(module, ticket, user), public=True, new_state=state)
