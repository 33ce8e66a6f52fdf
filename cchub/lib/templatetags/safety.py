"""Template filters every template has (a builtin): links from stored data."""

from __future__ import annotations

from django import template

from cchub.lib.validators import is_http_url

register = template.Library()


@register.filter
def http_only(value: object) -> str:
    """The address when it is http(s), else nothing: a stored ``javascript:`` or ``data:``
    value (written before the fields were checked) never becomes a link."""
    text = str(value or "")
    return text if is_http_url(text) else ""
