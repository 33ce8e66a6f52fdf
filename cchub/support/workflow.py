"""The one write path for tickets: pages, API and inbound mail all call these functions.

Each function checks the caller's right on the ticket, validates everything first, then
writes in one transaction, records a timeline event and queues the notifications (sent
after the commit). A refused or invalid request changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
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
from cchub.support import notify, routing, sla, staffing
from cchub.support.attachments import AttachmentError, Upload, check
from cchub.support.models import (
    ASSIGNED,
    CLOSED,
    IN_PROGRESS,
    NEW,
    ON_HOLD,
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


def require(user: Any, ticket: Ticket, action: str, guest: set[int] | None = None) -> None:
    if not may(user, ticket, action, guest):
        raise TicketError("You may not do this with this ticket.", status=403 if user else 404)


def actor_of(user: Any) -> Any:
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def add_event(
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
        actor=actor_of(user),
        actor_label=label[:200],
        public=public,
        body=body,
        by_requester=by_requester,
        via_email=via_email,
        data=data,
    )


def text_field(value: str, name: str, limit: int, required: bool = True) -> str:
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
    centre: str = ""  # slug: the question was sent to this centre's own address


def validate(sub: Submission, user: Any) -> dict[str, Any]:
    """Check a question; return the cleaned values or raise TicketError for the first problem."""
    values: dict[str, Any] = {
        "subject": one_line(clean_text(text_field(sub.subject, "subject", MAX_SUBJECT))),
        "body": text_field(sub.body, "body", MAX_BODY),
    }
    if actor_of(user) is None:
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
    if actor_of(user) is None and sub.priority in GUEST_REFUSED_PRIORITIES:
        raise TicketError("Top priority is for signed-in users; a centre raises it when needed.",
                          field="priority")
    values["priority"] = sub.priority
    if actor_of(user) is None and sub.uploads:
        # Nothing of an unconfirmed address is stored but its question: files come after.
        raise TicketError("Confirm your e-mail address first; then add files to your ticket.",
                          field="attachments")
    try:
        check(sub.uploads)
    except AttachmentError as exc:
        raise TicketError(str(exc), field="attachments", status=413 if "larger" in str(exc) else 400) from exc
    return values


def question_of(ticket: Ticket) -> routing.Question:
    """The question as the router reads it: the subject, the question and whatever the
    requester added since."""
    added = ticket.events.filter(kind=TicketEvent.REPLY, by_requester=True).values_list("body", flat=True)
    return routing.Question(
        subject=ticket.subject,
        body="\n\n".join([ticket.body, *added]) if ticket.pk else ticket.body,
        language=ticket.language,
        country=ticket.country,
        service_id=ticket.service_id,
        stage=ticket.stage.notation if ticket.stage_id and ticket.stage else "",
    )


def submit(
    sub: Submission, user: Any, *, via_email: bool = False, followers: list[str] | None = None
) -> Ticket:
    """Create a ticket. A guest's ticket waits for the e-mail confirmation; otherwise it is
    routed at once: straight to a centre when the match is confident, else to triage."""
    values = validate(sub, user)
    asked = Centre.objects.public().filter(slug=sub.centre).first() if sub.centre else None
    with transaction.atomic():
        ticket = Ticket.objects.create(**values, followers=sorted(set(followers or [])))
        add_event(
            ticket,
            TicketEvent.CREATED,
            user,
            label=ticket.requester_name,
            by_requester=True,
            body=ticket.body,
            via_email=via_email,
            asked_centre=asked.pk if asked else None,
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
        add_event(locked, TicketEvent.CONFIRMED, None, label=locked.requester_email, by_requester=True)
        _route(locked)
    ticket.refresh_from_db()
    return True


def _route(ticket: Ticket, again: bool = False) -> None:
    """Place a new (or newly detailed) question: straight to the best centre when the router
    is confident and that centre has someone to answer; otherwise into the triage queue,
    saying why. ``again``: the requester added detail to a question waiting in triage."""
    candidates = routing.route(question_of(ticket))
    ticket.routing = [c.as_dict() for c in candidates]
    ticket.routed_at = timezone.now()
    best = candidates[0] if candidates else None
    confident = best is not None and settings.SUPPORT_AUTO_ROUTE and routing.confident(candidates)
    created = ticket.events.filter(kind=TicketEvent.CREATED).first()
    asked = (created.data or {}).get("asked_centre") if created else None
    if asked and staffing.is_staffed(asked):
        # Written to one centre's own address: it goes there.
        centre = Centre.objects.get(pk=asked)
        best = routing.Candidate(centre_id=centre.pk, acronym=centre.acronym, name=centre.name,
                                 url=centre.get_absolute_url(), score=best.score if best else 0.0,
                                 reasons=["the question was sent to its address"])
        confident = True
    if best is not None and confident and best.staffed:
        ticket.centre_id = best.centre_id
        ticket.auto_routed = True
        ticket.save(update_fields=["routing", "routed_at", "centre", "auto_routed", "updated_at"])
        add_event(
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
    elif again:
        ticket.save(update_fields=["routing", "updated_at"])  # new suggestions for the triagers
        return
    else:
        ticket.save(update_fields=["routing", "routed_at", "updated_at"])
        unstaffed = best.acronym if best is not None and confident and not best.staffed else ""
        add_event(
            ticket,
            TicketEvent.ROUTED,
            None,
            label="router",
            to=None,
            automatic=True,
            suggestions=[c["centre"]["acronym"] for c in ticket.routing[:3]],
            unstaffed=unstaffed,
        )
        notify.notify(
            "triage",
            ticket,
            notify.triager_addresses(),
            suggestions=", ".join(
                f"{c['centre']['acronym']} ({c['score']}{'' if c['staffed'] else ', nobody to answer'})"
                for c in ticket.routing[:3]
            ),
            unstaffed=unstaffed,
        )
    if again:
        return
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
            uploaded_by=actor_of(user),
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
    require(user, ticket, "reply" if public else "note", guest)
    body = text_field(body, "body", MAX_BODY)
    try:
        check(uploads)
    except AttachmentError as exc:
        raise TicketError(str(exc), field="attachments", status=413 if "larger" in str(exc) else 400) from exc
    held = roles(user, ticket, guest)
    by_requester = "requester" in held and not (held & {"supporter", "collaborator", "triager", "admin"})
    if ticket.state == CLOSED:
        if by_requester:
            return follow_up(ticket, user, body, uploads=uploads, via_email=via_email)
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
        event = add_event(
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
                set_state(ticket, IN_PROGRESS, user, "the requester replied")
                fields += ["state", "solved_at", "paused_at", "paused_seconds"]
            notify.notify("requester-reply", ticket, _staff_addresses(ticket), body=body)
            if ticket.centre_id is None and ticket.confirmed and ticket.is_open:
                ticket.save(update_fields=sorted(set(fields)))
                _route(ticket, again=True)  # the new detail may make the centre clear
        else:
            # The first response is the centre's: a triager's word does not stop its clock.
            answers_for_centre = bool(held & {"supporter", "collaborator", "admin"}) and ticket.centre_id
            if public and ticket.first_response_at is None and answers_for_centre:
                ticket.first_response_at = timezone.now()
                fields.append("first_response_at")
            if public:
                author = (user.get_full_name() or user.username) if actor_of(user) else "A supporter"
                notify.notify("reply", ticket, [ticket.requester_email], author=author, body=body)
            target = new_state or (IN_PROGRESS if sets_state and public and ticket.state in (NEW, ASSIGNED)
                                   else "")
            if target and target != ticket.state:
                _check_transition(ticket, target)
                set_state(ticket, target, user, "")
                fields += ["state", "solved_at", "closed_at", "paused_at", "paused_seconds"]
                if target != IN_PROGRESS:
                    _state_notice(ticket, target)
            _mentions(ticket, user, body, event)
        ticket.save(update_fields=sorted(set(fields)))
    return event


MENTION = re.compile(r"(?<![\w.@])@([\w.+-]{2,150})")


def _mentions(ticket: Ticket, user: Any, body: str, event: TicketEvent) -> None:
    """``@username`` in a note or reply tells that person, if they may see the ticket."""
    names = {m.rstrip(".") for m in MENTION.findall(body)}
    if not names:
        return
    author = (user.get_full_name() or user.username) if actor_of(user) else "Someone"
    for person in get_user_model().objects.filter(username__in=names, is_active=True):
        if person.pk == getattr(user, "pk", None) or not may(person, ticket, "view"):
            continue
        add_event(ticket, TicketEvent.MENTION, user, public=False, to=person.pk, name=person.username,
                  event=event.pk)
        notify.notify("mention", ticket, [person.email], author=author, body=body)


def follow_up(ticket: Ticket, user: Any, body: str, *, uploads: list[Upload] | None = None,
              via_email: bool = False) -> TicketEvent:
    """The requester wrote to a closed ticket: a new ticket continues it, linked to it, with
    the same centre when someone still answers there (else routed afresh)."""
    with transaction.atomic():
        new = Ticket.objects.create(
            subject=f"Follow-up to {ticket.reference}: {ticket.subject}"[:MAX_SUBJECT],
            body=body,
            requester=ticket.requester,
            requester_name=ticket.requester_name,
            requester_email=ticket.requester_email,
            followers=list(ticket.followers),
            country=ticket.country,
            language=ticket.language,
            service=ticket.service,
            stage=ticket.stage,
            priority=ticket.priority,
            confirmed=True,
        )
        event = add_event(new, TicketEvent.CREATED, user, label=ticket.requester_name, by_requester=True,
                          body=body, via_email=via_email)
        _store(new, event, uploads or [], user)
        TicketLink.objects.create(source=new, target=ticket, kind=TicketLink.RELATED)
        add_event(ticket, TicketEvent.FOLLOWUP, None, label="helpdesk", public=True, target=new.pk,
                  reference=new.reference)
        add_event(new, TicketEvent.FOLLOWUP, None, label="helpdesk", public=True, target=ticket.pk,
                  reference=ticket.reference, follows=True)
        if ticket.centre_id and staffing.is_staffed(ticket.centre_id):
            new.centre_id, new.routed_at = ticket.centre_id, timezone.now()
            new.save(update_fields=["centre", "routed_at"])
            add_event(new, TicketEvent.ROUTED, None, label="helpdesk", to=new.centre_id,
                      centre=ticket.centre.acronym if ticket.centre else "", automatic=True)
            notify.notify("new", new, notify.centre_addresses(new.centre_id),
                          centre=ticket.centre.acronym if ticket.centre else "",
                          reasons=f"follows {ticket.reference}, which it solved")
            from cchub.support.guests import ticket_link

            notify.notify("followup", new, [new.requester_email], previous=ticket.reference,
                          link=ticket_link(new))
        else:
            _route(new)
    return event


def _state_notice(ticket: Ticket, state: str) -> None:
    """Tell the requester (and followers) the ticket is waiting, solved or unsolved; a solved
    ticket's mail says until when it can be reopened and asks how it went."""
    if state not in (SOLVED, UNSOLVED, WAITING):
        return
    closes = ""
    if state in (SOLVED, UNSOLVED):
        when = autoclose_at(ticket)
        closes = sla.local_time(when, sla.desk_for(ticket.centre)) if when else ""
    from cchub.support.satisfaction import rating_link

    notify.notify(
        "state",
        ticket,
        [ticket.requester_email],
        state=STATE_LABELS[state].lower(),
        closes=closes,
        rate=rating_link(ticket) if state in (SOLVED, UNSOLVED) else "",
    )



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


PAUSED_STATES = (WAITING, ON_HOLD)


def set_state(ticket: Ticket, state: str, user: Any, note: str) -> None:
    """Change the state (the caller saves); the service clocks pause while the ball is with
    the requester (waiting) or the ticket is on hold, and run again after."""
    old = ticket.state
    ticket.state = state
    now = timezone.now()
    if state in PAUSED_STATES and ticket.paused_at is None:
        ticket.paused_at = now
    elif state not in PAUSED_STATES and ticket.paused_at is not None:
        ticket.paused_seconds += sla.working_seconds(sla.desk_for(ticket.centre), ticket.paused_at, now)
        ticket.paused_at = None
    if state in (SOLVED, UNSOLVED):
        ticket.solved_at = now
    elif state == IN_PROGRESS and old in (SOLVED, UNSOLVED):
        ticket.solved_at = None
    if state == CLOSED:
        ticket.closed_at = now
    add_event(
        ticket, TicketEvent.STATE, user, label="" if actor_of(user) else "system", old=old, new=state,
        note=note,
    )


def change_state(
    ticket: Ticket, user: Any, state: str, note: str = "", guest: set[int] | None = None
) -> Ticket:
    reopening = state == IN_PROGRESS and ticket.state in (SOLVED, UNSOLVED)
    require(user, ticket, "reopen" if reopening else "state", guest)
    _check_transition(ticket, state)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        _check_transition(ticket, state)
        set_state(ticket, state, user, clean_text(note)[:500])
        ticket.save(update_fields=["state", "solved_at", "closed_at", "paused_at", "paused_seconds",
                                   "updated_at"])
        _state_notice(ticket, state)
    return ticket


def close_own(ticket: Ticket, user: Any, guest: set[int] | None = None, note: str = "") -> Ticket:
    """The requester closes their own question (it is answered, or no longer needed)."""
    require(user, ticket, "close", guest)
    if ticket.state == CLOSED:
        raise TicketError("This ticket is already closed.", status=409)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if ticket.solved_at is None:
            ticket.solved_at = timezone.now()
        set_state(ticket, CLOSED, user, clean_text(note)[:500] or "closed by the requester")
        ticket.save(update_fields=["state", "solved_at", "closed_at", "paused_at", "paused_seconds",
                                   "updated_at"])
        notify.notify("requester-reply", ticket, _staff_addresses(ticket),
                      body="The requester closed the ticket." + (f"\n\n{note}" if note else ""))
    return ticket


def set_priority(ticket: Ticket, user: Any, priority: str) -> Ticket:
    require(user, ticket, "priority")
    if priority not in PRIORITY_LABELS:
        raise TicketError(
            f"Unknown priority '{priority}' (one of {', '.join(PRIORITY_LABELS)}).", field="priority"
        )
    with transaction.atomic():
        old = ticket.priority
        ticket.priority = priority
        ticket.sla_notices = []
        ticket.save(update_fields=["priority", "sla_notices", "updated_at"])
        add_event(ticket, TicketEvent.PRIORITY, user, public=False, old=old, new=priority)
    return ticket


def assign(ticket: Ticket, user: Any, assignee_id: int | None) -> Ticket:
    """Give the ticket to a supporter of its centre (or take it back to the centre's queue)."""
    require(user, ticket, "assign")
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
            set_state(ticket, ASSIGNED, user, "")
            fields.append("state")
        ticket.save(update_fields=fields)
        add_event(
            ticket,
            TicketEvent.ASSIGN,
            user,
            public=False,
            to=assignee_id,
            name=assignee.get_username() if assignee else "",
        )
        if assignee is not None and assignee.pk != getattr(user, "pk", None):
            author = (user.get_full_name() or user.username) if actor_of(user) else "The helpdesk"
            notify.notify("assigned", ticket, [assignee.email], author=author)
    return ticket


def _centre(centre_id: Any, staffed: bool = True) -> Centre:
    """The centre a ticket goes to; with ``staffed``, only one that has someone to answer."""
    centre = Centre.objects.public().filter(pk=centre_id).first() if centre_id is not None else None
    if centre is None:
        raise TicketError("Choose a centre of the network.", field="centre")
    if staffed and not staffing.is_staffed(centre.pk):
        raise TicketError(staffing.NOBODY.format(acronym=centre.acronym), field="centre", status=409)
    return centre


def place(ticket: Ticket, user: Any, centre_id: Any, note: str = "") -> Ticket:
    """A triager sends a ticket from the triage queue to a centre (one click)."""
    require(user, ticket, "place")
    centre = _centre(centre_id)
    if ticket.centre_id is not None:
        raise TicketError("This ticket already belongs to a centre; transfer it instead.", status=409)
    with transaction.atomic():
        ticket.centre = centre
        ticket.routed_at = timezone.now()
        ticket.save(update_fields=["centre", "routed_at", "updated_at"])
        add_event(ticket, TicketEvent.ROUTED, user, to=centre.pk, centre=centre.acronym, automatic=False)
        note = clean_text(note)[:2000]
        if note:  # for the centre, never for the requester
            add_event(ticket, TicketEvent.NOTE, user, public=False, body=note)
        notify.notify("new", ticket, notify.centre_addresses(centre.pk), centre=centre.acronym, reasons=note)
    return ticket


def transfer(
    ticket: Ticket, user: Any, centre_id: Any, reason: str, kind: str = TicketEvent.TRANSFER,
    for_requester: str = "",
) -> Ticket:
    """Hand the ticket to another centre with a stated reason (kept and shown to it); the
    requester is told in plain words, with ``for_requester`` when the agent wrote one."""
    require(user, ticket, "transfer" if kind == TicketEvent.TRANSFER else "refer")
    reason = clean_text(text_field(reason, "reason", 2000))
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
            set_state(ticket, NEW, user, f"handed over to {centre.acronym}")
        ticket.seen_at = None
        ticket.save(update_fields=["centre", "assignee", "routed_at", "sla_notices", "state", "seen_at",
                                   "paused_at", "paused_seconds", "updated_at"])
        ticket.collaborators.remove(centre)
        add_event(
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
        _tell_requester_moved(ticket, centre, user, clean_text(for_requester)[:1000])
    return ticket


def _tell_requester_moved(ticket: Ticket, centre: Centre, user: Any, why: str = "") -> None:
    """The requester's timeline and mail say, in plain words, who has their question now
    (the centres' own reasons stay internal unless the agent wrote one for the requester)."""
    words = (f"Your question was passed to {centre.acronym} ({centre.name}), which is better placed "
             "to answer it. Its supporters will reply here." + (f" {why}" if why else ""))
    add_event(ticket, TicketEvent.ROUTED, user, body=words, to=centre.pk, centre=centre.acronym,
              automatic=False, moved=True)
    notify.notify("moved", ticket, [ticket.requester_email], centre=centre.acronym, name=centre.name, why=why)


def refer(ticket: Ticket, user: Any, reason: str) -> Ticket:
    """The centre lacks the competence: the ticket goes to the next best centre the router
    finds (never back to this one), or to triage when none is confident."""
    require(user, ticket, "refer")
    reason = clean_text(text_field(reason, "reason", 2000))
    here = ticket.centre_id
    refused = {here} | {
        e.data.get("from")
        for e in ticket.events.filter(kind__in=[TicketEvent.TRANSFER, TicketEvent.REFERRAL])
    }
    candidates = [
        c for c in routing.route(question_of(ticket), limit=10) if c.centre_id not in refused and c.staffed
    ]
    if candidates and routing.confident(candidates):
        return transfer(ticket, user, candidates[0].centre_id, reason, kind=TicketEvent.REFERRAL)
    with transaction.atomic():
        old = ticket.centre
        ticket.centre, ticket.assignee, ticket.seen_at = None, None, None
        ticket.routing = [c.as_dict() for c in candidates[:5]]
        if ticket.state != NEW:
            set_state(ticket, NEW, user, "referred to triage")
        ticket.save(update_fields=["centre", "assignee", "routing", "state", "paused_at", "paused_seconds",
                                   "seen_at", "updated_at"])
        add_event(
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
    require(user, ticket, "escalate")
    reason = clean_text(text_field(reason, "reason", 2000))
    with transaction.atomic():
        ticket.escalated = True
        ticket.save(update_fields=["escalated", "updated_at"])
        add_event(ticket, TicketEvent.ESCALATION, user, body=reason, public=False)
        notify.notify(
            "escalation",
            ticket,
            notify.admin_addresses(),
            reason=reason,
            author=user.get_username() if actor_of(user) else "",
        )
    return ticket


def invite(ticket: Ticket, user: Any, centre_id: Any, note: str = "") -> Ticket:
    """Ask another centre to help without giving the ticket away."""
    require(user, ticket, "invite")
    centre = _centre(centre_id)
    if centre.pk == ticket.centre_id or ticket.collaborators.filter(pk=centre.pk).exists():
        raise TicketError(f"{centre.acronym} already works on this ticket.", field="centre", status=409)
    with transaction.atomic():
        ticket.collaborators.add(centre)
        add_event(
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
    require(user, ticket, "link")
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
        made = TicketLink.objects.create(source=ticket, target=other, kind=kind, created_by=actor_of(user))
        add_event(
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
                set_state(
                    ticket, CLOSED, None, f"closed after {settings.SUPPORT_AUTOCLOSE_DAYS} working days"
                )
                ticket.save(update_fields=["state", "closed_at", "updated_at"])
            counts["closed"] += 1
    open_tickets = (
        Ticket.objects.filter(state__in=OPEN_STATES, centre__isnull=False, spam=False)
        .select_related("centre__desk", "assignee")
        .prefetch_related("centre__service_levels")
    )
    for ticket in open_tickets:
        ticket_clocks = sla.clocks(ticket, now)
        for clock in ticket_clocks:
            if _sla_notice(ticket, clock, _staff_addresses(ticket), "sla"):
                counts["breaches" if clock.state == "breached" else "warnings"] += 1
        if _escalate_unseen(ticket, ticket_clocks[0]):
            counts["unseen"] = counts.get("unseen", 0) + 1
    triage = Ticket.objects.filter(state__in=OPEN_STATES, centre__isnull=True, confirmed=True, spam=False)
    for ticket in triage:
        if _sla_notice(ticket, sla.triage_clock(ticket, now), notify.triager_addresses(), "triage-sla"):
            counts["triage"] = counts.get("triage", 0) + 1
    return counts


def _sla_notice(ticket: Ticket, clock: sla.Clock, recipients: list[str], event: str) -> bool:
    """Record and mail a clock's warning or breach, once each."""
    state = clock.state
    key = f"{clock.name}:{state}"
    if state not in ("warning", "breached") or key in ticket.sla_notices:
        return False
    with transaction.atomic():
        ticket.sla_notices = [*ticket.sla_notices, key]
        ticket.save(update_fields=["sla_notices"])
        add_event(
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
            event,
            ticket,
            recipients,
            level="breached" if state == "breached" else "warning",
            words="has passed" if state == "breached" else "has reached 75 % of",
            clock=clock.name,
            elapsed=f"{clock.elapsed_hours:.1f}",
            target=f"{clock.target_hours:g}",
            due=sla.local_time(clock.due, sla.desk_for(ticket.centre)),
        )
    return True


def _escalate_unseen(ticket: Ticket, first: sla.Clock) -> bool:
    """A ticket nobody at its centre has opened by the end of its first-response target goes
    to the triage rota and the cluster's coordinators, once."""
    if ticket.seen_at is not None or first.done or first.state != "breached":
        return False
    if "unseen" in ticket.sla_notices:
        return False
    with transaction.atomic():
        ticket.sla_notices = [*ticket.sla_notices, "unseen"]
        ticket.escalated = True
        ticket.save(update_fields=["sla_notices", "escalated"])
        centre = ticket.centre
        add_event(ticket, TicketEvent.UNSEEN, None, public=False, label="service levels",
                  centre=centre.acronym if centre else "", target=first.target_hours)
        recipients = notify.triager_addresses() + notify.coordinator_addresses(centre)
        notify.notify("unseen", ticket, recipients, centre=centre.acronym if centre else "",
                      target=f"{first.target_hours:g}")
    return True


def mark_seen(ticket: Ticket, user: Any) -> None:
    """A supporter of the ticket's centre opened it: its centre has seen it."""
    if ticket.seen_at is None and ticket.centre_id in supported_centre_ids(user):
        ticket.seen_at = timezone.now()
        Ticket.objects.filter(pk=ticket.pk, seen_at__isnull=True).update(seen_at=ticket.seen_at)


def visible_tickets(user: Any) -> Any:
    """The tickets a signed-in user may list: their own, their centres' and collaborations,
    the triage queue for triagers, all for administrators."""
    if actor_of(user) is None:
        return Ticket.objects.none()
    if is_network_admin(user):
        return Ticket.objects.all()
    centres = supported_centre_ids(user)
    rule = Q(requester=user) | Q(centre_id__in=centres) | Q(collaborators__in=centres)
    if is_triager(user):
        rule |= Q(centre__isnull=True)
    return Ticket.objects.filter(rule).distinct()

