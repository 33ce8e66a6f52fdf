"""The training catalogue's REST endpoints under /api/v1/training/."""

# No ``from __future__ import annotations``: django-ninja reads these annotations at run time.

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema

from cchub.accounts.auth import TokenAuth
from cchub.accounts.permissions import is_network_admin
from cchub.lib.api import ApiError, Strict, json_response, paginate
from cchub.registry.models import Centre
from cchub.registry.permissions import can_create_for_centre, curated_centre_ids
from cchub.training import ingest
from cchub.training.models import Event, LearningPath, Material, Source
from cchub.training.views import filter_events

router = Router(tags=["training"])
token_auth = TokenAuth()


class EventFilters(Schema):
    cluster: str = ""
    centre: str = ""
    competence: str = ""
    level: str = ""
    mode: str = ""
    upcoming: bool = False
    page: int = 1
    page_size: int = 50


class RecordIn(Strict):
    centre: str
    kind: str = "event"
    title: str
    description: str = ""
    url: str = ""
    language: str = "en"
    level: str = ""
    keywords: list[str] = []
    competences: list[str] = []
    start: str = ""
    end: str = ""
    time_zone: str = "Europe/Brussels"
    mode: str = "online"
    venue: str = ""
    city: str = ""
    country: str = ""
    audience: str = ""
    capacity: int | None = None
    cost: str = ""
    registration_url: str = ""
    prerequisites: str = ""
    learning_outcomes: list[str] = []
    doi: str = ""
    licence: str = ""
    authors: list[str] = []
    format: str = ""
    date: str = ""
    status: str = "active"


class SourceIn(Strict):
    centre: str
    kind: str
    url: str
    every_hours: int = 24
    enabled: bool = True


def event_json(event: Event) -> dict[str, Any]:
    return {
        **event.as_record(),
        "id": event.pk,
        "url_on_hub": event.get_absolute_url(),
        "source_url": event.url,
        "past": event.is_past,
        "origin": event.origin_summary(),
    }


def material_json(material: Material) -> dict[str, Any]:
    return {
        **material.as_record(),
        "id": material.pk,
        "url_on_hub": material.get_absolute_url(),
        "origin": material.origin_summary(),
    }


def path_json(path: LearningPath) -> dict[str, Any]:
    return {
        "slug": path.slug,
        "title": path.title,
        "role": path.role,
        "description": path.description,
        "competences": [c.notation for c in path.competences.all()],
        "steps": [
            {
                "position": s.position,
                "topic": s.topic,
                "event": s.event.slug if s.event else None,
                "material": s.material.slug if s.material else None,
            }
            for s in path.steps.all()
        ],
    }


def source_json(source: Source) -> dict[str, Any]:
    return {
        "id": source.pk,
        "centre": source.centre.slug,
        "kind": source.kind,
        "url": source.url,
        "enabled": source.enabled,
        "every_hours": source.every_hours,
        "last_run_at": source.last_run_at,
        "last_report": source.last_report,
    }


@router.get("/events", summary="Training events (filters as on the roadmap)", auth=None)
def list_events(request: HttpRequest, filters: Query[EventFilters]) -> HttpResponse:
    qs = filter_events(Event.objects.all(), filters.dict()).prefetch_related("organisers", "competences")
    if filters.upcoming:
        from django.utils import timezone

        qs = qs.filter(end__gte=timezone.now())
    return json_response(paginate(request, qs.order_by("start"), filters.page, filters.page_size, event_json))


def _one(model: type[Event] | type[Material], slug: str, to_json: Any) -> HttpResponse:
    found = model.objects.filter(slug=slug).first()
    if found is None:
        raise ApiError(404, f"No such {model._meta.verbose_name}.")
    return json_response(to_json(found))


@router.get("/events/{slug}", summary="One event", auth=None)
def read_event(request: HttpRequest, slug: str) -> HttpResponse:
    return _one(Event, slug, event_json)


@router.get("/materials", summary="Training materials", auth=None)
def list_materials(
    request: HttpRequest, status: str = "", page: int = 1, page_size: int = 50
) -> HttpResponse:
    qs = Material.objects.prefetch_related("centres", "competences")
    if status:
        qs = qs.filter(status=status)
    return json_response(paginate(request, qs, page, page_size, material_json))


@router.get("/materials/{slug}", summary="One material", auth=None)
def read_material(request: HttpRequest, slug: str) -> HttpResponse:
    return _one(Material, slug, material_json)


@router.get("/paths", summary="Learning paths", auth=None)
def list_paths(request: HttpRequest, page: int = 1, page_size: int = 50) -> HttpResponse:
    qs = LearningPath.objects.prefetch_related("competences", "steps__event", "steps__material")
    return json_response(paginate(request, qs, page, page_size, path_json))


def _centre_for(user: Any, slug: str) -> Centre:
    centre = Centre.objects.filter(slug=slug).first()
    if centre is None:
        raise ApiError(422, f"Unknown centre '{slug}'.", [{"field": "centre", "message": "unknown"}])
    if not can_create_for_centre(user, centre.pk):
        raise ApiError(403, f"Only {centre.acronym}'s curators and the administrators add its training.")
    return centre


@router.post(
    "/records", summary="Add or update an event or a material (the ingestors' path)", auth=token_auth
)
def write_record(request: HttpRequest, payload: RecordIn, dry_run: bool = False) -> HttpResponse:
    """The record's fields are those of a CSV row (see docs/training.md). Validated,
    de-duplicated (same URL, or same title and start) and written like an ingested one."""
    centre = _centre_for(request.auth, payload.centre)  # type: ignore[attr-defined]
    record = {k: v for k, v in payload.dict().items() if k != "centre"}
    report = ingest.write([{**record, "line": 1}], centre, dry_run=dry_run)
    if not report.ok:
        raise ApiError(422, report.summary(), [{"field": "record", "message": r} for r in report.rejected])
    return json_response(report.as_dict(), status=201 if report.added else 200)


@router.get("/sources", summary="Ingestion sources you may manage", auth=token_auth)
def list_sources(request: HttpRequest) -> HttpResponse:
    user = request.auth  # type: ignore[attr-defined]
    qs = Source.objects.select_related("centre")
    if not is_network_admin(user):
        qs = qs.filter(centre_id__in=curated_centre_ids(user))
    return json_response({"results": [source_json(s) for s in qs]})


@router.post("/sources", summary="Register a source for a centre", auth=token_auth)
def add_source(request: HttpRequest, payload: SourceIn) -> HttpResponse:
    centre = _centre_for(request.auth, payload.centre)  # type: ignore[attr-defined]
    if payload.kind not in dict(Source.KINDS):
        raise ApiError(
            422,
            f"kind must be one of {', '.join(dict(Source.KINDS))}.",
            [{"field": "kind", "message": "unknown"}],
        )
    if not payload.url.startswith(("http://", "https://")):
        raise ApiError(
            422, "The source must be an http(s) URL.", [{"field": "url", "message": "not http(s)"}]
        )
    if not 1 <= payload.every_hours <= 24 * 30:
        raise ApiError(
            422, "every_hours must be between 1 and 720.", [{"field": "every_hours", "message": "range"}]
        )
    source = Source.objects.create(
        centre=centre,
        kind=payload.kind,
        url=payload.url,
        every_hours=payload.every_hours,
        enabled=payload.enabled,
    )
    return json_response(source_json(source), status=201)


@router.post("/sources/{pk}/run", summary="Ingest a source now, in the background", auth=token_auth)
def run_source(request: HttpRequest, pk: int, dry_run: bool = False) -> HttpResponse:
    source = Source.objects.select_related("centre").filter(pk=pk).first()
    if source is None:
        raise ApiError(404, "No such source.")
    _centre_for(request.auth, source.centre.slug)  # type: ignore[attr-defined]
    from cchub.training.tasks import ingest_source

    result = ingest_source.enqueue(source.pk, dry_run)
    return json_response(
        {
            "task": str(result.id),
            "status": str(result.status),
            "detail": "Queued; the report appears on the source when the worker has run it.",
        },
        status=202,
    )


@router.get("/calendar.ics", summary="The roadmap as an iCalendar feed (same filters)", auth=None)
def calendar_feed(request: HttpRequest, filters: Query[EventFilters]) -> HttpResponse:
    """The same feed as /training/calendar.ics, for calendar applications."""
    from cchub.training.views import calendar

    return calendar(request)
