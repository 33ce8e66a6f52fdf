"""The one write path for tickets: pages, API and inbound mail all call these functions.

Each function checks the caller's right on the ticket, validates everything first, then
writes in one transaction, records a timeline event and queues the notifications (sent
after the commit). A refused or invalid request changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cchub.accounts.permissions import is_network_admin
from cchub.lib.api import Refused
from cchub.lib.countries import COUNTRIES, LANGUAGES
from cchub.lib.text import clean_text, one_line
from cchub.registry.models import COMPETENCES, Centre, Service
from cchub.support import notify, routing, sla
from cchub.support.attachments import AttachmentError, Upload, check
from cchub.support.models import (
    ASSIGNED,
    CLOSED,
    IN_PROGRESS,
    NEW,
    OPEN_STATES,
    PRIORITIES,
    SOLVED,
    STATES,
    TOP,
    UNSOLVED,
    WAITING,
    Attachment,
    Supporter,
    Ticket,
    TicketEvent,
    TicketLink,
)
from cchub.support.permissions import is_triager, may, roles, supported_centre_ids
from cchub.vocab.models import Concept

MAX_SUBJECT = 200
GUEST_REFUSED_PRIORITIES = frozenset({TOP})
MAX_BODY = 20000
STATE_LABELS = dict(STATES)
PRIORITY_LABELS = dict(PRIORITIES)


class TicketError(Refused):
    """A request the helpdesk refuses: ``status`` is the HTTP status, ``field`` what is wrong."""


def _require(user: Any, ticket: Ticket, action: str, guest: set[int] | None = None) -> None:
    if not may(user, ticket, action, guest):
        raise TicketError("You may not do this with this ticket.", status=403 if user else 404)


def _actor(user: Any) -> Any:
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _event(
    ticket: Ticket,
    kind: str,
    user: Any,
    *,
    public: bool = True,
    body: str = "",
    by_requester: bool = False,
    via_email: bool = False,
    label: str = "",
    source: int | None = None,
    **data: Any,
) -> TicketEvent:
    """Add to the timeline; ``source`` is the centre a hand-over came from."""
    if source is not None or "from_centre" in data:
        data["from"] = source
    return TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        actor=_actor(user),
        actor_label=label[:200],
        public=public,
        body=body,
        by_requester=by_requester,
        via_email=via_email,
        data=data,
    )


def _text(value: str, name: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise TicketError(f"{name.capitalize()} is empty; say what you need.", field=name)
    if len(value) > limit:
        raise TicketError(
            f"{name.capitalize()} is {len(value)} characters long; the limit is {limit}.", field=name
        )
    return value


@dataclass
class Submission:
    subject: str
    body: str
    email: str = ""
    name: str = ""
    stage: str = ""
    country: str = ""
    language: str = ""
    service: str = ""  # slug
    priority: str = "less-urgent"
    uploads: list[Upload] = field(default_factory=list)


def validate(sub: Submission, user: Any) -> dict[str, Any]:
    """Check a question; return the cleaned values or raise TicketError for the first problem."""
    values: dict[str, Any] = {
        "subject": one_line(clean_text(_text(sub.subject, "subject", MAX_SUBJECT))),
        "body": _text(sub.body, "body", MAX_BODY),
    }
    if _actor(user) is None:
        email = (sub.email or "").strip()
        try:
            validate_email(email)
        except ValidationError as exc:
            raise TicketError(
                "Give a valid e-mail address so that we can answer you.", field="email"
            ) from exc
        values.update(requester_email=email, requester_name=one_line(clean_text(sub.name))[:200],
                      confirmed=False)
    else:
        values.update(
            requester=user,
            requester_email=user.email or "",
            requester_name=(user.get_full_name() or user.username)[:200],
            confirmed=True,
        )
    if sub.stage:
        stage = Concept.objects.filter(
            scheme__slug=COMPETENCES, notation=sub.stage, broader__isnull=True
        ).first()
        if stage is None:
            raise TicketError(f"Unknown workflow stage '{sub.stage}'.", field="stage")
        values["stage"] = stage
    country = (sub.country or "").strip().upper()
    if country and country not in COUNTRIES:
        raise TicketError(f"Unknown country code '{sub.country}' (use ISO 3166, e.g. IT).", field="country")
    language = (sub.language or "").strip().lower()
    if language and language not in LANGUAGES:
        raise TicketError(
            f"Unknown language code '{sub.language}' (use ISO 639-1, e.g. it).", field="language"
        )
    values.update(country=country, language=language)
    if sub.service:
        service = Service.objects.filter(slug=sub.service).first()
        if service is None:
            raise TicketError(f"Unknown service '{sub.service}'.", field="service")
        values["service"] = service
    if sub.priority not in PRIORITY_LABELS:
        raise TicketError(
            f"Unknown priority '{sub.priority}' (one of {', '.join(PRIORITY_LABELS)}).", field="priority"
        )
    if _actor(user) is None and sub.priority in GUEST_REFUSED_PRIORITIES:
        raise TicketError("Top priority is for signed-in users; a centre raises it when needed.",
                          field="priority")
    values["priority"] = sub.priority
    if _actor(user) is None and sub.uploads:
        # Nothing of an unconfirmed address is stored but its question: files come after.
        raise TicketError("Confirm your e-mail address first; then add files to your ticket.",
                          field="attachments")
    try:
        check(sub.uploads)
    except AttachmentError as exc:
        raise TicketError(str(exc), field="attachments", status=413 if "larger" in str(exc) else 400) from exc
    return values


def question_of(ticket: Ticket) -> routing.Question:
    return routing.Question(
        subject=ticket.subject,
        body=ticket.body,
        language=ticket.language,
        country=ticket.country,
        service_id=ticket.service_id,
        stage=ticket.stage.notation if ticket.stage_id and ticket.stage else "",
    )


def submit(sub: Submission, user: Any) -> Ticket:
    """Create a ticket. A guest's ticket waits for the e-mail confirmation; otherwise it is
    routed at once: straight to a centre when the match is confident, else to triage."""
    values = validate(sub, user)
    with transaction.atomic():
        ticket = Ticket.objects.create(**values)
        _event(
            ticket,
            TicketEvent.CREATED,
            user,
            label=ticket.requester_name,
            by_requester=True,
            body=ticket.body,
        )
        _store(ticket, None, sub.uploads, user)
        if ticket.confirmed:
            _route(ticket)
        else:
            from cchub.support.guests import confirmation_link

            notify.notify(
                "confirm",
                ticket,
                [ticket.requester_email],
                confirm_url=confirmation_link(ticket),
                valid_days=7,
            )
    return ticket


def confirm(ticket: Ticket) -> bool:
    """A guest confirmed their address: route the ticket (once)."""
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if locked.confirmed:
            return False
        locked.confirmed = True
        locked.save(update_fields=["confirmed", "updated_at"])
        _event(locked, TicketEvent.CONFIRMED, None, label=locked.requester_email, by_requester=True)
        _route(locked)
    ticket.refresh_from_db()
    return True


def _route(ticket: Ticket) -> None:
    candidates = routing.route(question_of(ticket))
    ticket.routing = [c.as_dict() for c in candidates]
    ticket.routed_at = timezone.now()
    best = candidates[0] if candidates else None
    if best is not None and settings.SUPPORT_AUTO_ROUTE and routing.confident(candidates):
        ticket.centre_id = best.centre_id
        ticket.auto_routed = True
        ticket.save(update_fields=["routing", "routed_at", "centre", "auto_routed", "updated_at"])
        _event(
            ticket,
            TicketEvent.ROUTED,
            None,
            label="router",
            to=best.centre_id,
            centre=best.acronym,
            score=round(best.score, 3),
            reasons=best.reasons,
            automatic=True,
        )
        notify.notify(
            "new",
            ticket,
            notify.centre_addresses(best.centre_id),
            centre=best.acronym,
            auto="1",
            reasons="; ".join(best.reasons),
        )
    else:
        ticket.save(update_fields=["routing", "routed_at", "updated_at"])
        _event(
            ticket,
            TicketEvent.ROUTED,
            None,
            label="router",
            to=None,
            automatic=True,
            suggestions=[c["centre"]["acronym"] for c in ticket.routing[:3]],
        )
        notify.notify(
            "triage",
            ticket,
            notify.triager_addresses(),
            suggestions=", ".join(f"{c['centre']['acronym']} ({c['score']})" for c in ticket.routing[:3]),
        )
    from cchub.support.guests import ticket_link

    notify.notify(
        "received",
        ticket,
        [ticket.requester_email],
        centre=ticket.centre.acronym if ticket.centre else "",
        link=ticket_link(ticket),
    )


def _store(ticket: Ticket, event: TicketEvent | None, uploads: list[Upload], user: Any) -> None:
    for upload in uploads:
        Attachment.objects.create(
            ticket=ticket,
            event=event,
            file=upload.as_file(),
            name=upload.safe_name,
            content_type=upload.content_type,
            size=len(upload.content),
            uploaded_by=_actor(user),
        )


def reply(
    ticket: Ticket,
    user: Any,
    body: str,
    *,
    public: bool = True,
    uploads: list[Upload] | None = None,
    guest: set[int] | None = None,
    via_email: bool = False,
    new_state: str = "",
) -> TicketEvent:
    """A public reply or, with ``public=False``, an internal note."""
    uploads = uploads or []
    _require(user, ticket, "reply" if public else "note", guest)
    body = _text(body, "body", MAX_BODY)
    try:
        check(uploads)
    except AttachmentError as exc:
        raise TicketError(str(exc), field="attachments", status=413 if "larger" in str(exc) else 400) from exc
    held = roles(user, ticket, guest)
    by_requester = "requester" in held and not (held & {"supporter", "collaborator", "triager", "admin"})
    if ticket.state == CLOSED:
        raise TicketError(
            "This ticket is closed; ask a new question and mention " + ticket.reference + ".", status=409
        )
    if new_state and new_state not in STATE_LABELS:
        raise TicketError(f"Unknown state '{new_state}'.", field="state")
    # A reply carries a state change only for those who may change it (the centre's
    # supporters and administrators): not the requester, a triager or an invited centre.
    sets_state = may(user, ticket, "state", guest)
    if new_state and not sets_state:
        raise TicketError("Only the centre's supporters change the state of a ticket.", field="state",
                          status=403)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        event = _event(
            ticket,
            TicketEvent.REPLY if public else TicketEvent.NOTE,
            user,
            public=public,
            body=body,
            by_requester=by_requester,
            via_email=via_email,
            label=ticket.requester_name if by_requester else "",
        )
        _store(ticket, event, uploads, user)
        fields = ["updated_at"]
        if by_requester:
            if ticket.state in (WAITING, SOLVED, UNSOLVED):
                _set_state(ticket, IN_PROGRESS, user, "the requester replied")
                fields += ["state", "solved_at"]
            notify.notify("requester-reply", ticket, _staff_addresses(ticket), body=body)
        else:
            if public and ticket.first_response_at is None:
                ticket.first_response_at = timezone.now()
                fields.append("first_response_at")
            if public:
                author = (user.get_full_name() or user.username) if _actor(user) else "A supporter"
                notify.notify("reply", ticket, [ticket.requester_email], author=author, body=body)
            target = new_state or (IN_PROGRESS if sets_state and public and ticket.state in (NEW, ASSIGNED)
                                   else "")
            if target and target != ticket.state:
                _check_transition(ticket, target)
                _set_state(ticket, target, user, "")
                fields += ["state", "solved_at", "closed_at"]
        ticket.save(update_fields=sorted(set(fields)))
    return event



def _staff_addresses(ticket: Ticket) -> list[str]:
    if ticket.assignee_id and ticket.assignee and ticket.assignee.email:
        return [ticket.assignee.email]
    return notify.centre_addresses(ticket.centre_id)


ALLOWED: dict[str, set[str]] = {
    NEW: {ASSIGNED, IN_PROGRESS, WAITING, "on-hold", SOLVED, UNSOLVED},
    ASSIGNED: {IN_PROGRESS, WAITING, "on-hold", SOLVED, UNSOLVED},
    IN_PROGRESS: {WAITING, "on-hold", SOLVED, UNSOLVED, ASSIGNED},
    WAITING: {IN_PROGRESS, "on-hold", SOLVED, UNSOLVED},
    "on-hold": {IN_PROGRESS, WAITING, SOLVED, UNSOLVED},
    SOLVED: {IN_PROGRESS, CLOSED},
    UNSOLVED: {IN_PROGRESS, CLOSED},
    CLOSED: set(),
}


def _check_transition(ticket: Ticket, state: str) -> None:
    if state not in STATE_LABELS:
        raise TicketError(f"Unknown state '{state}'.", field="state")
    if state not in ALLOWED[ticket.state]:
        raise TicketError(
            f"A ticket that is {STATE_LABELS[ticket.state].lower()} "
            f"cannot become {STATE_LABELS[state].lower()}.",
            field="state",
            status=409,
        )
    if state == ASSIGNED and ticket.assignee_id is None:
        raise TicketError("Choose an assignee to make the ticket assigned.", field="state", status=409)


def _set_state(ticket: Ticket, state: str, user: Any, note: str) -> None:
    old = ticket.state
    ticket.state = state
    now = timezone.now()
    if state in (SOLVED, UNSOLVED):
        ticket.solved_at = now
    elif state == IN_PROGRESS and old in (SOLVED, UNSOLVED):
        ticket.solved_at = None
    if state == CLOSED:
        ticket.closed_at = now
    _event(
        ticket, TicketEvent.STATE, user, label="" if _actor(user) else "system", old=old, new=state, note=note
    )


def change_state(
    ticket: Ticket, user: Any, state: str, note: str = "", guest: set[int] | None = None
) -> Ticket:
    reopening = state == IN_PROGRESS and ticket.state in (SOLVED, UNSOLVED)
    _require(user, ticket, "reopen" if reopening else "state", guest)
    _check_transition(ticket, state)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        _check_transition(ticket, state)
        _set_state(ticket, state, user, clean_text(note)[:500])
        ticket.save(update_fields=["state", "solved_at", "closed_at", "updated_at"])
        if state in (SOLVED, UNSOLVED, WAITING):
            closes = ""
            if state in (SOLVED, UNSOLVED):
                when = autoclose_at(ticket)
                closes = timezone.localtime(when).strftime("%Y-%m-%d %H:%M %Z") if when else ""
            notify.notify(
                "state",
                ticket,
                [ticket.requester_email],
                state=STATE_LABELS[state].lower(),
                closes=closes,
            )
    return ticket


def set_priority(ticket: Ticket, user: Any, priority: str) -> Ticket:
    _require(user, ticket, "priority")
    if priority not in PRIORITY_LABELS:
        raise TicketError(
            f"Unknown priority '{priority}' (one of {', '.join(PRIORITY_LABELS)}).", field="priority"
        )
    with transaction.atomic():
        old = ticket.priority
        ticket.priority = priority
        ticket.sla_notices = []
        ticket.save(update_fields=["priority", "sla_notices", "updated_at"])
        _event(ticket, TicketEvent.PRIORITY, user, public=False, old=old, new=priority)
    return ticket


def assign(ticket: Ticket, user: Any, assignee_id: int | None) -> Ticket:
    """Give the ticket to a supporter of its centre (or take it back to the centre's queue)."""
    _require(user, ticket, "assign")
    assignee = None
    if assignee_id is not None:
        if ticket.centre_id is None or not Supporter.objects.filter(
            centre_id=ticket.centre_id, user_id=assignee_id, user__is_active=True
        ).exists():
            raise TicketError("The assignee must be a supporter of the ticket's centre.", field="assignee")
        assignee = get_user_model().objects.get(pk=assignee_id)
    with transaction.atomic():
        ticket.assignee = assignee
        fields = ["assignee", "updated_at"]
        if assignee is not None and ticket.state == NEW:
            _set_state(ticket, ASSIGNED, user, "")
            fields.append("state")
        ticket.save(update_fields=fields)
        _event(
            ticket,
            TicketEvent.ASSIGN,
            user,
            public=False,
            to=assignee_id,
            name=assignee.get_username() if assignee else "",
        )
    return ticket


def _centre(centre_id: Any) -> Centre:
    centre = Centre.objects.public().filter(pk=centre_id).first() if centre_id is not None else None
    if centre is None:
        raise TicketError("Choose a centre of the network.", field="centre")
    return centre


def place(ticket: Ticket, user: Any, centre_id: Any, note: str = "") -> Ticket:
    """A triager sends a ticket from the triage queue to a centre (one click)."""
    _require(user, ticket, "place")
    centre = _centre(centre_id)
    if ticket.centre_id is not None:
        raise TicketError("This ticket already belongs to a centre; transfer it instead.", status=409)
    with transaction.atomic():
        ticket.centre = centre
        ticket.routed_at = timezone.now()
        ticket.save(update_fields=["centre", "routed_at", "updated_at"])
        _event(
            ticket,
            TicketEvent.ROUTED,
            user,
            to=centre.pk,
            centre=centre.acronym,
            automatic=False,
            note=clean_text(note)[:500],
        )
        notify.notify("new", ticket, notify.centre_addresses(centre.pk), centre=centre.acronym, reasons=note)
    return ticket


def transfer(
    ticket: Ticket, user: Any, centre_id: Any, reason: str, kind: str = TicketEvent.TRANSFER
) -> Ticket:
    """Hand the ticket to another centre with a stated reason (kept and shown to it)."""
    _require(user, ticket, "transfer" if kind == TicketEvent.TRANSFER else "refer")
    reason = clean_text(_text(reason, "reason", 2000))
    centre = _centre(centre_id)
    if centre.pk == ticket.centre_id:
        raise TicketError("The ticket is already at this centre.", field="centre", status=409)
    if not ticket.is_open:
        raise TicketError("Only an open ticket can be handed over.", status=409)
    with transaction.atomic():
        old = ticket.centre
        ticket.centre, ticket.assignee = centre, None
        ticket.routed_at = timezone.now()
        ticket.sla_notices = []
        if ticket.state not in (NEW,):
            _set_state(ticket, NEW, user, f"handed over to {centre.acronym}")
        ticket.save(update_fields=["centre", "assignee", "routed_at", "sla_notices", "state", "updated_at"])
        ticket.collaborators.remove(centre)
        _event(
            ticket,
            kind,
            user,
            body=reason,
            public=False,
            to=centre.pk,
            centre=centre.acronym,
            source=old.pk if old else None,
            from_centre=old.acronym if old else "triage",
        )
        notify.notify(
            "transfer",
            ticket,
            notify.centre_addresses(centre.pk),
            centre=centre.acronym,
            from_centre=old.acronym if old else "triage",
            reason=reason,
        )
    return ticket


def refer(ticket: Ticket, user: Any, reason: str) -> Ticket:
    """The centre lacks the competence: the ticket goes to the next best centre the router
    finds (never back to this one), or to triage when none is confident."""
    _require(user, ticket, "refer")
    reason = clean_text(_text(reason, "reason", 2000))
    here = ticket.centre_id
    refused = {here} | {
        e.data.get("from")
        for e in ticket.events.filter(kind__in=[TicketEvent.TRANSFER, TicketEvent.REFERRAL])
    }
    candidates = [c for c in routing.route(question_of(ticket), limit=10) if c.centre_id not in refused]
    if candidates and routing.confident(candidates):
        return transfer(ticket, user, candidates[0].centre_id, reason, kind=TicketEvent.REFERRAL)
    with transaction.atomic():
        old = ticket.centre
        ticket.centre, ticket.assignee = None, None
        ticket.routing = [c.as_dict() for c in candidates[:5]]
        if ticket.state != NEW:
            _set_state(ticket, NEW, user, "referred to triage")
        ticket.save(update_fields=["centre", "assignee", "routing", "state", "updated_at"])
        _event(
            ticket,
            TicketEvent.REFERRAL,
            user,
            body=reason,
            public=False,
            to=None,
            centre="triage",
            source=here,
            from_centre=old.acronym if old else "",
        )
        notify.notify(
            "triage",
            ticket,
            notify.triager_addresses(),
            suggestions=", ".join(c.acronym for c in candidates[:3]),
        )
    return ticket


def escalate(ticket: Ticket, user: Any, reason: str) -> Ticket:
    _require(user, ticket, "escalate")
    reason = clean_text(_text(reason, "reason", 2000))
    with transaction.atomic():
        ticket.escalated = True
        ticket.save(update_fields=["escalated", "updated_at"])
        _event(ticket, TicketEvent.ESCALATION, user, body=reason, public=False)
        notify.notify(
            "escalation",
            ticket,
            notify.admin_addresses(),
            reason=reason,
            author=user.get_username() if _actor(user) else "",
        )
    return ticket


def invite(ticket: Ticket, user: Any, centre_id: Any, note: str = "") -> Ticket:
    """Ask another centre to help without giving the ticket away."""
    _require(user, ticket, "invite")
    centre = _centre(centre_id)
    if centre.pk == ticket.centre_id or ticket.collaborators.filter(pk=centre.pk).exists():
        raise TicketError(f"{centre.acronym} already works on this ticket.", field="centre", status=409)
    with transaction.atomic():
        ticket.collaborators.add(centre)
        _event(
            ticket,
            TicketEvent.INVITE,
            user,
            public=False,
            body=clean_text(note)[:2000],
            to=centre.pk,
            centre=centre.acronym,
        )
        notify.notify(
            "invite",
            ticket,
            notify.centre_addresses(centre.pk),
            centre=centre.acronym,
            from_centre=ticket.centre.acronym if ticket.centre else "",
            note=note,
        )
    return ticket


def link(ticket: Ticket, user: Any, other_id: Any, kind: str) -> TicketLink:
    _require(user, ticket, "link")
    if kind not in dict(TicketLink.KINDS):
        raise TicketError(f"Unknown link '{kind}' (duplicate, related or child).", field="kind")
    other = Ticket.objects.filter(pk=other_id).first() if str(other_id).isdigit() else None
    if other is None or not may(user, other, "view"):
        raise TicketError("No such ticket that you can see.", field="target", status=404)
    if other.pk == ticket.pk:
        raise TicketError("A ticket cannot be linked to itself.", field="target")
    if TicketLink.objects.filter(source__in=[ticket, other], target__in=[ticket, other]).exists():
        raise TicketError("These tickets are already linked.", field="target", status=409)
    if kind == TicketLink.CHILD and _ancestors(other) & {ticket.pk}:
        raise TicketError("That would make a ticket its own ancestor.", field="target", status=409)
    with transaction.atomic():
        made = TicketLink.objects.create(source=ticket, target=other, kind=kind, created_by=_actor(user))
        _event(
            ticket,
            TicketEvent.LINK,
            user,
            public=False,
            link_kind=kind,
            target=other.pk,
            reference=other.reference,
        )
    return made


def _ancestors(ticket: Ticket) -> set[int]:
    found: set[int] = set()
    frontier = {ticket.pk}
    while frontier:
        parents = (
            set(
                TicketLink.objects.filter(source_id__in=frontier, kind=TicketLink.CHILD).values_list(
                    "target_id", flat=True
                )
            )
            - found
        )
        found |= parents
        frontier = parents
    return found


def autoclose_at(ticket: Ticket) -> dt.datetime | None:
    if ticket.state not in (SOLVED, UNSOLVED) or ticket.solved_at is None:
        return None
    return sla.add_working_days(
        sla.desk_for(ticket.centre), ticket.solved_at, settings.SUPPORT_AUTOCLOSE_DAYS
    )


def purge_unconfirmed(now: dt.datetime | None = None) -> int:
    """Delete guests' questions whose address was not confirmed within
    ``SUPPORT_UNCONFIRMED_DAYS``: nobody answered them, and the address was never proven."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.SUPPORT_UNCONFIRMED_DAYS)
    stale = Ticket.objects.filter(confirmed=False, requester__isnull=True, created_at__lt=cutoff)
    count = 0
    for ticket in stale.iterator():
        with transaction.atomic():
            for attachment in ticket.attachments.all():
                attachment.file.delete(save=False)
            ticket.delete()
        count += 1
    return count


def tick(now: dt.datetime | None = None) -> dict[str, int]:
    """The periodic round: close solved tickets whose reopening time is over, and send each
    service-level warning and breach once; delete guests' questions never confirmed."""
    now = now or timezone.now()
    counts = {"closed": 0, "warnings": 0, "breaches": 0, "purged": purge_unconfirmed(now)}
    for ticket in Ticket.objects.filter(state__in=[SOLVED, UNSOLVED]).select_related("centre__desk"):
        when = autoclose_at(ticket)
        if when is not None and when <= now:
            with transaction.atomic():
                _set_state(
                    ticket, CLOSED, None, f"closed after {settings.SUPPORT_AUTOCLOSE_DAYS} working days"
                )
                ticket.save(update_fields=["state", "closed_at", "updated_at"])
            counts["closed"] += 1
    open_tickets = (
        Ticket.objects.filter(state__in=OPEN_STATES, centre__isnull=False)
        .select_related("centre__desk", "assignee")
        .prefetch_related("centre__service_levels")
    )
    for ticket in open_tickets:
        for clock in sla.clocks(ticket, now):
            state = clock.state
            if state not in ("warning", "breached"):
                continue
            key = f"{clock.name}:{state}"
            if key in ticket.sla_notices:
                continue
            with transaction.atomic():
                ticket.sla_notices = [*ticket.sla_notices, key]
                ticket.save(update_fields=["sla_notices"])
                level = "breached" if state == "breached" else "at 75 % of"
                _event(
                    ticket,
                    TicketEvent.SLA,
                    None,
                    public=False,
                    label="service levels",
                    clock=clock.name,
                    state=state,
                    elapsed=round(clock.elapsed_hours, 2),
                    target=clock.target_hours,
                )
                notify.notify(
                    "sla",
                    ticket,
                    _staff_addresses(ticket),
                    level=level,
                    clock=clock.name,
                    elapsed=f"{clock.elapsed_hours:.1f}",
                    target=f"{clock.target_hours:g}",
                    due=timezone.localtime(clock.due).strftime("%Y-%m-%d %H:%M"),
                )
            counts["breaches" if state == "breached" else "warnings"] += 1
    return counts


def visible_tickets(user: Any) -> Any:
    """The tickets a signed-in user may list: their own, their centres' and collaborations,
    the triage queue for triagers, all for administrators."""
    if _actor(user) is None:
        return Ticket.objects.none()
    if is_network_admin(user):
        return Ticket.objects.all()
    centres = supported_centre_ids(user)
    rule = Q(requester=user) | Q(centre_id__in=centres) | Q(collaborators__in=centres)
    if is_triager(user):
        rule |= Q(centre__isnull=True)
    return Ticket.objects.filter(rule).distinct()

