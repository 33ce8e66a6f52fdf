from __future__ import annotations

from django.http import HttpRequest


def is_htmx(request: HttpRequest) -> bool:
    """A partial-page request from htmx (django-htmx's middleware sets ``request.htmx``)."""
    return bool(getattr(request, "htmx", False))
