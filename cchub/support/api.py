"""The helpdesk's REST endpoints under /api/v1/support/.

Routing is public; a question may be asked with a token or as a guest (who confirms the
address by e-mail); everything else needs a token and the right on the ticket.
"""

# No ``from __future__ import annotations``: django-ninja reads these annotations at run time.

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema

from cchub.accounts.auth import TokenAuth, token_user
from cchub.lib.api import ApiError, Strict, json_response, paginate, strict_from
from cchub.registry.models import Centre, Service
from cchub.support import knowledge, lifecycle, queues, reports, routing, sla, workflow
from cchub.support.guests import too_many
from cchub.support.models import Article, Ticket
from cchub.support.permissions import may, roles
from cchub.support.queues import QUEUES, queue_filter

router = Router(tags=["support"])
token_auth = TokenAuth()


class RouteIn(Strict):
    subject: str
    body: str = ""
    language: str | None = None
    country: str | None = None
    service: str | None = None
    stage: str | None = None


if TYPE_CHECKING:
    TicketIn = Strict
else:  # a question by the API has the fields of a question by the form, files aside
    TicketIn = strict_from(workflow.Submission, "TicketIn", exclude=("uploads",))


class ReplyIn(Strict):
    body: str
    public: bool = True
    state: str = ""


class StateIn(Strict):
    state: str
    note: str = ""


class PriorityIn(Strict):
    priority: str


class AssignIn(Strict):
    assignee: int | None = None


class CentreIn(Strict):
    centre: int | str
    reason: str = ""
    note: str = ""
    for_requester: str = ""


class ReasonIn(Strict):
    reason: str


class LinkIn(Strict):
    target: int
    kind: str


class TicketFilters(Schema):
    queue: str = ""
    state: list[str] = []
    centre: str = ""
    q: str = ""
    tag: str = ""
    sort: str = ""
    page: int = 1
    page_size: int = 50


class MergeIn(Strict):
    target: int


class SpamIn(Strict):
    block: bool = False
    reason: str = ""


class TagsIn(Strict):
    tags: list[str]


class SplitIn(Strict):
    event: int


class ModuleIn(Strict):
    module: int


class CloseIn(Strict):
    note: str = ""


def _centre_id(ref: int | str) -> int | None:
    if isinstance(ref, int) or str(ref).isdigit():
        return int(ref)
    return Centre.objects.filter(slug=str(ref)).values_list("pk", flat=True).first()


def _ticket(request: HttpRequest, pk: int, action: str = "view") -> Ticket:
    ticket = Ticket.objects.select_related("centre", "assignee", "stage", "service").filter(pk=pk).first()
    if ticket is None or not may(request.auth, ticket, "view"):  # type: ignore[attr-defined]
        raise ApiError(404, "No such ticket that you can see.")
    if not may(request.auth, ticket, action):  # type: ignore[attr-defined]
        raise ApiError(403, "You may not do this with this ticket.")
    return ticket


def ticket_summary(ticket: Ticket) -> dict[str, Any]:
    clocks = sla.clocks(ticket) if ticket.centre_id else []
    return {
        "id": ticket.pk,
        "reference": ticket.reference,
        "subject": ticket.subject,
        "state": ticket.state,
        "priority": ticket.priority,
        "centre": {"id": ticket.centre.pk, "acronym": ticket.centre.acronym} if ticket.centre else None,
        "assignee": ticket.assignee.get_username() if ticket.assignee else None,
        "escalated": ticket.escalated,
        "spam": ticket.spam,
        "merged_into": ticket.merged_into_id,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "sla": sla.worst(clocks) if clocks else None,
        "url": ticket.get_absolute_url(),
    }


def ticket_detail(ticket: Ticket, user: Any) -> dict[str, Any]:
    staff = bool(roles(user, ticket) - {"requester"})
    events = ticket.events.select_related("actor").prefetch_related("attachments")
    data = ticket_summary(ticket)
    data.update(
        {
            "body": ticket.body,
            "stage": ticket.stage.notation if ticket.stage else None,
            "country": ticket.country,
            "language": ticket.language,
            "service": ticket.service.slug if ticket.service else None,
            "timeline": [
                {
                    "kind": e.kind,
                    "public": e.public,
                    "by_requester": e.by_requester,
                    "author": e.actor.get_username() if e.actor else e.actor_label,
                    "body": e.body,
                    "data": e.data if staff else {},
                    "at": e.created_at,
                    "via_email": e.via_email,
                    "attachments": [a.name for a in e.attachments.all()],
                }
                for e in events
                if staff or e.public
            ],
        }
    )
    if staff:
        data.update(
            {
                "requester": {"name": ticket.requester_name, "email": ticket.requester_email},
                "routing": ticket.routing,
                "auto_routed": ticket.auto_routed,
                "collaborators": [c.acronym for c in ticket.collaborators.all()],
                "tags": sorted(t.name for t in ticket.tags.all()),
                "followers": ticket.followers,
                "seen_at": ticket.seen_at,
                "rating": {"score": ticket.rating, "solved": ticket.rating_solved,
                           "comment": ticket.rating_comment} if ticket.rating else None,
                "external": {"ref": ticket.external_ref, "url": ticket.external_url,
                             "state": ticket.external_state} if ticket.external_ref else None,
                "clocks": [
                    {
                        "name": c.name,
                        "state": c.state,
                        "target_hours": c.target_hours,
                        "elapsed_hours": round(c.elapsed_hours, 2),
                        "due": c.due,
                        "due_local": c.due_text,
                    }
                    for c in (sla.clocks(ticket) if ticket.centre_id else [])
                ],
                "links": [
                    {"kind": link.kind, "target": link.target.reference} for link in ticket.links_out.all()
                ]
                + [
                    {"kind": f"{link.kind} (incoming)", "target": link.source.reference}
                    for link in ticket.links_in.all()
                ],
            }
        )
    return data


@router.post("/route", summary="Rank the centres that could answer a question", auth=None)
def route_question(request: HttpRequest, payload: RouteIn) -> HttpResponse:
    """Returns `{"candidates": [{"centre": {"id", "acronym", "name", "url"}, "score", "reasons"}]}`,
    best first, without creating a ticket."""
    subject = (payload.subject or "").strip()
    if not subject and not payload.body.strip():
        raise ApiError(
            422, "Give the question's subject or body.", [{"field": "subject", "message": "empty"}]
        )
    if len(subject) > workflow.MAX_SUBJECT or len(payload.body) > workflow.MAX_BODY:
        raise ApiError(413, "The question is too long.", [{"field": "body", "message": "too long"}])
    service_id = None
    if payload.service:
        service_id = Service.objects.filter(slug=payload.service).values_list("pk", flat=True).first()
        if service_id is None:
            raise ApiError(
                422, f"Unknown service '{payload.service}'.", [{"field": "service", "message": "unknown"}]
            )
    question = routing.Question(
        subject=subject,
        body=payload.body,
        language=(payload.language or "")[:3],
        country=(payload.country or "")[:2],
        service_id=service_id,
        stage=(payload.stage or "")[:60],
    )
    candidates = routing.route(question)
    return json_response(
        {"candidates": [c.as_dict() for c in candidates], "confident": routing.confident(candidates)}
    )


@router.post("/tickets", summary="Ask a question (creates a ticket)", auth=None)
def create_ticket(request: HttpRequest, payload: TicketIn) -> HttpResponse:
    """With a token the ticket is yours and is routed at once; without one, give `email`:
    the ticket is routed after you confirm the address with the link we send."""
    user = token_user(request)  # a session cookie does not make a guest's question yours
    sub = workflow.Submission(**payload.dict())
    refused = too_many(request, sub.email, signed_in=user.is_authenticated)
    if refused:
        raise ApiError(429, refused)
    ticket = workflow.submit(sub, user if user.is_authenticated else None)
    if not ticket.confirmed:
        return json_response(
            {
                "reference": ticket.reference,
                "confirmation_needed": True,
                "detail": "Check your mailbox: confirm the address to send the question to a centre.",
            },
            status=201,
        )
    return json_response({**ticket_summary(ticket), "confirmation_needed": False}, status=201)


@router.get("/tickets", summary="Tickets you may see", auth=token_auth)
def list_tickets(request: HttpRequest, filters: Query[TicketFilters]) -> HttpResponse:
    """`queue` is one of mine, unassigned, centre, triage, escalated, requested (your own
    questions), or empty for all you may see."""
    user = request.auth  # type: ignore[attr-defined]
    if filters.queue and filters.queue not in QUEUES:
        raise ApiError(
            400, f"Unknown queue '{filters.queue}'.", [{"field": "queue", "message": ", ".join(QUEUES)}]
        )
    qs = queue_filter(workflow.visible_tickets(user), user, filters.queue)
    if filters.state:
        qs = qs.filter(state__in=filters.state)
    if filters.centre:
        qs = qs.filter(centre__slug=filters.centre)
    qs = queues.apply(qs, {"q": filters.q, "tag": filters.tag, "sort": filters.sort})
    qs = qs.select_related("centre", "assignee", "centre__desk").prefetch_related("centre__service_levels")
    return json_response(paginate(request, qs, filters.page, filters.page_size, ticket_summary))


@router.get("/tickets/{pk}", summary="One ticket with its timeline", auth=token_auth)
def read_ticket(request: HttpRequest, pk: int) -> HttpResponse:
    """Requesters see public replies only; supporters also see notes, routing and SLA."""
    ticket = _ticket(request, pk)
    return json_response(ticket_detail(ticket, request.auth))  # type: ignore[attr-defined]


def _apply(request: HttpRequest, pk: int, action: str, run: Any) -> HttpResponse:
    ticket = _ticket(request, pk, action)
    run(ticket, request.auth)  # type: ignore[attr-defined]
    ticket.refresh_from_db()
    return json_response(ticket_detail(ticket, request.auth))  # type: ignore[attr-defined]


@router.post(
    "/tickets/{pk}/replies", summary="Reply (public) or add an internal note", auth=token_auth
)
def add_reply(request: HttpRequest, pk: int, payload: ReplyIn) -> HttpResponse:
    action = "reply" if payload.public else "note"
    return _apply(
        request,
        pk,
        action,
        lambda t, u: workflow.reply(t, u, payload.body, public=payload.public, new_state=payload.state),
    )


@router.post("/tickets/{pk}/state", summary="Change the state", auth=token_auth)
def set_state(request: HttpRequest, pk: int, payload: StateIn) -> HttpResponse:
    return _apply(request, pk, "view", lambda t, u: workflow.change_state(t, u, payload.state, payload.note))


@router.post("/tickets/{pk}/priority", summary="Change the priority", auth=token_auth)
def set_priority(request: HttpRequest, pk: int, payload: PriorityIn) -> HttpResponse:
    return _apply(request, pk, "priority", lambda t, u: workflow.set_priority(t, u, payload.priority))


@router.post("/tickets/{pk}/assign", summary="Assign to a supporter of the centre", auth=token_auth)
def assign(request: HttpRequest, pk: int, payload: AssignIn) -> HttpResponse:
    return _apply(request, pk, "assign", lambda t, u: workflow.assign(t, u, payload.assignee))


@router.post("/tickets/{pk}/place", summary="Send a triage ticket to a centre", auth=token_auth)
def place(request: HttpRequest, pk: int, payload: CentreIn) -> HttpResponse:
    return _apply(
        request, pk, "place", lambda t, u: workflow.place(t, u, _centre_id(payload.centre), payload.note)
    )


@router.post(
    "/tickets/{pk}/transfer", summary="Transfer to another centre, with a reason", auth=token_auth
)
def transfer(request: HttpRequest, pk: int, payload: CentreIn) -> HttpResponse:
    return _apply(
        request,
        pk,
        "transfer",
        lambda t, u: workflow.transfer(t, u, _centre_id(payload.centre), payload.reason,
                                       for_requester=payload.for_requester),
    )


@router.post(
    "/tickets/{pk}/refer", summary="Refer onwards: the centre lacks the competence", auth=token_auth
)
def refer(request: HttpRequest, pk: int, payload: ReasonIn) -> HttpResponse:
    return _apply(request, pk, "refer", lambda t, u: workflow.refer(t, u, payload.reason))


@router.post(
    "/tickets/{pk}/escalate", summary="Escalate to the network coordinators", auth=token_auth
)
def escalate(request: HttpRequest, pk: int, payload: ReasonIn) -> HttpResponse:
    return _apply(request, pk, "escalate", lambda t, u: workflow.escalate(t, u, payload.reason))


@router.post("/tickets/{pk}/invite", summary="Invite another centre to collaborate", auth=token_auth)
def invite(request: HttpRequest, pk: int, payload: CentreIn) -> HttpResponse:
    return _apply(
        request, pk, "invite", lambda t, u: workflow.invite(t, u, _centre_id(payload.centre), payload.note)
    )


@router.post("/tickets/{pk}/links", summary="Link to another ticket", auth=token_auth)
def add_link(request: HttpRequest, pk: int, payload: LinkIn) -> HttpResponse:
    return _apply(request, pk, "link", lambda t, u: workflow.link(t, u, payload.target, payload.kind))


@router.post("/tickets/{pk}/merge", summary="Merge this duplicate into another ticket", auth=token_auth)
def merge(request: HttpRequest, pk: int, payload: MergeIn) -> HttpResponse:
    ticket = _ticket(request, pk, "merge")
    into = lifecycle.merge(ticket, request.auth, payload.target)  # type: ignore[attr-defined]
    return json_response(ticket_detail(into, request.auth))  # type: ignore[attr-defined]


@router.post("/tickets/{pk}/split", summary="Make one of the requester's messages a new ticket",
             auth=token_auth)
def split(request: HttpRequest, pk: int, payload: SplitIn) -> HttpResponse:
    ticket = _ticket(request, pk, "split")
    new = lifecycle.split(ticket, request.auth, payload.event)  # type: ignore[attr-defined]
    return json_response(ticket_detail(new, request.auth), status=201)  # type: ignore[attr-defined]


@router.post("/tickets/{pk}/spam", summary="Mark as spam (and block the sender)", auth=token_auth)
def spam(request: HttpRequest, pk: int, payload: SpamIn) -> HttpResponse:
    return _apply(request, pk, "spam",
                  lambda t, u: lifecycle.mark_spam(t, u, block=payload.block, reason=payload.reason))


@router.post("/tickets/{pk}/tags", summary="Replace the ticket's tags", auth=token_auth)
def tags(request: HttpRequest, pk: int, payload: TagsIn) -> HttpResponse:
    return _apply(request, pk, "tag", lambda t, u: lifecycle.set_tags(t, u, payload.tags))


@router.post("/tickets/{pk}/answer-with", summary="Reply with a text module", auth=token_auth)
def answer_with(request: HttpRequest, pk: int, payload: ModuleIn) -> HttpResponse:
    return _apply(request, pk, "reply", lambda t, u: lifecycle.answer_with(t, u, payload.module))


@router.post("/tickets/{pk}/close", summary="Close your own question", auth=token_auth)
def close(request: HttpRequest, pk: int, payload: CloseIn) -> HttpResponse:
    return _apply(request, pk, "close", lambda t, u: workflow.close_own(t, u, note=payload.note))


@router.get("/reports", summary="Helpdesk figures per centre and agent for a month", auth=token_auth)
def report(request: HttpRequest, month: str = "") -> HttpResponse:
    """For the centres you support (all, for triagers and administrators); `month` is
    YYYY-MM, by default the last full month."""
    wanted = reports.visible_centre_ids(request.auth)  # type: ignore[attr-defined]
    if wanted is not None and not wanted:
        raise ApiError(403, "You support no centre.")
    try:
        start, end = reports.month_bounds(month or None)
    except ValueError as exc:
        raise ApiError(400, "Give the month as YYYY-MM.", [{"field": "month", "message": month}]) from exc
    return json_response(reports.build(start, end, wanted).as_dict())


def article_json(article: Article) -> dict[str, Any]:
    return {
        "slug": article.slug,
        "title": article.title,
        "body": article.body,
        "centre": article.centre.acronym,
        "competences": [c.notation for c in article.competences.all()],
        "url": article.get_absolute_url(),
        "approved_at": article.approved_at,
    }


@router.get("/articles", summary="Published knowledge-base articles", auth=None)
def list_articles(request: HttpRequest, page: int = 1, page_size: int = 50) -> HttpResponse:
    qs = (
        Article.objects.filter(status=Article.APPROVED)
        .select_related("centre")
        .prefetch_related("competences")
    )
    return json_response(paginate(request, qs, page, page_size, article_json))


@router.get("/articles/{slug}", summary="One published article", auth=None)
def read_article(request: HttpRequest, slug: str) -> HttpResponse:
    article = Article.objects.filter(slug=slug, status=Article.APPROVED).first()
    if article is None:
        raise ApiError(404, "No such article.")
    return json_response(article_json(article))


@router.get("/suggest", summary="Articles that may answer a question being typed", auth=None)
def suggest(request: HttpRequest, q: str = "") -> HttpResponse:
    if len(q) > 2000:
        raise ApiError(413, "The text is too long.", [{"field": "q", "message": "at most 2000 characters"}])
    return json_response({"articles": knowledge.suggestions(q)})
