"""Ingesting training the TeSS way: one ingestor per source format reads records; one
shared ``write`` validates, de-duplicates (same URL, or same title and start, among the
writing centre's own records: another centre's record is never matched or changed), keeps
the fields curators edited by hand, and counts added / updated / unchanged / rejected with
reasons.

A file is taken whole or not at all: if any record is rejected the report lists every
problem, each with its line, and nothing is written (a dry run never writes).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from cchub.lib.countries import COUNTRIES
from cchub.lib.fetch import FetchError, Limits
from cchub.lib.fetch import fetch as guarded_fetch
from cchub.lib.tables import TableTooLarge, bounded_rows
from cchub.lib.text import clean_text, unique_slug
from cchub.lib.validators import is_http_url
from cchub.registry.models import COMPETENCES, Centre
from cchub.training.models import LEVELS, MODES, Event, Material, Source
from cchub.vocab.models import Concept

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000  # records a CSV/XLSX source may hold
MAX_COLUMNS = 100
MAX_CELL = 100_000  # characters
REPORT_LINES = 200  # lines of each kind kept in a stored report
SPDX = {
    "CC-BY-4.0",
    "CC-BY-SA-4.0",
    "CC0-1.0",
    "CC-BY-NC-4.0",
    "CC-BY-NC-SA-4.0",
    "CC-BY-ND-4.0",
    "MIT",
    "Apache-2.0",
    "GPL-3.0-only",
    "GPL-3.0-or-later",
    "BSD-3-Clause",
    "BSD-2-Clause",
    "LGPL-3.0-only",
    "MPL-2.0",
    "EUPL-1.2",
}
EVENT_FIELDS = (
    "title",
    "description",
    "url",
    "start",
    "end",
    "time_zone",
    "mode",
    "venue",
    "city",
    "country",
    "language",
    "level",
    "keywords",
    "audience",
    "capacity",
    "cost",
    "registration_url",
    "prerequisites",
    "learning_outcomes",
)
MATERIAL_FIELDS = (
    "title",
    "description",
    "url",
    "doi",
    "licence",
    "authors",
    "format",
    "date",
    "status",
    "language",
    "level",
    "keywords",
)


class IngestError(ValueError):
    """The source as a whole cannot be read."""


@dataclass
class Report:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # "line 12: reason"
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.rejected

    def summary(self) -> str:
        if not self.ok:
            return f"{len(self.rejected)} record(s) rejected; nothing was written."
        verb = "would be" if self.dry_run else "were"
        return (
            f"{len(self.added)} {verb} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
            f"0 rejected."
        )

    def as_dict(self, limit: int | None = None) -> dict[str, Any]:
        """The report; with ``limit``, each list keeps its first ``limit`` lines and says how
        many more there were (what is stored on a source or as a task's result stays small)."""

        def cut(lines: list[str]) -> list[str]:
            if limit is None or len(lines) <= limit:
                return lines
            return [*lines[:limit], f"… and {len(lines) - limit:,} more"]

        return {
            "added": cut(self.added),
            "updated": cut(self.updated),
            "unchanged": cut(self.unchanged),
            "rejected": cut(self.rejected),
            "counts": {"added": len(self.added), "updated": len(self.updated),
                       "unchanged": len(self.unchanged), "rejected": len(self.rejected)},
            "dry_run": self.dry_run,
            "summary": self.summary(),
        }


# ------------------------------------------------------------------ reading sources


def fetch(url: str, allow_private: bool = False) -> bytes:
    """A source's content through the hub's one guarded fetcher (``cchub.lib.fetch``): http(s)
    only, no private, loopback or link-local address unless the source is allowed one by an
    administrator, every redirect checked again, time and size bounded."""
    limits = Limits(timeout=20.0, max_bytes=MAX_BYTES, retries=2, allow_private=allow_private, backoff=0.5)
    try:
        return guarded_fetch(url, limits)
    except FetchError as exc:
        raise IngestError(exc.message) from exc


class IcalIngestor:
    def read(self, content: bytes, origin: str) -> list[dict[str, Any]]:
        import icalendar

        text = content.decode("utf-8", errors="replace")
        starts = [i + 1 for i, line in enumerate(text.splitlines()) if line.strip() == "BEGIN:VEVENT"]
        try:
            calendar = icalendar.Calendar.from_ical(text)
        except (ValueError, IndexError) as exc:
            raise IngestError(f"{origin}: not an iCalendar file ({exc}).") from exc
        records = []
        for n, event in enumerate(calendar.walk("VEVENT")):
            line = starts[n] if n < len(starts) else 0
            record: dict[str, Any] = {"kind": "event", "line": line}
            try:
                start, end = event.decoded("DTSTART"), event.decoded("DTEND", None)
            except (KeyError, ValueError) as exc:
                record["error"] = f"DTSTART/DTEND cannot be read ({exc})"
                records.append(record)
                continue
            if getattr(event, "errors", None):
                record["error"] = "; ".join(f"{name}: {message}" for name, message in event.errors)
            record.update(
                title=str(event.get("SUMMARY", "")),
                description=str(event.get("DESCRIPTION", "")),
                url=str(event.get("URL", "")),
                start=start,
                end=end or start,
                venue=str(event.get("LOCATION", "")),
                keywords=[
                    str(c) for cat in _list(event.get("CATEGORIES")) for c in getattr(cat, "cats", [cat])
                ],
                mode="online" if "online" in str(event.get("LOCATION", "")).lower() else "onsite",
            )
            records.append(record)
        return records


def _bounded(rows: Any, origin: str) -> list[list[Any]]:
    try:
        return bounded_rows(rows, origin, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS, max_cell=MAX_CELL)
    except TableTooLarge as exc:
        raise IngestError(str(exc)) from exc


class CsvIngestor:
    REQUIRED = ("title",)

    def read(self, content: bytes, origin: str) -> list[dict[str, Any]]:
        rows = self._rows(content, origin)
        if not rows:
            raise IngestError(f"{origin}: no rows.")
        header = [h.strip().lower() for h in rows[0]]
        missing = [c for c in self.REQUIRED if c not in header]
        if (
            "start" in header
            or "end" in header
            or any(str(r).lower() == "event" for row in rows[1:] for r in row[:1])
        ):
            missing += [c for c in ("start", "end") if c not in header]
        if missing:
            raise IngestError(f"{origin}, line 1: missing column(s): {', '.join(missing)}.")
        records = []
        for number, row in enumerate(rows[1:], start=2):
            if not any(str(x).strip() for x in row):
                continue
            record: dict[str, Any] = {
                header[i]: (str(v).strip() if v is not None else "")
                for i, v in enumerate(row)
                if i < len(header)
            }
            record["kind"] = record.get("kind") or ("event" if record.get("start") else "material")
            record["line"] = number
            for key in ("keywords", "learning_outcomes", "authors", "competences", "organisers"):
                if key in record:
                    record[key] = [x.strip() for x in re.split(r"[;\n]", record[key]) if x.strip()]
            records.append(record)
        return records

    def _rows(self, content: bytes, origin: str) -> list[list[Any]]:
        if content[:4] == b"PK\x03\x04":
            import openpyxl

            try:
                book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
                return _bounded(book.active.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1), origin)
            except IngestError:
                raise
            except Exception as exc:  # openpyxl raises several kinds for broken files
                raise IngestError(f"{origin}: not a readable XLSX file ({exc}).") from exc
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise IngestError(f"{origin}: a CSV file must be UTF-8.") from exc
        reader = csv.reader(io.StringIO(text), strict=True)  # an unterminated quote is an error
        try:
            return _bounded(reader, origin)
        except csv.Error as exc:
            raise IngestError(f"{origin}, line {reader.line_num}: not valid CSV ({exc}).") from exc


class BioschemasIngestor:
    allow_private = False  # for the pages a sitemap lists: as the source allows

    """Pages carrying schema.org/Bioschemas JSON-LD (Event, CourseInstance, Course,
    TrainingMaterial), or a sitemap listing such pages."""

    SCRIPT = re.compile(r'<script[^>]+type=["\']application/ld\+json["\'][^>]*>(.*?)</script>', re.S | re.I)

    def read(self, content: bytes, origin: str, follow: bool = True) -> list[dict[str, Any]]:
        text = content.decode("utf-8", errors="replace")
        if follow and "<urlset" in text[:1000]:
            try:
                root = ElementTree.fromstring(content)
            except ElementTree.ParseError as exc:
                raise IngestError(f"{origin}: the sitemap is not valid XML ({exc}).") from exc
            records = []
            for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc"):
                url = (loc.text or "").strip()
                records.extend(self.read(fetch(url, self.allow_private), url, follow=False))
            return records
        records = []
        for match in self.SCRIPT.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            try:
                data = json.loads(match.group(1))
            except json.JSONDecodeError as exc:
                records.append(
                    {
                        "line": line,
                        "origin": origin,
                        "kind": "event",
                        "error": f"malformed JSON-LD ({exc.msg} at line {line + exc.lineno - 1})",
                    }
                )
                continue
            for item in _items(data):
                record = self._record(item)
                if record is not None:
                    record.update(line=line, origin=origin)
                    records.append(record)
        return records

    def _record(self, item: dict[str, Any]) -> dict[str, Any] | None:
        kind = item.get("@type")
        kinds = set(kind if isinstance(kind, list) else [kind])
        keywords = item.get("keywords", [])
        if isinstance(keywords, str):
            keywords = [k.strip() for k in keywords.split(",") if k.strip()]
        common = {
            "title": item.get("name", ""),
            "description": item.get("description", ""),
            "url": item.get("url", ""),
            "keywords": keywords,
            "level": str(item.get("educationalLevel", "")).lower(),
            "language": item.get("inLanguage", "") or "en",
        }
        if kinds & {"Event", "CourseInstance"}:
            location = item.get("location") or {}
            place = location if isinstance(location, dict) else {"name": str(location)}
            address = place.get("address") or {}
            mode = str(item.get("courseMode", "")).lower()
            return {
                **common,
                "kind": "event",
                "start": item.get("startDate", ""),
                "end": item.get("endDate", ""),
                "venue": place.get("name", ""),
                "city": address.get("addressLocality", "") if isinstance(address, dict) else "",
                "country": address.get("addressCountry", "") if isinstance(address, dict) else "",
                "mode": "online" if "online" in mode or place.get("@type") == "VirtualLocation" else "onsite",
            }
        if kinds & {"TrainingMaterial", "LearningResource", "Course"}:
            authors = item.get("author", [])
            authors = authors if isinstance(authors, list) else [authors]
            return {
                **common,
                "kind": "material",
                "licence": str(item.get("license", "")).rsplit("/", 1)[-1],
                "authors": [a.get("name", "") if isinstance(a, dict) else str(a) for a in authors],
                "format": item.get("learningResourceType", "") or ("course" if "Course" in kinds else ""),
            }
        return None


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _items(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, list):
        return [x for d in data for x in _items(d)]
    if isinstance(data, dict):
        return [data, *(_items(data["@graph"]) if "@graph" in data else [])]
    return []


INGESTORS = {Source.ICAL: IcalIngestor, Source.CSV: CsvIngestor, Source.BIOSCHEMAS: BioschemasIngestor}


# ------------------------------------------------------------------ the shared write path


def moment(value: Any, zone: str, name: str) -> dt.datetime:
    """A date and time from an ISO text, a date or a datetime (naive ones in ``zone``)."""
    if isinstance(value, dt.datetime):
        found = value
    elif isinstance(value, dt.date):
        found = dt.datetime.combine(value, dt.time(9, 0))
    else:
        text = str(value or "").strip()
        found = parse_datetime(text) if text else None  # type: ignore[assignment]
        if found is None and text:
            day = parse_date(text)
            found = dt.datetime.combine(day, dt.time(9, 0)) if day else None  # type: ignore[assignment]
        if found is None:
            raise ValueError(f"{name} '{text}' is not a date and time (use ISO 8601, e.g. 2026-05-04T09:00)")
    if timezone.is_naive(found):
        found = found.replace(tzinfo=ZoneInfo(zone))
    return found


def _competences(values: list[str]) -> list[Concept]:
    """The competences named by notation or by preferred label (any case)."""
    if not values:
        return []
    concepts = Concept.objects.filter(scheme__slug=COMPETENCES)
    by_key = {c.notation: c for c in concepts.filter(notation__in=values)}
    labels = [v for v in values if v not in by_key]
    if labels:
        wanted = Q()
        for label in labels:
            wanted |= Q(pref_label__iexact=label)
        by_key.update({c.pref_label.lower(): c for c in concepts.filter(wanted)})
    found = [by_key.get(v) or by_key.get(v.lower()) for v in values]
    return [c for c in found if c is not None]


def clean_record(record: dict[str, Any]) -> dict[str, Any]:
    """Validated field values for an event or a material; ValueError names the problem."""
    if record.get("error"):
        raise ValueError(record["error"])
    kind = record.get("kind", "event")
    if kind not in ("event", "material"):
        raise ValueError(f"kind must be 'event' or 'material', not '{kind}'")
    title = clean_text(str(record.get("title", "")))[:250]
    if not title:
        raise ValueError("the title is empty")
    values: dict[str, Any] = {"title": title, "description": str(record.get("description", "")).strip()}
    url = str(record.get("url", "")).strip()
    if url and not is_http_url(url):
        raise ValueError(f"url '{url[:80]}' is not an http(s) address")
    values["url"] = url[:500]
    language = str(record.get("language") or "en").strip().lower()[:3]
    level = str(record.get("level") or "").strip().lower()
    if level and level not in dict(LEVELS):
        raise ValueError(f"level '{level}' is not one of {', '.join(dict(LEVELS))}")
    values.update(language=language, level=level, keywords=list(record.get("keywords") or []))
    if kind == "event":
        zone = str(record.get("time_zone") or "Europe/Brussels")
        try:
            ZoneInfo(zone)
        except (KeyError, ValueError) as exc:
            raise ValueError(f"time_zone '{zone}' is unknown") from exc
        start = moment(record.get("start"), zone, "start")
        end = moment(record.get("end") or record.get("start"), zone, "end")
        if end < start:
            raise ValueError(f"the event ends ({end.isoformat()}) before it starts ({start.isoformat()})")
        mode = str(record.get("mode") or "online").lower()
        if mode not in dict(MODES):
            raise ValueError(f"mode '{mode}' is not one of {', '.join(dict(MODES))}")
        country = str(record.get("country") or "").strip().upper()
        if country and country not in COUNTRIES:
            raise ValueError(f"country '{country}' is not an ISO 3166 code")
        registration = str(record.get("registration_url") or "").strip()
        if registration and not is_http_url(registration):
            raise ValueError(f"registration_url '{registration[:80]}' is not an http(s) address")
        capacity = str(record.get("capacity") or "").strip()
        if capacity and not capacity.isdigit():
            raise ValueError(f"capacity '{capacity}' is not a whole number")
        values.update(
            start=start,
            end=end,
            time_zone=zone,
            mode=mode,
            country=country,
            venue=clean_text(str(record.get("venue", "")))[:250],
            city=clean_text(str(record.get("city", "")))[:120],
            audience=clean_text(str(record.get("audience", "")))[:250],
            capacity=int(capacity) if capacity else None,
            cost=str(record.get("cost", ""))[:100],
            registration_url=registration[:500],
            prerequisites=str(record.get("prerequisites", "")),
            learning_outcomes=list(record.get("learning_outcomes") or []),
        )
    else:
        licence = str(record.get("licence") or "").strip()
        if licence and licence not in SPDX:
            raise ValueError(f"licence '{licence}' is not an SPDX identifier we know (e.g. CC-BY-4.0, MIT)")
        status = str(record.get("status") or Material.ACTIVE)
        if status not in (Material.ACTIVE, Material.ARCHIVED):
            raise ValueError(f"status '{status}' is not active or archived")
        date_text = str(record.get("date") or "").strip()
        day = parse_date(date_text) if date_text else None
        if date_text and day is None:
            raise ValueError(f"date '{date_text}' is not a date (use YYYY-MM-DD)")
        values.update(
            doi=str(record.get("doi", ""))[:200],
            licence=licence,
            status=status,
            date=day,
            authors=list(record.get("authors") or []),
            format=str(record.get("format", ""))[:60],
        )
    values["_kind"] = kind
    values["_competences"] = _competences(list(record.get("competences") or []))
    return values


def owned_by(model: Any, centre: Centre) -> Any:
    """The events a centre organises, or the materials it publishes: what its curators and
    feeds may update. Another centre's record is never matched, whatever it shares."""
    return model.objects.filter(organisers=centre) if model is Event else model.objects.filter(centres=centre)


def find(model: Any, values: dict[str, Any], centre: Centre | None = None) -> Any:
    """The centre's own event or material that is the same as ``values``: same URL, or same
    title (and start). Without a centre, any record (a harvest looks for twins to report)."""
    owned = owned_by(model, centre) if centre is not None else model.objects.all()
    if values.get("url"):
        found = owned.filter(url=values["url"]).first()
        if found is not None:
            return found
    if model is Event:  # the index on start finds the few candidates
        return owned.filter(start=values["start"], title__iexact=values["title"]).first()
    return owned.alias(lowered=Lower("title")).filter(lowered=values["title"].lower()).first()


def _elsewhere(model: Any, values: dict[str, Any], centre: Centre) -> bool:
    """Whether another centre already lists the same URL (reported, never taken over)."""
    if not values.get("url"):
        return False
    others = model.objects.filter(url=values["url"]).exclude(pk__in=owned_by(model, centre).values("pk"))
    return bool(others.exists())


def write(
    records: list[dict[str, Any]], centre: Centre, source: Source | None = None, dry_run: bool = False
) -> Report:
    report = Report(dry_run=dry_run)
    cleaned = []
    for record in records:
        where = f"line {record.get('line', '?')}" + (
            f" of {record['origin']}" if record.get("origin") else ""
        )
        try:
            cleaned.append((where, clean_record(record)))
        except ValueError as exc:
            report.rejected.append(f"{where}: {exc}")
    if report.rejected:
        return report
    seen: set[tuple[str, str]] = set()
    with transaction.atomic():
        for where, values in cleaned:
            kind, competences = values.pop("_kind"), values.pop("_competences")
            key = (values.get("url") or values["title"].lower(), str(values.get("start", "")))
            if key in seen:
                report.unchanged.append(f"{where}: {values['title']} (repeated in the source)")
                continue
            seen.add(key)
            model = Event if kind == "event" else Material
            existing = find(model, values, centre)
            if existing is not None and existing.is_harvested:
                origin = existing.origin
                report.unchanged.append(f"{where}: {existing.title} (harvested from {origin}; left as it is)")
                continue
            if existing is None:
                item: Any = model(slug=unique_slug(model, values["title"], 80), source=source, **values)
                item.save()
                (item.organisers if model is Event else item.centres).add(centre)
                item.competences.set(competences)
                shared = " (another centre lists the same address; its record is left as it is)"
                note = shared if _elsewhere(model, values, centre) else ""
                report.added.append(f"{where}: {item.title}{note}")
                continue
            changes = {
                k: v
                for k, v in values.items()
                if k not in existing.locked_fields and getattr(existing, k) != v
            }
            if changes:
                for k, v in changes.items():
                    setattr(existing, k, v)
                existing.save()
                report.updated.append(f"{where}: {existing.title} ({', '.join(sorted(changes))})")
            else:
                report.unchanged.append(f"{where}: {existing.title}")
            if competences and "competences" not in existing.locked_fields:
                existing.competences.add(*competences)
        if dry_run:
            transaction.set_rollback(True)
    return report


def read(kind: str, content: bytes, origin: str, allow_private: bool = False) -> list[dict[str, Any]]:
    ingestor = INGESTORS[kind]()
    ingestor.allow_private = allow_private  # type: ignore[attr-defined,union-attr]
    return ingestor.read(content, origin)  # type: ignore[attr-defined,no-any-return]


def run_source(source: Source, dry_run: bool = False) -> Report:
    """Read a source and write what it holds; keep the report on the source."""
    try:
        records = read(source.kind, fetch(source.url, source.allow_private), source.url, source.allow_private)
    except IngestError as exc:
        report = Report(dry_run=dry_run, rejected=[str(exc)])
    else:
        report = write(records, source.centre, source, dry_run=dry_run)
    if not dry_run:
        Source.objects.filter(pk=source.pk).update(last_run_at=timezone.now(),
                                                   last_report=report.as_dict(limit=REPORT_LINES))
    return report
