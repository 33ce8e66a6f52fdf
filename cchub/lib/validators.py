"""Validators for identifiers the registry stores."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

ROR_RE = re.compile(r"^0[a-hj-km-np-tv-z0-9]{6}[0-9]{2}$")
ORCID_RE = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")


def normalise_ror(value: str) -> str:
    value = (value or "").strip()
    for prefix in ("https://ror.org/", "http://ror.org/", "ror.org/"):
        if value.lower().startswith(prefix):
            value = value[len(prefix):]
    return value.lower()


def validate_ror(value: str) -> None:
    if value and not ROR_RE.match(normalise_ror(value)):
        raise ValidationError(f"'{value}' is not a ROR id (nine characters such as 01ggx4157).")


def normalise_orcid(value: str) -> str:
    value = (value or "").strip()
    for prefix in ("https://orcid.org/", "http://orcid.org/", "orcid.org/"):
        if value.lower().startswith(prefix):
            value = value[len(prefix):]
    return value.upper()


def orcid_checksum_ok(orcid: str) -> bool:
    digits = orcid.replace("-", "")
    total = 0
    for ch in digits[:-1]:
        total = (total + int(ch)) * 2
    check = (12 - total % 11) % 11
    expected = "X" if check == 10 else str(check)
    return digits[-1] == expected


def validate_orcid(value: str) -> None:
    if not value:
        return
    orcid = normalise_orcid(value)
    if not ORCID_RE.match(orcid) or not orcid_checksum_ok(orcid):
        raise ValidationError(f"'{value}' is not a valid ORCID iD (0000-0002-1825-0097 form).")


def validate_language(value: str) -> None:
    if not LANGUAGE_RE.match(value or ""):
        raise ValidationError(f"'{value}' is not an ISO 639 language code such as 'en' or 'it'.")


def validate_country(value: str) -> None:
    from cchub.lib.countries import COUNTRIES

    if value not in COUNTRIES:
        raise ValidationError(f"'{value}' is not an ISO 3166 country code such as 'IT' or 'DE'.")


HTTP_SCHEMES = ("http", "https")
LANGUAGE_TAG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


def is_http_url(value: str) -> bool:
    """An absolute http(s) address with a host: never ``javascript:``, ``data:`` or ``file:``."""
    from urllib.parse import urlsplit

    value = (value or "").strip()
    if not value or any(ch in value for ch in "\x00\r\n\t") or value != value.strip():
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in HTTP_SCHEMES and bool(parts.hostname)


def validate_http_url(value: str) -> None:
    if value and not is_http_url(value):
        raise ValidationError(f"'{value[:80]}' is not an http(s) address (such as https://example.org/).")


def validate_language_tag(value: str) -> None:
    """A BCP 47 language tag as RDF and HTML take it: en, fr, pt-BR, sr-Latn."""
    if not LANGUAGE_TAG_RE.match(value or "") or len(value) > 35:
        raise ValidationError(f"'{value[:40]}' is not a language tag such as 'fr' or 'pt-BR'.")
