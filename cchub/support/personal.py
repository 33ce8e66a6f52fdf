"""What the helpdesk holds about a person: their questions, what they wrote, their mail."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from cchub.lib.personal import Person
from cchub.support.models import Attachment, InboundMail, Supporter, Ticket, TicketEvent


def _requested(person: Person) -> Any:
    match = Q(requester_email__iexact=person.email) if person.email else Q(pk__in=[])
    if person.user is not None:
        match |= Q(requester=person.user)
    return Ticket.objects.filter(match)


def export(person: Person) -> dict[str, Any]:
    tickets = []
    for ticket in _requested(person).prefetch_related("events"):
        tickets.append({
            "reference": ticket.reference, "subject": ticket.subject, "question": ticket.body,
            "state": ticket.state, "asked_at": ticket.created_at.isoformat(),
            "name_given": ticket.requester_name, "email_given": ticket.requester_email,
            "timeline": [{"at": e.created_at.isoformat(), "kind": e.kind, "text": e.body}
                         for e in ticket.events.all() if e.public],
        })
    written = (TicketEvent.objects.none() if person.user is None
               else TicketEvent.objects.filter(actor=person.user).exclude(ticket__requester=person.user))
    return {
        "questions": tickets,
        "written_on_other_tickets": [
            {"ticket": e.ticket.reference, "at": e.created_at.isoformat(), "kind": e.kind, "text": e.body}
            for e in written.select_related("ticket")
        ],
        "supporter_of": [s.centre.acronym for s in Supporter.objects.filter(user=person.user)]
        if person.user is not None else [],
        "mail_received_from_you": [
            {"at": m.received_at.isoformat(), "subject": m.subject, "outcome": m.outcome}
            for m in InboundMail.objects.filter(sender__iexact=person.email)
        ] if person.email else [],
    }


def erase(person: Person) -> dict[str, int]:
    """The person leaves the helpdesk: their name and address go from their questions, and
    from every text of those questions; the technical content stays for the centres."""
    tickets = list(_requested(person))
    person.extra_names += [t.requester_name for t in tickets if t.requester_name]
    for ticket in tickets:
        ticket.subject = person.scrub(ticket.subject)
        ticket.body = person.scrub(ticket.body)
        ticket.requester, ticket.requester_email, ticket.requester_name = None, "", ""
        ticket.save(update_fields=["subject", "body", "requester", "requester_email", "requester_name"])
        for event in ticket.events.all():
            event.body = person.scrub(event.body)
            if event.by_requester:
                event.actor, event.actor_label = None, ""
            event.save(update_fields=["body", "actor", "actor_label"])
    authored = 0
    if person.user is not None:
        authored = TicketEvent.objects.filter(actor=person.user).update(actor=None, actor_label="")
        Attachment.objects.filter(uploaded_by=person.user).update(uploaded_by=None)
        Supporter.objects.filter(user=person.user).delete()
    mails = InboundMail.objects.filter(sender__iexact=person.email).delete()[0] if person.email else 0
    return {"questions": len(tickets), "entries written": authored, "mails received": mails}
