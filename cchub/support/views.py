"""The helpdesk's pages: ask a question, follow a ticket, work the queues, read the
knowledge base."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from cchub.lib import jsonld
from cchub.lib.http import XLSX, download, is_htmx
from cchub.lib.text import one_line
from cchub.registry.models import Centre
from cchub.support import (
    knowledge,
    lifecycle,
    queues,
    reports,
    routing,
    satisfaction,
    sla,
    staffing,
    workflow,
)
from cchub.support.forms import ArticleForm, QuestionForm, ReplyForm, uploads_of
from cchub.support.guests import guest_tickets, read_confirmation, remember, too_many
from cchub.support.models import (
    OPEN_STATES,
    PRIORITIES,
    STATES,
    Article,
    Attachment,
    SavedView,
    Supporter,
    Ticket,
)
from cchub.support.permissions import is_supporter, is_triager, may, roles, supported_centre_ids
from cchub.support.queues import QUEUES, queue_filter
from cchub.support.workflow import TicketError


def _user(request: HttpRequest) -> Any:
    return request.user if request.user.is_authenticated else None


def ask(request: HttpRequest) -> HttpResponse:
    guest = not request.user.is_authenticated
    form = QuestionForm(request.POST or None, request.FILES or None, guest=guest)
    if request.method == "POST" and guest and form.is_bot:
        # The hidden field was filled in: a bot. It is told what a person would be told.
        return render(request, "support/asked.html", {"ticket": None, "email": request.POST.get("email", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        refused = too_many(request, data.get("email", ""), signed_in=not guest)
        if refused:
            form.add_error(None, refused)
            return render(request, "support/ask.html", {"form": form, "guest": guest}, status=429)
        sub = workflow.Submission(
            subject=data["subject"],
            body=data["body"],
            email=data.get("email", ""),
            name=data.get("name", ""),
            stage=data["stage"],
            country=data["country"],
            language=data["language"],
            service=data["service"],
            priority=data["priority"],
            uploads=uploads_of(data.get("attachments") or []),
        )
        try:
            ticket = workflow.submit(sub, _user(request))
        except TicketError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            if not ticket.confirmed:
                return render(
                    request, "support/asked.html", {"ticket": ticket, "email": ticket.requester_email}
                )
            messages.success(request, f"Your question is ticket {ticket.reference}.")
            return redirect(ticket)
    status = 400 if request.method == "POST" else 200
    return render(request, "support/ask.html", {"form": form, "guest": guest}, status=status)


@require_GET
def assist(request: HttpRequest) -> HttpResponse:
    """While a question is typed: articles that may answer it, and the centres likely to."""
    subject = request.GET.get("subject", "")[:200]
    body = request.GET.get("body", "")[:5000]
    text = f"{subject} {body}".strip()
    candidates, articles = [], []
    if len(text) >= 8:
        articles = knowledge.suggestions(f"{subject} {body[:200]}")
        candidates = routing.route(
            routing.Question(
                subject=subject,
                body=body,
                language=request.GET.get("language", "")[:3],
                country=request.GET.get("country", "")[:2],
                stage=request.GET.get("stage", "")[:60],
            ),
            limit=3,
        )
    return render(request, "support/_assist.html", {"articles": articles, "candidates": candidates})


def confirm(request: HttpRequest, token: str) -> HttpResponse:
    ticket = read_confirmation(token)
    if ticket is None:
        return render(request, "support/confirm_failed.html", status=400)
    if request.method != "POST":  # mail scanners follow links; a person presses the button
        return render(request, "support/confirm.html", {"ticket": ticket})
    workflow.confirm(ticket)
    remember(request, ticket, ticket.key)
    messages.success(request, f"Thank you: your question is ticket {ticket.reference}.")
    return redirect(ticket)


def _visible(request: HttpRequest, pk: int) -> Ticket:
    ticket = (
        Ticket.objects.select_related("centre", "assignee", "stage", "service", "requester")
        .filter(pk=pk)
        .first()
    )
    if ticket is None or not may(_user(request), ticket, "view", guest_tickets(request)):
        raise Http404("No such ticket")
    return ticket


def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    key = request.GET.get("key", "")
    if key:
        ticket = get_object_or_404(Ticket, pk=pk)
        if remember(request, ticket, key):
            return HttpResponseRedirect(reverse("support:ticket", args=[pk]))  # drop the key from the URL
        raise Http404("No such ticket")
    ticket = _visible(request, pk)
    workflow.mark_seen(ticket, _user(request))
    return render(request, "support/ticket.html", _ticket_context(request, ticket))


def _ticket_context(
    request: HttpRequest, ticket: Ticket, reply_form: ReplyForm | None = None
) -> dict[str, Any]:
    user = _user(request)
    guest = guest_tickets(request)
    held = roles(user, ticket, guest)
    staff = bool(held - {"requester"})
    events = ticket.events.select_related("actor").prefetch_related("attachments")
    can = {
        action: may(user, ticket, action, guest)
        for action in (
            "reply",
            "note",
            "state",
            "priority",
            "assign",
            "place",
            "transfer",
            "refer",
            "escalate",
            "invite",
            "link",
            "reopen",
            "article",
            "close",
            "spam",
            "merge",
            "split",
            "tag",
        )
    }
    staffed = staffing.staffed_centre_ids()
    centres = Centre.objects.public().filter(pk__in=staffed).order_by("acronym").only("pk", "acronym", "name")
    return {
        "ticket": ticket,
        "staff": staff,
        "can": can,
        "events": [e for e in events if staff or e.public],
        "attachments_before": [a for a in ticket.attachments.all() if a.event_id is None],
        "clocks": sla.clocks(ticket) if ticket.centre_id and staff else [],
        "reply_form": reply_form or ReplyForm(staff=staff, sets_state=can["state"]),
        "supporters": Supporter.objects.filter(centre=ticket.centre).select_related("user")
        if staff and ticket.centre
        else [],
        "centres": centres if staff else [],
        "states": STATES,
        "priorities": PRIORITIES,
        "suggestions": _suggestions(ticket, staffed) if staff and ticket.centre_id is None else [],
        "links": list(ticket.links_out.select_related("target"))
        + list(ticket.links_in.select_related("source")),
        "collaborators": list(ticket.collaborators.all()),
        "autoclose": workflow.autoclose_at(ticket),
        "articles": ticket.articles.all() if staff else [],
        "tags": list(ticket.tags.values_list("name", flat=True)) if staff else [],
        "modules": list(lifecycle.modules_for(user, ticket)) if staff else [],
        "unstaffed": staff and ticket.centre_id is not None and ticket.centre_id not in staffed,
    }


def _suggestions(ticket: Ticket, staffed: set[int]) -> list[dict[str, Any]]:
    """The candidates ranked at submission (or now, when there were none), each saying
    whether someone answers there today."""
    found = list(ticket.routing[:5]) or [c.as_dict() for c in routing.route(workflow.question_of(ticket))]
    return [{**c, "staffed": c["centre"]["id"] in staffed} for c in found]


@require_POST
def ticket_reply(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _visible(request, pk)
    staff = bool(roles(_user(request), ticket, guest_tickets(request)) - {"requester"})
    sets_state = may(_user(request), ticket, "state", guest_tickets(request))
    form = ReplyForm(request.POST, request.FILES, staff=staff, sets_state=sets_state)
    if form.is_valid():
        data = form.cleaned_data
        try:
            workflow.reply(
                ticket,
                _user(request),
                data["body"],
                public=data.get("public", True) if staff else True,
                uploads=uploads_of(data.get("attachments") or []),
                guest=guest_tickets(request),
                new_state=data.get("state", "") if sets_state else "",
            )
        except TicketError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Added to the ticket.")
            return redirect(ticket)
    ticket.refresh_from_db()
    return render(request, "support/ticket.html", _ticket_context(request, ticket, form), status=400)


ACTIONS = {
    "state": lambda t, u, p, g: workflow.change_state(t, u, p.get("state", ""), p.get("note", ""), guest=g),
    "priority": lambda t, u, p, g: workflow.set_priority(t, u, p.get("priority", "")),
    "assign": lambda t, u, p, g: workflow.assign(
        t, u, int(p["assignee"]) if p.get("assignee", "").isdigit() else None
    ),
    "place": lambda t, u, p, g: workflow.place(t, u, p.get("centre") or None, p.get("note", "")),
    "transfer": lambda t, u, p, g: workflow.transfer(
        t, u, p.get("centre") or None, p.get("reason", ""), for_requester=p.get("for_requester", "")
    ),
    "refer": lambda t, u, p, g: workflow.refer(t, u, p.get("reason", "")),
    "escalate": lambda t, u, p, g: workflow.escalate(t, u, p.get("reason", "")),
    "invite": lambda t, u, p, g: workflow.invite(t, u, p.get("centre") or None, p.get("note", "")),
    "link": lambda t, u, p, g: workflow.link(
        t, u, lifecycle.reference_id(p.get("target", "")), p.get("kind", "")
    ),
    "close": lambda t, u, p, g: workflow.close_own(t, u, guest=g, note=p.get("note", "")),
    "spam": lambda t, u, p, g: lifecycle.mark_spam(
        t, u, block=p.get("block") == "1", reason=p.get("reason", "")
    ),
    "not-spam": lambda t, u, p, g: lifecycle.not_spam(t, u),
    "merge": lambda t, u, p, g: lifecycle.merge(t, u, lifecycle.reference_id(p.get("target", ""))),
    "split": lambda t, u, p, g: lifecycle.split(t, u, p.get("event", "")),
    "tags": lambda t, u, p, g: lifecycle.set_tags(t, u, p.get("tags", "")),
    "module": lambda t, u, p, g: lifecycle.answer_with(t, u, p.get("module", "")),
}
DONE = {
    "state": "State changed.",
    "priority": "Priority changed.",
    "assign": "Assignment changed.",
    "place": "Sent to the centre.",
    "transfer": "Transferred.",
    "refer": "Referred onwards.",
    "escalate": "Escalated to the network coordinators.",
    "invite": "Centre invited.",
    "link": "Linked.",
    "close": "Closed. Thank you for telling us.",
    "spam": "Marked as spam.",
    "not-spam": "No longer marked as spam.",
    "merge": "Merged.",
    "split": "Split into a new ticket.",
    "tags": "Tags saved.",
    "module": "Sent.",
}


@require_POST
def ticket_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404("No such action")
    ticket = _visible(request, pk)
    try:
        ACTIONS[action](ticket, _user(request), request.POST, guest_tickets(request))
    except TicketError as exc:
        messages.error(request, exc.message)
        ticket.refresh_from_db()
        context = _ticket_context(request, ticket)
        context["action_error"] = (action, exc.message)
        return render(request, "support/ticket.html", context, status=exc.status)
    messages.success(request, DONE[action])
    if not may(_user(request), ticket, "view", guest_tickets(request)):
        return redirect("support:queue")  # handed to a centre this user does not belong to
    return redirect(ticket)


def rate(request: HttpRequest, token: str) -> HttpResponse:
    """The satisfaction question, from the signed link in the "solved" mail."""
    ticket = satisfaction.read(token)
    if ticket is None:
        return render(request, "support/rate.html", {"invalid": True}, status=400)
    error, status = "", 200
    if request.method == "POST":
        try:
            satisfaction.rate(ticket, request.POST.get("solved", ""), request.POST.get("score", ""),
                              request.POST.get("comment", ""))
        except TicketError as exc:
            error, status = exc.message, exc.status
        else:
            return render(request, "support/rate.html", {"ticket": ticket, "thanks": True})
    return render(request, "support/rate.html", {"ticket": ticket, "error": error, "post": request.POST},
                  status=status)


@login_required
def desk(request: HttpRequest, slug: str) -> HttpResponse:
    """A centre's desk: who answers its tickets, its address and whether it is confirmed, its
    bridge; its leads and curators send the address a confirmation from here."""
    centre = get_object_or_404(Centre.objects.public(), slug=slug)
    manages = staffing.may_manage(request.user, centre)
    if not manages and centre.pk not in supported_centre_ids(request.user) and not is_triager(request.user):
        raise Http404("No such desk")
    if request.method == "POST":
        if not manages:
            raise Http404("No such desk")
        try:
            staffing.send_verification(centre)
        except ValueError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"A confirmation link went to {centre.helpdesk_email}.")
        return redirect("support:desk", slug=slug)
    from cchub.support.models import Desk

    return render(request, "support/desk.html", {
        "centre": centre,
        "desk": Desk.objects.filter(centre=centre).first(),
        "supporters": Supporter.objects.filter(centre=centre).select_related("user"),
        "staffed": staffing.is_staffed(centre.pk),
        "verified": staffing.verified_address(centre.pk),
        "manages": manages,
    })


def desk_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the confirmation mail: a person presses the button (scanners only GET)."""
    centre = staffing.read_verification(token)
    if centre is None:
        return render(request, "support/desk_confirm.html", {"invalid": True}, status=400)
    if request.method == "POST":
        staffing.confirm_address(centre)
        return render(request, "support/desk_confirm.html", {"centre": centre, "done": True})
    return render(request, "support/desk_confirm.html", {"centre": centre})


def attachment(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    ticket = _visible(request, pk)
    item = get_object_or_404(Attachment, pk=attachment_id, ticket=ticket)
    staff = bool(roles(_user(request), ticket, guest_tickets(request)) - {"requester"})
    if not item.public and not staff:
        raise Http404("No such file")
    response = FileResponse(
        item.file.open("rb"), as_attachment=True, filename=item.name, content_type=item.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """The queues, with search, filters, sorting, age and service-level columns, and views
    saved under a name."""
    user = request.user
    supporter, triager = is_supporter(user), is_triager(user)
    if request.method == "POST":
        return _save_view(request)
    default = "centre" if supporter and not triager else ("triage" if triager else "requested")
    name = request.GET.get("queue", default)
    if name not in QUEUES:
        name = default
    qs = queues.apply(queue_filter(workflow.visible_tickets(user), user, name), request.GET)
    qs = qs.select_related("centre__desk", "assignee").prefetch_related("centre__service_levels")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = []
    for t in page:
        state = ""
        if t.state in OPEN_STATES and not t.spam:
            state = sla.worst(sla.clocks(t, now)) if t.centre_id else sla.triage_clock(t, now).state
        rows.append({"ticket": t, "sla": state, "age": now - t.created_at, "waiting": now - t.updated_at})
    available = (
        ["requested"]
        + (["mine", "unassigned", "centre", "collaborating", "finished"] if supporter else [])
        + (["triage", "open", "escalated"] if triager else [])
        + (["spam"] if supporter or triager else [])
    )
    centre_ids = supported_centre_ids(user)
    centre_choices = Centre.objects.filter(pk__in=centre_ids) if not triager else Centre.objects.public()
    # A long list of centres is a text box (acronym), not a thousand options on every page.
    centre_choices = centre_choices.order_by("acronym").only("pk", "acronym")
    choices = list(centre_choices[:61])
    params = {k: request.GET.get(k, "") for k in queues.FILTERS}
    params["queue"] = name
    context = {
        "rows": rows,
        "page": page,
        "queue": name,
        "queues": [(q, QUEUES[q]) for q in available],
        "params": params,
        "query": urlencode({k: v for k, v in params.items() if v}),
        "states": STATES,
        "priorities": PRIORITIES,
        "sorts": [(k, label) for k, (_, label) in queues.SORTS.items()],
        "centres": choices if len(choices) <= 60 else [],
        "agents": Supporter.objects.filter(centre_id__in=centre_ids).select_related("user")
        .order_by("user__username").distinct() if supporter else [],
        "saved": SavedView.objects.filter(user_id=int(user.pk or 0)),
        "staff": supporter or triager,
    }
    template = "support/_queue_table.html" if is_htmx(request) else "support/queue.html"
    return render(request, template, context)


def _save_view(request: HttpRequest) -> HttpResponse:
    name = one_line(request.POST.get("name", ""))[:80]
    params = {k: request.POST.get(k, "") for k in queues.FILTERS if request.POST.get(k)}
    user: Any = request.user
    delete = request.POST.get("delete", "")
    if delete.isdigit():
        SavedView.objects.filter(user=user, pk=int(delete)).delete()
        messages.success(request, "View deleted.")
        return redirect("support:queue")
    if not name:
        messages.error(request, "Give the view a name.")
        return redirect(f"{reverse('support:queue')}?{urlencode(params)}")
    SavedView.objects.update_or_create(user=user, name=name, defaults={"params": params})
    messages.success(request, f"Saved as “{name}”.")
    return redirect(f"{reverse('support:queue')}?{urlencode(params)}")


def _table_rows(rows: list[reports.Row], total: bool = False) -> str:
    """The report's rows as HTML, built here: a thousand centres of seventeen figures each
    are too many cells for template loops to render within the page's time budget. Every
    value is escaped."""
    lines = []
    for i, row in enumerate(rows):
        values = row.as_dict()
        cells = [f'<th scope="row">{html.escape(str(values[reports.COLUMNS[0]]))}</th>']
        cells += [f'<td class="num">{html.escape(reports.shown(c, values[c]))}</td>'
                  for c in reports.COLUMNS[1:]]
        mark = ' class="total"' if total and i == len(rows) - 1 else ""
        lines.append(f"<tr{mark}>{''.join(cells)}</tr>")
    return mark_safe("\n".join(lines))  # noqa: S308 (built from escaped values above)


@login_required
def report(request: HttpRequest) -> HttpResponse:
    """The helpdesk report for a month (or any period), for the centres the user supports,
    or the whole network for triagers and administrators; as a page, CSV or XLSX."""
    wanted = reports.visible_centre_ids(request.user)
    if wanted is not None and not wanted:
        raise Http404("You support no centre.")
    try:
        start, end = reports.month_bounds(request.GET.get("month") or None)
    except ValueError:
        return render(request, "support/report.html", {"error": "Give the month as YYYY-MM."}, status=400)
    if request.GET.get("month") is None:
        now = timezone.now()
        start, end = dt.datetime(now.year, now.month, 1, tzinfo=dt.UTC), now  # this month so far
    result = reports.build(start, end, wanted)
    fmt = request.GET.get("format", "")
    stem = f"helpdesk-{start:%Y-%m}"
    if fmt == "csv":
        return download(reports.as_csv(result), "text/csv; charset=utf-8", f"{stem}.csv")
    if fmt == "xlsx":
        return download(reports.as_xlsx(result), XLSX, f"{stem}.xlsx")
    return render(request, "support/report.html", {
        "report": result,
        "headers": [reports.LABELS[c] for c in reports.COLUMNS],
        "centre_rows": _table_rows([*result.centres, result.network], total=True),
        "agent_rows": _table_rows(result.agents),
        "month": f"{start:%Y-%m}",
        "scope": "the network" if wanted is None else "your centres",
    })


def article_list(request: HttpRequest) -> HttpResponse:
    articles = Article.objects.filter(status=Article.APPROVED).select_related("centre")
    drafts: list[Article] = []
    if request.user.is_authenticated:
        drafts = [
            a
            for a in Article.objects.filter(status=Article.DRAFT).select_related("centre")
            if knowledge.may_edit(request.user, a)
        ]
    return render(request, "support/article_list.html", {"articles": articles, "drafts": drafts})


def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article.objects.select_related("centre"), slug=slug)
    editable = request.user.is_authenticated and knowledge.may_edit(request.user, article)
    if article.status != Article.APPROVED and not editable:
        raise Http404("No such article")
    context = {
        "article": article,
        "editable": editable,
        "approvable": (article.status == Article.DRAFT or bool(article.revision))
        and knowledge.may_approve(request.user, article),
    }
    if article.status != Article.APPROVED:
        return render(request, "support/article.html", context)
    return jsonld.page(request, "support/article.html", context, lambda: knowledge.article_jsonld(article))


@login_required
def article_new(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _visible(request, pk)
    if not may(request.user, ticket, "article"):
        raise Http404("No such ticket")
    title, body = knowledge.draft_text(ticket)
    form = ArticleForm(request.POST or None, initial={"title": title, "body": body})
    if request.method == "POST" and form.is_valid():
        try:
            article = knowledge.create_from_ticket(
                ticket,
                request.user,
                form.cleaned_data["title"],
                form.cleaned_data["body"],
                form.cleaned_data["competences"],
            )
        except TicketError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Draft saved; a lead supporter of the centre publishes it.")
            return redirect(article)
    return render(
        request,
        "registry/form.html",
        {
            "form": form,
            "title": f"Article from {ticket.reference}",
            "back": ticket.get_absolute_url(),
            "intro": "Personal data found in the ticket has been removed; check the text before saving.",
        },
        status=400 if form.errors else 200,
    )


@login_required
def article_edit(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article, slug=slug)
    if not knowledge.may_edit(request.user, article):
        raise Http404("No such article")
    waiting = article.revision
    form = ArticleForm(
        request.POST or None,
        initial={
            "title": waiting.get("title", article.title),
            "body": waiting.get("body", article.body),
            "competences": waiting.get("competences", [c.notation for c in article.competences.all()]),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            knowledge.update(
                article,
                request.user,
                form.cleaned_data["title"],
                form.cleaned_data["body"],
                form.cleaned_data["competences"],
            )
        except TicketError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Your edit waits for a lead supporter's approval; the published "
                             "text stays until then." if article.revision else "Article saved.")
            return redirect(article)
    return render(
        request,
        "registry/form.html",
        {"form": form, "title": f"Edit: {article.title}", "back": article.get_absolute_url()},
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def article_approve(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article, slug=slug)
    try:
        knowledge.approve(article, request.user)
    except TicketError as exc:
        messages.error(request, exc.message)
        return (
            redirect(article) if knowledge.may_edit(request.user, article) else redirect("support:articles")
        )
    messages.success(request, "Published.")
    return redirect(article)


@require_POST
@login_required
def article_discard(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article, slug=slug)
    if not knowledge.may_edit(request.user, article):
        raise Http404("No such article")
    try:
        knowledge.discard_revision(article, request.user)
    except TicketError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The waiting edit was discarded.")
    return redirect(article)
