"""Request guards shared by the whole site."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse


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
