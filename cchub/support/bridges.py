"""Bridges to helpdesks that already exist: a centre whose tickets live elsewhere (the EGI
helpdesk on Zammad, or any desk that takes e-mail) gets them handed over there.

- **By e-mail** (``Desk.handover = "email"``): the question goes to the other desk's address
  with a reply address of its own (``support+42-h-<token>@…``); what that desk answers comes
  back into the ticket as the centre's public reply, and what the requester adds is sent on.
- **By Zammad's REST API** (``"zammad"``): the hub creates the ticket there (``POST
  /api/v1/tickets``, the requester as the customer, in the desk's group), keeps its number
  and link, sends the requester's later messages as articles, and every round reads back its
  state and the agents' public answers (``GET /api/v1/tickets/{id}?expand=true``, ``GET
  /api/v1/ticket_articles/by_ticket/{id}``). Zammad mails the requester itself, so the hub
  records those answers without mailing them again.

The ticket stays in the hub's queues and reports either way. A hand-over that fails is
recorded on the ticket, the triage rota is told, and the next round tries again.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.conf import settings
from django.core import mail
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from cchub.lib.fetch import FetchError, Limits, Response, request
from cchub.support.models import FINISHED_STATES, OPEN_STATES, SOLVED, Desk, Ticket, TicketEvent

log = logging.getLogger(__name__)
HANDOVER_THREAD = "h"
# Zammad's states as the hub's.
ZAMMAD_STATES = {
    "new": "in-progress", "open": "in-progress", "pending reminder": "waiting", "pending close": "waiting",
    "closed": SOLVED, "merged": SOLVED,
}


def desk_of(ticket: Ticket) -> Desk | None:
    if ticket.centre_id is None:
        return None
    return Desk.objects.filter(centre_id=ticket.centre_id).exclude(handover="").first()


def takes(centre_id: int | None) -> bool:
    return centre_id is not None and Desk.objects.filter(centre_id=centre_id).exclude(handover="").exists()


def after_commit(event: str, ticket: Ticket, body: str = "") -> None:
    """Called where a ticket reaches a centre (``new``, ``transfer``) or its requester writes
    (``requester-reply``): hand it over, or send the message on, once the change is saved."""
    if not takes(ticket.centre_id):
        return
    if event in ("new", "transfer"):
        transaction.on_commit(lambda: hand_over_task.enqueue(ticket.pk))
    elif event == "requester-reply" and body:
        transaction.on_commit(lambda: send_on_task.enqueue(ticket.pk, body))


def _limits() -> Limits:
    return Limits(timeout=20.0, allow_private=settings.SUPPORT_BRIDGE_PRIVATE)


def _zammad(desk: Desk, method: str, path: str, payload: dict[str, Any] | None = None) -> Response:
    response = request(
        method,
        desk.handover_url.rstrip("/") + path,
        _limits(),
        body=json.dumps(payload).encode() if payload is not None else None,
        headers={"Authorization": f"Token token={desk.handover_token}", "Content-Type": "application/json"},
    )
    if response.status >= 400:
        raise FetchError(f"Zammad answered HTTP {response.status}: {response.content[:200]!r}",
                         status=response.status)
    return response


def _handed_over(ticket: Ticket) -> bool:
    return ticket.events.filter(kind=TicketEvent.HANDOVER, data__centre=ticket.centre_id,
                                data__error__isnull=True).exists()


def answer_from_desk(ticket: Ticket, body: str) -> TicketEvent:
    """The other helpdesk answered by e-mail: the centre's public reply, told to the requester."""
    from cchub.support import notify
    from cchub.support.workflow import IN_PROGRESS, add_event, set_state

    label = f"{ticket.centre.acronym if ticket.centre else ''} helpdesk"
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        event = add_event(ticket, TicketEvent.REPLY, None, body=body, label=label, via_email=True)
        if ticket.first_response_at is None:
            ticket.first_response_at = timezone.now()
        if ticket.state in ("new", "assigned"):
            set_state(ticket, IN_PROGRESS, None, "")
        ticket.save(update_fields=["first_response_at", "state", "paused_at", "paused_seconds", "updated_at"])
        notify.notify("reply", ticket, [ticket.requester_email], author=label, body=body)
    return event


def _record(ticket: Ticket, system: str, **data: Any) -> None:
    TicketEvent.objects.create(ticket=ticket, kind=TicketEvent.HANDOVER, public=False, actor_label=system,
                               data={"system": system, **data})


def hand_over(ticket: Ticket) -> bool:
    """Give the ticket to its centre's other helpdesk (once per centre); False on failure."""
    desk = desk_of(ticket)
    if desk is None or _handed_over(ticket):
        return True
    try:
        if desk.handover == Desk.HANDOVER_ZAMMAD:
            created = _zammad(desk, "POST", "/api/v1/tickets", {
                "title": f"[{ticket.reference}] {ticket.subject}"[:250],
                "group": desk.handover_group or "Users",
                "customer_id": f"guess:{ticket.requester_email}",
                "article": {"subject": ticket.subject, "body": ticket.body, "type": "web", "internal": False,
                            "content_type": "text/plain"},
                "note": f"From the CC Hub network: {settings.SITE_URL}{ticket.get_absolute_url()}",
            }).json()
            ticket.external_ref = str(created.get("number") or created["id"])
            ticket.external_url = f"{desk.handover_url.rstrip('/')}/#ticket/zoom/{created['id']}"
            ticket.external_state = str(created.get("state") or "new")
            ticket.seen_at = timezone.now()  # the other desk has it
            ticket.save(update_fields=["external_ref", "external_url", "external_state", "seen_at"])
            _record(ticket, "Zammad", centre=ticket.centre_id, ref=ticket.external_ref, id=created["id"])
        else:
            _mail_over(ticket, desk, ticket.body, first=True)
            ticket.external_ref = ticket.external_ref or desk.handover_address
            ticket.seen_at = timezone.now()
            ticket.save(update_fields=["external_ref", "seen_at"])
            _record(ticket, "e-mail", centre=ticket.centre_id, ref=desk.handover_address)
    except (FetchError, KeyError, ValueError) as exc:
        message = getattr(exc, "message", str(exc))
        _record(ticket, desk.get_handover_display(), centre=ticket.centre_id, error=message[:300])
        from cchub.support import notify

        rota = notify.triager_addresses()
        notify.notify("undelivered", ticket, rota, what="hand-over", error=message[:300])
        log.warning("Hand-over of %s failed: %s", ticket.reference, message)
        return False
    return True


def _mail_over(ticket: Ticket, desk: Desk, body: str, first: bool) -> None:
    from cchub.support.notify import reply_address

    intro = (f"A question for {ticket.centre.acronym if ticket.centre else 'your centre'} from the CC Hub "
             f"network, asked by {ticket.requester_name or 'a researcher'}. Reply to this message to answer "
             "the researcher; your answer is passed on.\n\n") if first else "The researcher added:\n\n"
    message = mail.EmailMessage(
        subject=f"[{ticket.reference}] {ticket.subject}"[:250],
        body=intro + body + f"\n\n-- \n{settings.SITE_URL}{ticket.get_absolute_url()}\n",
        to=[desk.handover_address],
        reply_to=[reply_address(ticket, HANDOVER_THREAD, desk.handover_address)],
        headers={"X-CCHub-Ticket": ticket.reference, "Auto-Submitted": "auto-generated"},
    )
    message.send()


def send_on(ticket: Ticket, body: str) -> None:
    desk = desk_of(ticket)
    if desk is None:
        return
    try:
        if desk.handover == Desk.HANDOVER_ZAMMAD:
            remote = ticket.events.filter(kind=TicketEvent.HANDOVER, data__id__isnull=False).last()
            if remote is None:
                return
            _zammad(desk, "POST", "/api/v1/ticket_articles", {
                "ticket_id": remote.data["id"], "body": body, "type": "web", "internal": False,
                "sender": "Customer", "content_type": "text/plain"})
        else:
            _mail_over(ticket, desk, body, first=False)
    except FetchError as exc:
        _record(ticket, desk.get_handover_display(), centre=ticket.centre_id, error=exc.message[:300])


def sync(ticket: Ticket) -> bool:
    """Read back a Zammad ticket's state and its agents' public answers. True if changed."""
    from cchub.support.workflow import add_event, set_state

    desk = desk_of(ticket)
    remote = ticket.events.filter(kind=TicketEvent.HANDOVER, data__id__isnull=False).last()
    if desk is None or desk.handover != Desk.HANDOVER_ZAMMAD or remote is None:
        return False
    remote_id = remote.data["id"]
    try:
        state = str(_zammad(desk, "GET", f"/api/v1/tickets/{remote_id}?expand=true").json().get("state", ""))
        articles = _zammad(desk, "GET", f"/api/v1/ticket_articles/by_ticket/{remote_id}").json()
    except (FetchError, ValueError) as exc:
        log.warning("Reading %s back from Zammad failed: %s", ticket.reference, exc)
        return False
    seen = set(ticket.events.filter(kind=TicketEvent.REPLY, data__zammad__isnull=False)
               .values_list("data__zammad", flat=True))
    changed = False
    with transaction.atomic():
        for article in articles:
            if article.get("internal") or article.get("sender") != "Agent" or article.get("id") in seen:
                continue
            label = f"{ticket.centre.acronym if ticket.centre else ''} helpdesk ({article.get('from', '')})"
            add_event(ticket, TicketEvent.REPLY, None, body=str(article.get("body", ""))[:20000], label=label,
                      zammad=article.get("id"))
            if ticket.first_response_at is None:
                ticket.first_response_at = timezone.now()
            changed = True
        target = ZAMMAD_STATES.get(state.lower())
        if state and state != ticket.external_state:
            ticket.external_state = state
            changed = True
        if target and target != ticket.state and ticket.state in OPEN_STATES + FINISHED_STATES[:2]:
            set_state(ticket, target, None, f"in {desk.centre.acronym}'s helpdesk: {state}")
        if changed:
            ticket.save(update_fields=["external_state", "first_response_at", "state", "solved_at",
                                       "closed_at", "paused_at", "paused_seconds", "updated_at"])
    return changed


def round_trip() -> dict[str, int]:
    """The periodic round: retry failed hand-overs, read back the bridged tickets."""
    counts = {"handed over": 0, "synced": 0}
    bridged = Ticket.objects.filter(state__in=OPEN_STATES, centre__desk__handover__gt="", spam=False)
    for ticket in bridged.select_related("centre"):
        if not _handed_over(ticket):
            counts["handed over"] += hand_over(ticket)
        elif sync(ticket):
            counts["synced"] += 1
    return counts


@task()
def hand_over_task(ticket_id: int) -> bool:
    ticket = Ticket.objects.select_related("centre").filter(pk=ticket_id).first()
    return hand_over(ticket) if ticket is not None else False


@task()
def send_on_task(ticket_id: int, body: str) -> None:
    ticket = Ticket.objects.select_related("centre").filter(pk=ticket_id).first()
    if ticket is not None:
        send_on(ticket, body)


@task()
def bridge_round() -> dict[str, int]:
    return round_trip()
