"""``{{ html|glossary }}``: mark the glossary's terms in a description, so that a reader
sees the definition on hover or keyboard focus and can follow the link to the term."""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.db.models import Max
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from cchub.glossary.models import Term

register = template.Library()
_state: dict[str, Any] = {}
TAG = re.compile(r"(<[^>]+>)")
SKIP = {"a", "code", "pre", "abbr", "h1", "h2", "h3"}


def _matcher() -> tuple[re.Pattern[str] | None, dict[str, Term]]:
    stamp = Term.objects.filter(status=Term.APPROVED).aggregate(m=Max("updated_at"))["m"]
    if _state.get("stamp") != stamp or "pattern" not in _state:
        by_label: dict[str, Term] = {}
        for term in Term.objects.filter(status=Term.APPROVED):
            for label in [term.pref_label, *term.acronyms]:
                if len(label) >= 2:
                    by_label.setdefault(label.lower(), term)
        labels = sorted(by_label, key=len, reverse=True)
        pattern = (
            re.compile(r"\b(" + "|".join(re.escape(x) for x in labels) + r")\b", re.I) if labels else None
        )
        _state.update(stamp=stamp, pattern=pattern, terms=by_label)
    return _state["pattern"], _state["terms"]


@register.filter(name="glossary")
def mark_terms(html: str) -> SafeString:
    """Wrap the first mention of each approved term (by label or acronym) in a link that
    carries its definition. Text inside links, code and headings is left alone."""
    pattern, terms = _matcher()
    if not html or pattern is None:
        return mark_safe(html or "")  # noqa: S308 (the input is already sanitised HTML)
    seen: set[int] = set()
    skipping: list[str] = []
    out = []
    for part in TAG.split(str(html)):
        if part.startswith("<"):
            name = re.match(r"</?\s*([a-zA-Z0-9]+)", part)
            if name and name.group(1).lower() in SKIP:
                if part.startswith("</"):
                    if skipping:
                        skipping.pop()
                elif not part.endswith("/>"):
                    skipping.append(name.group(1).lower())
            out.append(part)
            continue
        if skipping:
            out.append(part)
            continue

        def replace(match: re.Match[str]) -> str:
            term = terms[match.group(0).lower()]
            if term.pk in seen:
                return match.group(0)
            seen.add(term.pk)
            definition = escape(f"{term.pref_label}: {term.definition}")
            return (
                f'<a class="term" href="{term.get_absolute_url()}" data-definition="{definition}" '
                f'title="{definition}">{match.group(0)}</a>'
            )

        out.append(pattern.sub(replace, part))
    return mark_safe("".join(out))  # noqa: S308 (only our own links were added to sanitised HTML)
