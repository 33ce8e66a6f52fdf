"""Pages of federation: the sources this hub harvests (public: what comes from where),
each source's harvests and records, starting a harvest (administrators), and the
conflicts a curator decides."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cchub.accounts.permissions import is_network_admin
from cchub.glossary import skos
from cchub.interop import harvest
from cchub.interop.models import Harvest, HarvestedRecord, Source
from cchub.lib.api import Refused
from cchub.lib.http import is_htmx
from cchub.lib.negotiation import negotiate
from cchub.registry.models import Service
from cchub.registry.permissions import curated_centre_ids


def source_list(request: HttpRequest) -> HttpResponse:
    sources = Source.objects.annotate(
        n_linked=Count("records", filter=Q(records__state=HarvestedRecord.LINKED)),
        n_conflicts=Count("records", filter=Q(records__state=HarvestedRecord.CONFLICT)),
    )
    return render(
        request,
        "interop/sources.html",
        {
            "sources": [(s, s.last_run) for s in sources],
            "admin": is_network_admin(request.user),
            "conflicts": _conflicts(request.user).count() if request.user.is_authenticated else 0,
        },
    )


def source_detail(request: HttpRequest, slug: str) -> HttpResponse:
    source = get_object_or_404(Source, slug=slug)
    state = request.GET.get("state", "")
    records = source.records.order_by("kind", "identifier")
    if state in dict(HarvestedRecord.STATES):
        records = records.filter(state=state)
    counts = dict(source.records.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    return render(
        request,
        "interop/source.html",
        {
            "source": source,
            "runs": source.harvests.select_related("started_by")[:20],
            "page": Paginator(records, 50).get_page(request.GET.get("page")),
            "states": [(k, label, counts.get(k, 0)) for k, label in HarvestedRecord.STATES],
            "state": state,
            "admin": is_network_admin(request.user),
        },
    )


@login_required
@require_POST
def harvest_now(request: HttpRequest, slug: str) -> HttpResponse:
    if not is_network_admin(request.user):
        raise PermissionDenied
    source = get_object_or_404(Source, slug=slug)
    harvest.reap(source)  # a run whose worker died no longer blocks a new one
    running = source.harvests.filter(state__in=[Harvest.QUEUED, Harvest.RUNNING]).first()
    if running is not None:
        messages.info(request, "A harvest of this source is already under way.")
        return redirect("interop:run", slug=source.slug, pk=running.pk)
    from cchub.interop.tasks import harvest_run

    run = harvest.start(source, full=request.POST.get("full") == "1", user=request.user)
    transaction.on_commit(lambda: harvest_run.enqueue(run.pk))
    return redirect("interop:run", slug=source.slug, pk=run.pk)


def run_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    run = get_object_or_404(Harvest.objects.select_related("source"), pk=pk, source__slug=slug)
    template = "interop/_run.html" if is_htmx(request) else "interop/run.html"
    return render(request, template, {"run": run})


def _conflicts(user: Any) -> Any:
    """The conflicts ``user`` may decide: all for administrators; a curator's, where the
    local record is a centre they curate (or one of its services)."""
    qs = HarvestedRecord.objects.filter(state=HarvestedRecord.CONFLICT)
    qs = qs.select_related("source", "content_type")
    if is_network_admin(user):
        return qs
    centres = curated_centre_ids(user)
    if not centres:
        return qs.none()

    services = Service.objects.filter(centres__in=centres).values_list("pk", flat=True)
    return qs.filter(
        Q(content_type__model="centre", object_id__in=centres)
        | Q(content_type__model="service", object_id__in=services)
    )


COMPARED = ("acronym", "name", "title", "pref_label", "kind", "website", "url", "countries", "description",
            "definition", "start")  # fmt: skip


def _shown(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value or "")


def _compare(record: HarvestedRecord) -> list[tuple[str, str, str]]:
    """The fields that tell two records apart, harvested and local side by side."""
    local = record.local
    rows = []
    for name in COMPARED:
        if name in record.metadata:
            ours = getattr(local, name, "") if local else ""
            rows.append((name.replace("_", " "), _shown(record.metadata[name]), _shown(ours)))
    return rows


@login_required
def conflicts(request: HttpRequest) -> HttpResponse:
    found = list(_conflicts(request.user)[:200])
    return render(
        request,
        "interop/conflicts.html",
        {
            "conflicts": [(r, r.local, _compare(r)) for r in found],
        },
    )


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    record = _conflicts(request.user).filter(pk=pk).first()
    if record is None:
        raise Http404("No such conflict")
    choice = request.POST.get("choice")
    if choice not in ("merge", "apart"):
        messages.error(request, "Choose: the same record (merge) or two records (keep apart).")
        return redirect("interop:conflicts")
    try:
        outcome = harvest.decide(record, request.user, merge=choice == "merge")
    except Refused as exc:
        messages.error(request, exc.message)
        return redirect("interop:conflicts")
    if outcome == "merged":
        messages.success(request, f"{record.title}: merged with the local record, which stays ours.")
    elif outcome == "rejected":
        messages.error(request, f"{record.title} could not be kept apart: {record.problem}")
    else:
        messages.success(request, f"{record.title}: kept apart, as a record harvested from {record.source}.")
    return redirect("interop:conflicts")


DCAT_ALIASES = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "rdf-xml"}


def catalogue(request: HttpRequest) -> HttpResponse:
    """The DCAT-AP catalogue: RDF to machines (Turtle, JSON-LD, RDF/XML), a page to people."""
    from cchub.interop import dcat

    wanted = negotiate(request, skos.MEDIA_TYPES, DCAT_ALIASES)
    if wanted == "":
        return HttpResponse("Unknown format: use ttl, jsonld or rdf.", status=406, content_type="text/plain")
    g = dcat.graph()
    if wanted:
        response = HttpResponse(
            skos.serialise(g, wanted), content_type=f"{skos.FORMATS[wanted][1]}; charset=utf-8"
        )
    else:
        response = render(request, "interop/catalog.html", dcat.summary(g))
    response["Vary"] = "Accept"
    return response
