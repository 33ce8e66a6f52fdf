"""``{% origin obj %}``: where a harvested record comes from, on its page."""

from __future__ import annotations

from typing import Any

from django import template

from cchub.interop.publish import harvested_record

register = template.Library()


@register.inclusion_tag("interop/_origin.html")
def origin(obj: Any) -> dict[str, Any]:
    if getattr(obj, "origin_id", None) is None:
        return {"record": None, "source": None}
    record = harvested_record(obj)
    original = (record.metadata.get("page") or record.metadata.get("url") or "") if record else ""
    return {"record": record, "source": obj.origin, "original": original}
