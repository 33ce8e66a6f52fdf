"""Content negotiation shared by the pages that also answer RDF."""

from __future__ import annotations

from django.http import HttpRequest

HTML = ("text/html", "application/xhtml+xml")


def negotiate(
    request: HttpRequest, media_types: dict[str, str], aliases: dict[str, str], html: tuple[str, ...] = HTML
) -> str | None:
    """The format asked for: by ``?format=`` (an alias; "" when the alias is unknown), else
    by the first media type of the Accept header that is HTML (None) or one we offer."""
    wanted = request.GET.get("format", "")
    if wanted:
        return aliases.get(wanted, "")
    for part in request.headers.get("Accept", "").split(","):
        media = part.split(";")[0].strip().lower()
        if media in html:
            return None
        if media in media_types:
            return media_types[media]
    return None
