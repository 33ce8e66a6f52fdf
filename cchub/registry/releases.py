"""Dated, frozen releases of the registry ("Registry created", "Registry updated")."""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction

from cchub.registry.exchange import export_registry, public_view
from cchub.registry.models import Release

VERSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


class ReleaseError(Exception):
    pass


def publish_release(version: str, title: str, notes: str, user: Any) -> Release:
    version = (version or "").strip()
    title = (title or "").strip()
    if not VERSION_RE.match(version):
        raise ReleaseError("Version: use letters, digits, '.', '-' or '_' (e.g. 2026.1).")
    if not title:
        raise ReleaseError("Title: give the release a title.")
    # A release is public: only what anyone may see is frozen into it.
    snapshot = public_view(export_registry())
    snapshot.pop("vocabularies", None)
    snapshot["release"] = {"version": version, "title": title}
    counts = {k: len(snapshot[k]) for k in ("clusters", "organisations", "centres",
                                            "contacts", "services", "offers")}
    try:
        with transaction.atomic():
            return Release.objects.create(
                version=version, title=title, notes=notes, snapshot=snapshot, counts=counts,
                created_by=user if getattr(user, "is_authenticated", False) else None,
            )
    except IntegrityError as exc:
        raise ReleaseError(f"Version: release {version} already exists.") from exc


def _keyed(snapshot: dict[str, Any], section: str) -> dict[str, dict[str, Any]]:
    rows = snapshot.get(section, [])
    if section == "offers":
        return {f"{r['centre']} · {r['competence']} · {r['level']}": r for r in rows}
    if section == "contacts":
        return {f"{r['centre']} · {r['name']}": r for r in rows}
    return {r["slug"]: r for r in rows}


def compare(old: dict[str, Any], new: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    """What was added, removed and changed between two snapshots, per section."""
    result: dict[str, dict[str, list[str]]] = {}
    for section in ("centres", "services", "offers", "organisations", "clusters", "contacts"):
        a, b = _keyed(old, section), _keyed(new, section)
        result[section] = {
            "added": sorted(set(b) - set(a)),
            "removed": sorted(set(a) - set(b)),
            "changed": sorted(k for k in set(a) & set(b) if a[k] != b[k]),
        }
    return result


def previous_release(release: Release) -> Release | None:
    return (
        Release.objects.filter(created_at__lt=release.created_at).order_by("-created_at").first()
        or Release.objects.filter(created_at=release.created_at, pk__lt=release.pk).order_by("-pk").first()
    )
