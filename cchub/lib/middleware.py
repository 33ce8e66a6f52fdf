"""Request guards shared by the whole site."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict


def body_size_limit(get_response: Callable[[HttpRequest], HttpResponse]):
    """Refuse a request whose declared body is larger than the configured maximum.

    Answers 413 with a JSON body for the API and a short page elsewhere, before
    anything reads the body.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        raw = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw)
        except ValueError:
            length = -1
        limit = settings.MAX_UPLOAD_BYTES
        if length < 0 or length > limit:
            message = (
                f"Request body of {raw} bytes is not accepted; the limit is {limit} bytes."
                if length >= 0
                else "Content-Length header is not a number."
            )
            status = 413 if length > limit else 400
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message, "errors": []}, status=status)
            return HttpResponse(message, status=status, content_type="text/plain")
        return get_response(request)

    return middleware


def permissions_policy(get_response: Callable[[HttpRequest], HttpResponse]):
    """Send ``settings.PERMISSIONS_POLICY`` (the browser features no page of the hub uses)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response

    return middleware


def _without_nul(params: QueryDict) -> QueryDict | None:
    """A copy of ``params`` without NUL characters, or None when there are none."""
    if not any("\x00" in key or any("\x00" in v for v in params.getlist(key)) for key in params):
        return None
    clean = QueryDict(mutable=True)
    for key in params:
        clean.setlist(key.replace("\x00", ""), [v.replace("\x00", "") for v in params.getlist(key)])
    clean._mutable = False
    return clean


def strip_nul(get_response: Callable[[HttpRequest], HttpResponse]):
    """Take NUL characters out of query and form parameters: PostgreSQL refuses them in
    text, and no field of the hub has a use for one (JSON bodies: cchub.lib.api)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path_info:
            message = "The address holds a NUL character."
            if request.path_info.startswith("/api/"):
                return JsonResponse({"detail": message, "errors": [{"field": "path", "message": "NUL"}]},
                                    status=400)
            return HttpResponse(message, status=400, content_type="text/plain")
        cleaned = _without_nul(request.GET)
        if cleaned is not None:
            request.GET = cleaned  # type: ignore[assignment]
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded", "multipart/form-data"
        ):
            cleaned = _without_nul(request.POST)
            if cleaned is not None:
                request.POST = cleaned  # type: ignore[assignment]
        return get_response(request)

    return middleware
