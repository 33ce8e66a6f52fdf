"""The training catalogue's pages: the roadmap (month by month, with filters and an iCal
feed for any filter), events and materials with Bioschemas JSON-LD, learning paths, and
the competences that had no training in the last twelve months."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from cchub.lib import jsonld
from cchub.registry.models import COMPETENCES, Centre, Cluster, CompetenceOffer
from cchub.training import jsonld as training_jsonld
from cchub.training.models import LEVELS, MODES, Event, LearningPath, Material
from cchub.vocab.models import Concept
from cchub.vocab.tree import subtree_ids

FILTERS = ("cluster", "centre", "competence", "level", "mode")


def filter_events(qs: QuerySet[Event], params: Any) -> QuerySet[Event]:
    """The roadmap's filters (also used by the iCal feed): cluster, centre, competence (an
    area includes its narrower competences), level, format."""
    if params.get("cluster"):
        qs = qs.filter(organisers__clusters__slug=params["cluster"])
    if params.get("centre"):
        qs = qs.filter(organisers__slug=params["centre"])
    if params.get("competence"):
        qs = qs.filter(competences__in=subtree_ids(COMPETENCES, [params["competence"]]))
    if params.get("level"):
        qs = qs.filter(level=params["level"])
    if params.get("mode"):
        qs = qs.filter(mode=params["mode"])
    return qs.distinct()


def _filter_context(request: HttpRequest) -> dict[str, Any]:
    return {
        "params": {k: request.GET.get(k, "") for k in FILTERS},
        "clusters": Cluster.objects.all(),
        "centres": Centre.objects.public().filter(events__isnull=False).distinct().order_by("acronym"),
        "areas": Concept.objects.filter(scheme__slug=COMPETENCES, broader__isnull=True).order_by("position"),
        "levels": LEVELS,
        "modes": MODES,
        "query": request.GET.urlencode(),
    }


def roadmap(request: HttpRequest) -> HttpResponse:
    """Month by month: the past twelve months and everything planned."""
    since = timezone.now() - dt.timedelta(days=365)
    events = filter_events(Event.objects.filter(end__gte=since), request.GET).prefetch_related(
        "organisers__clusters"
    )
    months: OrderedDict[str, list[Event]] = OrderedDict()
    for event in events.order_by("start"):
        months.setdefault(timezone.localtime(event.start).strftime("%B %Y"), []).append(event)
    materials = Material.objects.filter(status=Material.ACTIVE).prefetch_related("centres")[:50]
    return render(
        request,
        "training/roadmap.html",
        {
            **_filter_context(request),
            "months": months,
            "materials": materials,
            "paths": LearningPath.objects.all(),
            "now": timezone.now(),
        },
    )


def gaps(request: HttpRequest) -> HttpResponse:
    """Competences with no training event in the last twelve months (nor planned)."""
    since = timezone.now() - dt.timedelta(days=365)
    taught = set(Event.objects.filter(end__gte=since).values_list("competences", flat=True))
    concepts = Concept.objects.filter(scheme__slug=COMPETENCES).select_related("broader").order_by("position")
    offered = dict(
        CompetenceOffer.objects.values_list("competence").annotate(n=Count("centre", distinct=True))
    )
    rows = [(c, offered.get(c.pk, 0)) for c in concepts if c.pk not in taught and c.broader_id is not None]
    return render(
        request, "training/gaps.html", {"rows": rows, "total": sum(1 for c in concepts if c.broader_id)}
    )


def event_detail(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_object_or_404(Event.objects.prefetch_related("organisers", "competences"), slug=slug)
    machine = jsonld.answer(request, lambda: training_jsonld.page(event))
    if machine:
        return machine
    zone = ZoneInfo(event.time_zone)
    return render(
        request,
        "training/event.html",
        {
            "event": event,
            "local_start": event.start.astimezone(zone),
            "local_end": event.end.astimezone(zone),
            "jsonld": jsonld.embed(training_jsonld.course(event)),
            "jsonld_event": jsonld.embed(training_jsonld.event_block(event)),
        },
    )


def material_detail(request: HttpRequest, slug: str) -> HttpResponse:
    material = get_object_or_404(Material.objects.prefetch_related("centres", "competences"), slug=slug)
    machine = jsonld.answer(request, lambda: training_jsonld.page(material))
    if machine:
        return machine
    return render(
        request,
        "training/material.html",
        {
            "material": material,
            "jsonld": jsonld.embed(training_jsonld.course(material)),
        },
    )


def path_detail(request: HttpRequest, slug: str) -> HttpResponse:
    path = get_object_or_404(LearningPath, slug=slug)
    return render(
        request,
        "training/path.html",
        {
            "path": path,
            "steps": path.steps.select_related("event", "material"),
        },
    )


def _ical_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def calendar(request: HttpRequest) -> HttpResponse:
    """An iCalendar feed of the roadmap for the same filters (subscribe in a calendar app)."""
    import icalendar

    cal = icalendar.Calendar()
    cal.add("prodid", "-//CC Hub//training roadmap//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "CC network training")
    since = timezone.now() - dt.timedelta(days=365)
    for event in filter_events(Event.objects.filter(end__gte=since), request.GET).prefetch_related(
        "organisers"
    ):
        entry = icalendar.Event()
        entry.add("uid", f"event-{event.pk}@{settings.SITE_URL.split('//')[-1]}")
        entry.add("summary", event.title)
        entry.add("dtstart", event.start)
        entry.add("dtend", event.end)
        entry.add("dtstamp", event.updated_at)
        entry.add("url", settings.SITE_URL + event.get_absolute_url())
        entry.add(
            "location",
            "Online"
            if event.mode == "online"
            else ", ".join(x for x in (event.venue, event.city, event.country) if x),
        )
        entry.add("description", event.description[:2000])
        entry.add("categories", [c.acronym for c in event.organisers.all()] or ["training"])
        cal.add_component(entry)
    response = HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="cc-training.ics"'
    return response
