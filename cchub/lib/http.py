from __future__ import annotations

from django.http import HttpRequest, HttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def is_htmx(request: HttpRequest) -> bool:
    """A partial-page request from htmx (django-htmx's middleware sets ``request.htmx``)."""
    return bool(getattr(request, "htmx", False))


def download(content: bytes | str, content_type: str, filename: str) -> HttpResponse:
    """A file to save (``Content-Disposition: attachment``) rather than to show."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
