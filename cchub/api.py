"""The hub's REST API at /api/v1/: one NinjaAPI, routers from the apps, JSON errors only."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from cchub.glossary import skos
from cchub.glossary.api import router as glossary_router
from cchub.interop.api import router as eosc_router
from cchub.lib import openapi
from cchub.lib.api import MAX_PAGE, MAX_PAGE_SIZE, ApiError, Refused, TextParser, error_response
from cchub.onboarding.api import router as onboarding_router
from cchub.onboarding.checks import KINDS
from cchub.registry.api import router as registry_router
from cchub.search import MAX_QUERY, TYPES
from cchub.search.api import router as search_router
from cchub.support.api import router as support_router
from cchub.support.models import PRIORITIES
from cchub.support.workflow import MAX_BODY, MAX_SUBJECT
from cchub.training.api import router as training_router

CRUD = ("centres", "clusters", "competences", "contacts", "offers", "organisations", "services")
PAGING = {"page": {"minimum": 1, "maximum": MAX_PAGE}, "page_size": {"minimum": 1, "maximum": MAX_PAGE_SIZE}}
NON_EMPTY = {"minLength": 1, "pattern": r"\S"}


def responses() -> dict[str, dict[str, Any]]:
    """What only some operations answer, and the bounds and choices they check
    (cchub.lib.openapi adds what every kind of operation answers)."""
    return {
        **{f"POST /{name}": {"ok": [201]} for name in CRUD},
        **{f"GET /{name}": {"codes": [304]} for name in CRUD},
        **{f"GET /{name}/{{ref}}": {"codes": [304]} for name in CRUD},
        **{f"PUT /{name}/{{ref}}": {"codes": [412, 428]} for name in CRUD},
        **{f"PATCH /{name}/{{ref}}": {"codes": [412, 428]} for name in CRUD},
        **{f"DELETE /{name}/{{ref}}": {"ok": [204], "codes": [412, 428]} for name in CRUD},
        "GET /search": {"params": {
            "page": {"minimum": 1, "maximum": 500}, "page_size": {"minimum": 1, "maximum": 100},
            "type": {"enum": sorted(TYPES)}, "sort": {"enum": ["relevance", "date"]},
            "q": {"maxLength": MAX_QUERY}}},
        "POST /glossary/terms": {"ok": [201]},
        "GET /glossary/skos": {"media": ["text/turtle", "application/ld+json", "application/rdf+xml"],
                               "params": {"format": {"enum": sorted(skos.FORMATS)}}},
        "POST /support/tickets": {"ok": [201], "codes": [429], "body": {
            "subject": {**NON_EMPTY, "maxLength": MAX_SUBJECT}, "body": {**NON_EMPTY, "maxLength": MAX_BODY},
            "priority": {"enum": [p for p, _ in PRIORITIES]}}},
        "POST /support/route": {"body": {"subject": {**NON_EMPTY, "maxLength": MAX_SUBJECT}}},
        "POST /training/records": {"ok": [200, 201]},
        "POST /training/sources": {"ok": [201]},
        "POST /training/sources/{pk}/run": {"ok": [202]},
        "GET /training/calendar.ics": {"media": ["text/calendar"]},
        "POST /onboarding/check": {"body": {"kind": {"enum": [k for k, _ in KINDS]}}},
        "POST /onboarding/outputs/{pk}/comments": {"ok": [201]},
    }


class HubAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None,
                           path_params: dict[str, Any] | None = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return openapi.document(dict(schema), responses(), prefix="/api/v1", params=PAGING)


api = HubAPI(
    title="CC Hub API",
    version="1",
    description=(
        "The registry of Open Science Competence Centres. Reads are public; writes need a token "
        "(`Authorization: Bearer cch_...`, created on your account page) and, for updates and "
        "deletes, the record's ETag in `If-Match`. Errors are JSON: "
        '`{"detail": "...", "errors": [{"field": "...", "message": "..."}]}`.'
    ),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    parser=TextParser(),
)


def _loc_name(loc: list[object]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "payload", "query", "path", "filters")]
    return ".".join(parts) or "body"


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for item in exc.errors:
        loc = list(item.get("loc", []))
        message = str(item.get("msg", "invalid"))
        if item.get("type") == "extra_forbidden":
            message = "Unknown field."
        errors.append({"field": _loc_name(loc), "message": message})
    malformed = any("json" in e["message"].lower() and "decode" in e["message"].lower() for e in errors)
    detail = "The request body is not valid JSON." if malformed else "The request is not valid."
    return error_response(400 if malformed else 422, detail, errors)


@api.exception_handler(Refused)
def on_refused(request: HttpRequest, exc: Refused) -> HttpResponse:
    errors = [{"field": exc.field, "message": exc.message}] if exc.field else []
    return error_response(exc.status, exc.message, errors)


@api.exception_handler(ApiError)
def on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return error_response(exc.status, exc.detail, exc.errors)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(401, "Authentication required: send 'Authorization: Bearer <token>'.")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, ApiError):  # the parser's own refusal, with its reason
        return on_api_error(request, exc.__cause__)
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        return error_response(400, "The request body is not valid JSON.",
                              [{"field": "body", "message": "not valid JSON"}])
    return error_response(exc.status_code, str(exc))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(404, "Not found.")


@api.exception_handler(PermissionDenied)
def on_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error_response(403, "You may not do this.")


# Each app's router, mounted once at its prefix (the registry's resources are the root).
api.add_router("/", registry_router)
api.add_router("/search", search_router)
api.add_router("/support", support_router)
api.add_router("/glossary", glossary_router)
api.add_router("/training", training_router)
api.add_router("/eosc", eosc_router)
api.add_router("/onboarding", onboarding_router)
