"""Replies by e-mail, threaded back into their ticket.

A message finds its ticket, and its author, only by the per-recipient token in the address
it was sent to (support+42-r-<token>@... for the requester, support+42-u7-<token>@... for
user 7; see notify.mail_token): a "[CCH-000042]" subject or a From: header proves nothing.
The requester's replies are public; a staff member's reply to a staff notification is an
internal note unless its first line is "#public". Loop protection: messages
marked as automatic (Auto-Submitted, Precedence bulk/junk/list, X-Autoreply and friends),
from mailer daemons or from the hub itself, repeats of a Message-ID already seen, and a
burst of more than ``BURST_LIMIT`` messages from one sender to one ticket in an hour are
dropped, each with a recorded reason.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from cchub.lib.text import clean_text
from cchub.support.attachments import Upload
from cchub.support.models import InboundMail, Ticket
from cchub.support.notify import REQUESTER, SHARED, TOKEN_LENGTH, check_token
from cchub.support.permissions import may
from cchub.support.workflow import TicketError, reply

BURST_LIMIT = 10
AUTOMATIC_SENDERS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounce[s]?)@", re.I)
QUOTE_START = re.compile(
    r"^(On .{0,200} wrote:|-----Original Message-----|From: .+"
    r"|Le .{0,200} a écrit ?:|Am .{0,200} schrieb .+:)\s*$",
    re.I,
)


def _automatic(message: EmailMessage, sender: str) -> str:
    auto = (message.get("Auto-Submitted") or "no").strip().lower()
    if auto != "no":
        return f"automatic message (Auto-Submitted: {auto})"
    if (message.get("Precedence") or "").strip().lower() in {"bulk", "junk", "list", "auto_reply"}:
        return "bulk or list message (Precedence)"
    for header in ("X-Autoreply", "X-Autorespond"):
        if message.get(header):
            return f"automatic message ({header})"
    if message.get("X-CCHub-Ticket"):
        return "our own message came back"
    if AUTOMATIC_SENDERS.match(sender) or sender.lower() == parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower():
        return "sent by a mail system, not a person"
    if message.get("Return-Path", "").strip() == "<>":
        return "bounce (empty Return-Path)"
    return ""


@dataclass
class Thread:
    """Whose reply address a message was sent to: the ticket and the person it proves."""

    ticket: Ticket
    who: str  # notify.REQUESTER, notify.SHARED or "u<id>"
    user: Any = None


def _find_thread(message: EmailMessage) -> Thread | str:
    """The thread the message answers, proven by its per-recipient token, or why not."""
    local, _, domain = settings.SUPPORT_ADDRESS.partition("@")
    pattern = re.compile(
        rf"^{re.escape(local)}\+(\d{{1,9}})-(r|u\d{{1,9}}|a)(?:-([0-9a-f]{{{TOKEN_LENGTH}}}))?@{re.escape(domain)}$",
        re.I,
    )
    recipients = getaddresses(
        message.get_all("To", [])
        + message.get_all("Cc", [])
        + message.get_all("Delivered-To", [])
        + message.get_all("X-Original-To", [])
    )
    why = "rejected: no valid reply address (a subject or a From: header does not identify a ticket)"
    for _, address in recipients:
        found = pattern.match(address.strip())
        if not found:
            continue
        ticket = Ticket.objects.filter(pk=int(found.group(1))).first()
        who, token = found.group(2).lower(), (found.group(3) or "")
        if ticket is None:
            continue
        if who == SHARED:
            why = "rejected: a shared mailbox cannot answer by e-mail; sign in and answer on the web"
            continue
        if who == REQUESTER:
            if token and check_token(ticket.pk, who, ticket.requester_email, token):
                return Thread(ticket, who)
            continue
        user = get_user_model().objects.filter(pk=int(who[1:]), is_active=True).first()
        if user is not None and token and check_token(ticket.pk, who, user.email, token):
            return Thread(ticket, who, user)
    return why


PUBLIC_MARK = re.compile(r"^\s*#public\s*$", re.I)


def _staff_body(body: str) -> tuple[str, bool]:
    """A staff member's mail is an internal note unless its first line is ``#public``."""
    lines = body.splitlines()
    if lines and PUBLIC_MARK.match(lines[0]):
        return "\n".join(lines[1:]).strip(), True
    return body, False


def _text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    text = part.get_content()
    if part.get_content_type() == "text/html":
        text = clean_text(re.sub(r"<(br|/p|/div)[^>]*>", "\n", text, flags=re.I))
    lines = []
    for line in text.splitlines():
        if QUOTE_START.match(line.strip()) or line.strip() == "--":
            break
        if line.startswith(">"):
            continue
        lines.append(line.rstrip())
    return "\n".join(lines).strip()


def _uploads(message: EmailMessage) -> list[Upload]:
    found = []
    for part in message.iter_attachments():
        name = part.get_filename() or "attachment"
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            found.append(Upload(name=name, content=payload))
    return found


def receive(raw: bytes) -> str:
    """Take one RFC 5322 message; return what became of it (also kept in InboundMail)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    sender = parseaddr(str(message.get("From", "")))[1].strip()
    message_id = (str(message.get("Message-ID", "")).strip() or "sha256:" + hashlib.sha256(raw).hexdigest())[
        :255
    ]
    subject = str(message.get("Subject", ""))[:255]
    if InboundMail.objects.filter(message_id=message_id).exists():
        return "ignored: this message was received before"

    def done(outcome: str, ticket: Ticket | None = None) -> str:
        InboundMail.objects.create(
            message_id=message_id, sender=sender[:255], subject=subject, ticket=ticket, outcome=outcome[:200]
        )
        return outcome

    if not sender:
        return done("rejected: no sender")
    automatic = _automatic(message, sender)
    if automatic:
        return done(f"dropped: {automatic}")
    thread = _find_thread(message)
    if isinstance(thread, str):
        return done(thread)
    ticket = thread.ticket
    since = timezone.now() - dt.timedelta(hours=1)
    if (
        InboundMail.objects.filter(ticket=ticket, sender__iexact=sender, received_at__gte=since).count()
        >= BURST_LIMIT
    ):
        return done("dropped: too many messages from this sender for this ticket (mail loop?)", ticket)
    body = _text_of(message)
    try:
        if thread.who == REQUESTER:
            actor = ticket.requester if ticket.requester_id else None
            reply(ticket, actor, body, uploads=_uploads(message), guest={ticket.pk}, via_email=True)
        else:
            body, public = _staff_body(body)
            if not may(thread.user, ticket, "reply" if public else "note"):
                return done("rejected: the sender may not reply to this ticket", ticket)
            reply(ticket, thread.user, body, public=public, uploads=_uploads(message), via_email=True)
    except TicketError as exc:
        return done(f"rejected: {exc.message}", ticket)
    return done("added to the ticket", ticket)
