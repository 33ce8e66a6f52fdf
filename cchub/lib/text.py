"""Markdown rendering with sanitised output, and small text helpers."""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Any

import markdown as md
import nh3

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h2", "h3", "h4", "h5", "h6", "table", "thead",
    "tbody", "tr", "th", "td", "del", "sup", "sub", "abbr", "dl", "dt", "dd",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"}}


def render_markdown(text: str) -> str:
    """Render user Markdown to HTML safe to embed: no scripts, no raw HTML, safe links."""
    html = md.markdown(text or "", extensions=["extra", "sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener",
    )


def clean_text(text: str) -> str:
    """Strip every tag from a plain-text field (names, taglines). The result is plain text
    ("R&D", "a > b"), escaped where it is shown like any other text."""
    return html.unescape(nh3.clean(text or "", tags=set())).strip()


CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(value: str) -> str:
    """``value`` on one line without control characters (subjects, names, mail headers)."""
    return " ".join(CONTROL.sub(" ", value or "").split())


def slugify(value: str, max_length: int = 60) -> str:
    value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    value = re.sub(r"[^\w\s-]", "", value.lower())
    value = re.sub(r"[-\s_]+", "-", value).strip("-")
    return value[:max_length].strip("-") or "item"


def unique_slug(model: Any, text: str, max_length: int = 70, exclude_pk: Any = None) -> str:
    """A slug for ``text`` that no ``model`` row (but ``exclude_pk``) has yet (adds -2, -3, …
    when needed)."""
    base = slugify(text, max_length)
    slug, n = base, 2
    rows = model._default_manager.all()
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    while rows.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def split_list(value: str | None) -> list[str]:
    """Split a ';' or newline separated cell into trimmed, non-empty items."""
    if not value:
        return []
    return [part.strip() for part in re.split(r"[;\n]", str(value)) if part.strip()]


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A value for a CSV cell that a spreadsheet will not run as a formula: text starting
    with ``= + - @`` (or a tab or carriage return) gets a leading apostrophe, as OWASP
    advises; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


def from_csv_cell(value: str) -> str:
    """The text ``csv_cell`` guarded, as it was (for re-importing our own exports)."""
    if value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value
