"""XML for OAI-PMH: escaping, the Dublin Core and ``cchub`` metadata formats, and reading
them back.

The ``cchub`` format carries a hub's full record losslessly: a value is ``s`` (text),
``n`` (number), ``b`` (true/false), ``z`` (null), ``l`` (a list of values) or ``o`` (an
object of named values); a named value has its name in ``k``. Its schema is
``cchub/interop/schemas/cchub-record.xsd``, served at ``/oai/cchub-record.xsd``.
"""

from __future__ import annotations

import re
from typing import Any
from xml.etree.ElementTree import Element

OAI = "http://www.openarchives.org/OAI/2.0/"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
CCHUB = "https://w3id.org/cchub/record/1"
PROVENANCE = "http://www.openarchives.org/OAI/2.0/provenance"
OAI_IDENTIFIER = "http://www.openarchives.org/OAI/2.0/oai-identifier"
XSI = "http://www.w3.org/2001/XMLSchema-instance"

DC_ELEMENTS = (
    "title", "creator", "subject", "description", "publisher", "contributor", "date", "type", "format",
    "identifier", "source", "language", "relation", "coverage", "rights",
)  # fmt: skip
# Characters XML 1.0 does not allow, even escaped.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def text(value: Any) -> str:
    """Escaped character data (characters XML cannot carry are dropped)."""
    raw = _ILLEGAL.sub("", str(value))
    return raw.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def attr(value: Any) -> str:
    return text(value).replace('"', "&quot;")


def dublin_core(dc: dict[str, list[str]]) -> str:
    parts = [
        f'<oai_dc:dc xmlns:oai_dc="{OAI_DC}" xmlns:dc="{DC}" xmlns:xsi="{XSI}" '
        f'xsi:schemaLocation="{OAI_DC} http://www.openarchives.org/OAI/2.0/oai_dc.xsd">'
    ]
    for name in DC_ELEMENTS:
        for value in dc.get(name, []):
            parts.append(f"<dc:{name}>{text(value)}</dc:{name}>")
    parts.append("</oai_dc:dc>")
    return "".join(parts)


def _value(key: str | None, value: Any, out: list[str]) -> None:
    named = f' k="{attr(key)}"' if key is not None else ""
    if value is None:
        out.append(f"<c:z{named}/>")
    elif isinstance(value, bool):
        out.append(f"<c:b{named}>{'true' if value else 'false'}</c:b>")
    elif isinstance(value, int | float):
        out.append(f"<c:n{named}>{value}</c:n>")
    elif isinstance(value, list | tuple):
        out.append(f"<c:l{named}>")
        for item in value:
            _value(None, item, out)
        out.append("</c:l>")
    elif isinstance(value, dict):
        out.append(f"<c:o{named}>")
        for k, v in value.items():
            _value(str(k), v, out)
        out.append("</c:o>")
    else:
        out.append(f"<c:s{named}>{text(value)}</c:s>")


def cchub_record(kind: str, record: dict[str, Any], schema_url: str) -> str:
    out = [f'<c:record xmlns:c="{CCHUB}" xmlns:xsi="{XSI}" xsi:schemaLocation="{CCHUB} {attr(schema_url)}" '
           f'kind="{attr(kind)}" version="1">']  # fmt: skip
    for key, value in record.items():
        _value(str(key), value, out)
    out.append("</c:record>")
    return "".join(out)


class FormatError(ValueError):
    """A metadata record that does not follow its format."""


def _read(element: Element) -> Any:
    tag = element.tag.rsplit("}", 1)[-1]
    if tag == "s":
        return element.text or ""
    if tag == "z":
        return None
    if tag == "b":
        return (element.text or "").strip() == "true"
    if tag == "n":
        raw = (element.text or "").strip()
        try:
            return int(raw)
        except ValueError:
            try:
                return float(raw)
            except ValueError as exc:
                raise FormatError(f"'{raw}' is not a number") from exc
    if tag == "l":
        return [_read(child) for child in element]
    if tag == "o":
        return {child.get("k", ""): _read(child) for child in element}
    raise FormatError(f"unknown element <{tag}>")


def read_cchub(element: Element) -> tuple[str, dict[str, Any]]:
    """(kind, record) from a ``c:record`` element."""
    if element.tag != f"{{{CCHUB}}}record":
        raise FormatError(f"expected a cchub record, found <{element.tag}>")
    kind = element.get("kind", "")
    if not kind:
        raise FormatError("the record names no kind")
    return kind, {child.get("k", ""): _read(child) for child in element}


def read_dc(element: Element) -> dict[str, list[str]]:
    """The Dublin Core elements of an ``oai_dc:dc`` element."""
    if element.tag != f"{{{OAI_DC}}}dc":
        raise FormatError(f"expected an oai_dc record, found <{element.tag}>")
    found: dict[str, list[str]] = {}
    for child in element:
        name = child.tag.rsplit("}", 1)[-1]
        if child.tag.startswith(f"{{{DC}}}") and (child.text or "").strip():
            found.setdefault(name, []).append(child.text.strip())  # type: ignore[union-attr]
    return found
