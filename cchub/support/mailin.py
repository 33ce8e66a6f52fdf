"""Mail in: new questions and replies by e-mail.

A message to the network's support address (``SUPPORT_ADDRESS``), to one centre's address
in the hub (``support+c-<centre slug>@…``) or to a centre's own helpdesk address forwarded
to the hub opens a ticket, as a guest's web question does: the sender confirms the address
(by the link, or by replying to the confirmation mail) before it is routed, and the people
on Cc follow the ticket. A refused attachment is reported, never a reason to lose the text.

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

from cchub.lib.text import one_line
from cchub.registry.models import Centre
from cchub.support import bridges, lifecycle, mailtext, workflow
from cchub.support.attachments import Upload, partition
from cchub.support.models import InboundMail, Ticket, TicketEvent
from cchub.support.notify import REQUESTER, SHARED, TOKEN_LENGTH, check_token
from cchub.support.permissions import may
from cchub.support.workflow import Submission, TicketError, add_event, reply

BURST_LIMIT = 10
AUTOMATIC_SENDERS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounce[s]?)@", re.I)
MAX_FOLLOWERS = 10


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
    if mailtext.is_auto_reply(str(message.get("Subject", ""))):
        return "automatic reply (its subject says so)"
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
        rf"^{re.escape(local)}\+(\d{{1,9}})-(r|h|u\d{{1,9}}|a)(?:-([0-9a-f]{{{TOKEN_LENGTH}}}))?@{re.escape(domain)}$",
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
        if who == bridges.HANDOVER_THREAD:
            desk = bridges.desk_of(ticket)
            if desk is not None and token and check_token(ticket.pk, who, desk.handover_address, token):
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
    try:
        content = part.get_content()
    except (LookupError, UnicodeError):
        raw = part.get_payload(decode=True)
        content = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else ""
    return mailtext.new_text(str(content), is_html=part.get_content_type() == "text/html")


def _uploads(message: EmailMessage) -> list[Upload]:
    """Attached files; small inline images (logos in signatures) are not attachments."""
    found = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        inline = (part.get_content_disposition() == "inline" or part.get("Content-ID")) and \
            part.get_content_maintype() == "image"
        if inline and len(payload) < 100_000:
            continue
        found.append(Upload(name=part.get_filename() or "attachment", content=payload))
    return found


def _keep_files(ticket: Ticket, message: EmailMessage) -> tuple[list[Upload], str]:
    """The files to store, and a note naming those refused (recorded on the ticket)."""
    kept, refused = partition(_uploads(message))
    return kept, "Files not kept: " + " ".join(refused) if refused else ""


def _addresses(message: EmailMessage, *headers: str) -> list[str]:
    found: list[str] = []
    for header in headers:
        found += [a.strip().lower() for _, a in getaddresses(message.get_all(header, [])) if a]
    return found


def _ours(address: str) -> bool:
    local, _, domain = settings.SUPPORT_ADDRESS.lower().partition("@")
    return address.startswith(local) and address.endswith("@" + domain)


def _question_target(message: EmailMessage) -> tuple[bool, Centre | None]:
    """Is this a new question to the network (or to one centre), and to which centre?"""
    local, _, domain = settings.SUPPORT_ADDRESS.lower().partition("@")
    centre_address = re.compile(rf"^{re.escape(local)}\+c-([a-z0-9-]{{1,80}})@{re.escape(domain)}$")
    recipients = _addresses(message, "To", "Cc", "Delivered-To", "X-Original-To")
    for address in recipients:
        found = centre_address.match(address)
        if found:
            return True, Centre.objects.public().filter(slug=found.group(1)).first()
    own = Centre.objects.public().filter(helpdesk_email__in=recipients).first() if recipients else None
    if own is not None:
        return True, own
    return settings.SUPPORT_ADDRESS.lower() in recipients, None


WEB_FORM = "ask on the web instead: {site}/support/"


def _new_question(message: EmailMessage, sender: str, centre: Centre | None) -> tuple[str, Ticket | None]:
    """Open a guest's ticket from a mail: confirmed by the sender before it is routed."""
    if lifecycle.blocked(sender):
        return "dropped: the sender is blocked", None
    name = one_line(parseaddr(str(message.get("From", "")))[0])[:200]
    subject = one_line(str(message.get("Subject", "")))[: workflow.MAX_SUBJECT] or "Question by e-mail"
    body = _text_of(message)
    cc = [a for a in _addresses(message, "Cc", "To") if a != sender.lower() and not _ours(a)]
    if centre is not None:
        cc = [a for a in cc if a != (centre.helpdesk_email or "").lower()]
    try:
        ticket = workflow.submit(
            Submission(subject=subject, body=body, email=sender, name=name,
                       centre=centre.slug if centre else ""),
            None,
            via_email=True,
            followers=cc[:MAX_FOLLOWERS],
        )
    except TicketError as exc:
        return f"rejected: {exc.message} Or {WEB_FORM.format(site=settings.SITE_URL)}", None
    files = len(_uploads(message))
    if files:
        add_event(ticket, TicketEvent.NOTE, None, public=False, label="mail",
                  body=f"The question came with {files} file(s); they are kept once the sender confirms "
                       "the address and sends them again by replying.")
    return "new question: waiting for the sender to confirm the address", ticket


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
        is_question, centre = _question_target(message)
        if is_question:
            outcome, opened = _new_question(message, sender, centre)
            return done(outcome, opened)
        return done(f"{thread}; {WEB_FORM.format(site=settings.SITE_URL)}")
    ticket = thread.ticket
    while ticket.merged_into_id and ticket.merged_into is not None:  # replies follow a merge
        ticket = ticket.merged_into
    since = timezone.now() - dt.timedelta(hours=1)
    if (
        InboundMail.objects.filter(ticket=ticket, sender__iexact=sender, received_at__gte=since).count()
        >= BURST_LIMIT
    ):
        return done("dropped: too many messages from this sender for this ticket (mail loop?)", ticket)
    body = _text_of(message)
    uploads, refused = _keep_files(ticket, message)
    if thread.who == bridges.HANDOVER_THREAD:
        if not body:
            return done("rejected: the message is empty", ticket)
        bridges.answer_from_desk(ticket, body)
        return done("added to the ticket as the centre's helpdesk's answer", ticket)
    try:
        if thread.who == REQUESTER:
            if not ticket.confirmed:
                # Replying to the confirmation mail proves the address as the link does.
                workflow.confirm(ticket)
                ticket.refresh_from_db()
                if not body and not uploads:
                    return done("confirmed the address", ticket)
            actor = ticket.requester if ticket.requester_id else None
            if not body and uploads:
                body = "(files attached by e-mail)"
            event = reply(ticket, actor, body, uploads=uploads, guest={ticket.pk}, via_email=True)
        else:
            body, public = _staff_body(body)
            if not may(thread.user, ticket, "reply" if public else "note"):
                return done("rejected: the sender may not reply to this ticket", ticket)
            event = reply(ticket, thread.user, body, public=public, uploads=uploads, via_email=True)
    except TicketError as exc:
        return done(f"rejected: {exc.message} Or {WEB_FORM.format(site=settings.SITE_URL)}", ticket)
    if refused:
        add_event(event.ticket, TicketEvent.NOTE, None, public=True, label="mail", body=refused)
    if event.ticket.pk != ticket.pk:
        return done(f"opened {event.ticket.reference}, a follow-up to the closed ticket", event.ticket)
    return done("added to the ticket", ticket)
