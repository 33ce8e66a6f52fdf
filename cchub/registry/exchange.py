"""Export and import of the whole registry.

Two shapes:

* the full registry as JSON (``format: cchub-registry``): vocabularies, clusters,
  organisations, centres, contacts, services and offers with natural keys; ``import`` reads
  it back losslessly;
* the landscaping survey as CSV or XLSX, one row per centre, documented in
  ``docs/import-format.md``; ``export`` writes ``centres.csv`` in that shape too.

Imports are all-or-nothing: every record is applied inside one transaction through
``writes.apply`` and the transaction is rolled back if any record fails (or on a dry run).
Every problem is reported with its place (JSON path, or CSV line and column).
"""

from __future__ import annotations

import copy
import csv
import io
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from cchub import __version__
from cchub.lib.models import exportable
from cchub.lib.tables import bounded_rows
from cchub.lib.text import csv_cell, from_csv_cell
from cchub.records import watch
from cchub.records.writes import RecordInvalid, apply, delete
from cchub.registry.models import (
    Centre,
    Cluster,
    CompetenceOffer,
    ContactPoint,
    Organisation,
    Service,
)
from cchub.registry.problems import Problem, Report
from cchub.registry.survey import SURVEY_COLUMNS, import_rows
from cchub.vocab.loading import SchemeInvalid, export_scheme, upsert_scheme
from cchub.vocab.models import ConceptScheme

FORMAT = "cchub-registry"
FORMAT_VERSION = 1
SECTIONS = ("clusters", "organisations", "centres", "contacts", "services", "offers")


class ImportFailed(Exception):
    """Raised inside the import transaction to roll it back."""


# ----------------------------------------------------------------------------- export


def export_registry() -> dict[str, Any]:
    """The registry as ours: records harvested from other hubs are left out, unless the
    administrator lets their source be re-exported."""
    centres = Centre.objects.filter(exportable()).prefetch_related("clusters", "hosts").order_by("slug")
    services = Service.objects.filter(exportable()).prefetch_related(
        "centres", "categories", "domains", "access_types", "target_users"
    ).select_related("trl").order_by("slug")
    contacts = ContactPoint.objects.filter(centre__in=centres).select_related("centre").order_by(
        "centre__slug", "position", "name", "pk"
    )
    offers = CompetenceOffer.objects.filter(centre__in=centres).select_related(
        "centre", "competence", "evidence_service"
    ).order_by("centre__slug", "competence__notation", "level")
    exported = set(centres.values_list("slug", flat=True))
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "generator": f"cchub {__version__}",
        "exported_at": timezone.now().isoformat(timespec="seconds"),
        "vocabularies": [export_scheme(s) for s in ConceptScheme.objects.order_by("slug")],
        "clusters": [c.as_record() for c in Cluster.objects.order_by("position", "slug")],
        "organisations": [o.as_record() for o in Organisation.objects.order_by("slug")],
        "centres": [_centre_export(c) for c in centres],
        "contacts": [c.as_record() for c in contacts],
        "services": [_service_export(s, exported) for s in services],
        "offers": [o.as_record() for o in offers],
    }


def public_view(data: dict[str, Any]) -> dict[str, Any]:
    """An export (or a release's snapshot) as anyone may see it: approved centres only, with
    their contacts and offers, private addresses blanked and no decision notes. Releases are
    frozen in this form and read through it again (snapshots frozen before it existed)."""
    data = copy.deepcopy(data)
    data["centres"] = [c for c in data.get("centres", [])
                       if c.get("review_state", Centre.APPROVED) == Centre.APPROVED]
    public = {c["slug"] for c in data["centres"]}
    for section in ("contacts", "offers"):
        data[section] = [r for r in data.get(section, []) if r.get("centre") in public]
    for contact in data["contacts"]:
        if not contact.get("email_public"):
            contact["email"] = ""
    for centre in data["centres"]:
        centre.pop("decision_note", None)
    for service in data.get("services", []):
        service["centres"] = [slug for slug in service.get("centres", []) if slug in public]
    return data


def _service_export(service: Service, exported: set[str]) -> dict[str, Any]:
    record = service.as_record()
    record["centres"] = [slug for slug in record["centres"] if slug in exported]
    return record


def _centre_export(centre: Centre) -> dict[str, Any]:
    record = centre.as_record()
    record.pop("logo")
    return record


def survey_rows(public_emails_only: bool = True) -> Iterable[list[str]]:
    """Centres in the survey shape, one row each (header first)."""
    yield SURVEY_COLUMNS
    centres = Centre.objects.prefetch_related(
        "clusters", "hosts", "offers__competence", "services", "contacts"
    ).order_by("acronym")
    for c in centres:
        contacts = []
        for p in c.contacts.all():
            email = p.email if (p.email_public or not public_emails_only) else ""
            public = "public" if p.email_public else "private"
            contacts.append(" | ".join([p.name, p.role, email, p.orcid, public]).rstrip(" |"))
        yield [
            c.acronym, c.name, c.kind, c.status,
            "; ".join(sorted(x.slug for x in c.clusters.all())),
            "; ".join(c.countries), "; ".join(c.languages),
            "; ".join(sorted(o.slug for o in c.hosts.all())),
            c.website, c.helpdesk_email, c.mou_date.isoformat() if c.mou_date else "",
            c.description,
            "; ".join(sorted(f"{o.competence.notation}:{o.level}" for o in c.offers.all())),
            "; ".join(sorted(s.slug for s in c.services.all())),
            "; ".join(contacts),
        ]


def write_export(directory: Path) -> list[Path]:
    """Write registry.json and one CSV per type into ``directory``; return the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    data = export_registry()
    written = [directory / "registry.json"]
    written[0].write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    for section in SECTIONS:
        rows = data[section]
        if section == "centres":
            continue
        path = directory / f"{section}.csv"
        _write_csv(path, rows)
        written.append(path)
    path = directory / "centres.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        rows = survey_rows(public_emails_only=False)
        csv.writer(fh).writerows([csv_cell(v) for v in row] for row in rows)
    written.append(path)
    concepts = [
        {"scheme": v["slug"], **c} for v in data["vocabularies"] for c in v["concepts"]
    ]
    path = directory / "concepts.csv"
    _write_csv(path, concepts)
    written.append(path)
    return written


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: csv_cell(_cell(v)) for k, v in row.items()})


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


# ----------------------------------------------------------------------------- import


def _upsert(
    model: type[models.Model], lookup: dict[str, Any], data: dict[str, Any], user: Any,
    report: Report, kind: str, note: str,
) -> models.Model:
    obj = model._default_manager.filter(**lookup).first() if all(lookup.values()) else None
    created = obj is None
    if obj is None:
        obj = model()
    apply(obj, data, user, note=note)
    report.count(kind, created)
    return obj


def _run(report: Report, body: Callable[[], None]) -> Report:
    """Run ``body`` in a transaction; roll back when there are problems or on a dry run."""

    try:
        with transaction.atomic(), watch.batch():
            body()
            if report.problems or report.dry_run:
                raise ImportFailed
    except ImportFailed:
        pass
    return report


def import_registry_json(data: Any, user: Any = None, *, dry_run: bool = False,
                         note: str = "import", progress: Any = None) -> Report:
    report = Report(dry_run=dry_run, progress=progress)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        report.problems.append(Problem("$", "format", f"not a {FORMAT} export (missing 'format')"))
        return report
    if data.get("format_version") != FORMAT_VERSION:
        report.problems.append(
            Problem("$", "format_version", f"version {data.get('format_version')!r} is not supported")
        )
        return report

    def body() -> None:
        for i, scheme in enumerate(data.get("vocabularies") or []):
            try:
                with transaction.atomic():
                    _, made, changed = upsert_scheme(scheme, overwrite=True)
                report.created["concepts"] = report.created.get("concepts", 0) + made
                report.updated["concepts"] = report.updated.get("concepts", 0) + changed
            except SchemeInvalid as exc:
                for message in exc.errors:
                    report.problems.append(Problem(f"vocabularies[{i}]", "", message))
        for section in SECTIONS:
            rows = data.get(section) or []
            if not isinstance(rows, list):
                report.problems.append(Problem(section, "", "must be a list"))
                continue
            if section in {"contacts", "offers"}:
                _replace_children(section, rows, data, user, report, note)
                continue
            for i, row in enumerate(rows):
                _apply_row(section, i, row, user, report, note)
                report.step(section, i + 1, len(rows))

    return _run(report, body)


MODELS: dict[str, type[models.Model]] = {
    "clusters": Cluster, "organisations": Organisation, "centres": Centre,
    "services": Service,
}


def _apply_row(section: str, i: int, row: Any, user: Any, report: Report, note: str) -> None:
    where = f"{section}[{i}]"
    if not isinstance(row, dict):
        report.problems.append(Problem(where, "", "must be an object"))
        return
    row = dict(row)
    row.pop("logo", None)
    try:
        with transaction.atomic():
            _upsert(MODELS[section], {"slug": row.get("slug")}, row, user, report, section, note)
    except RecordInvalid as exc:
        for name, messages in exc.errors.items():
            report.problems.append(Problem(where, name, " ".join(messages)))


def _replace_children(section: str, rows: list[Any], data: dict[str, Any], user: Any,
                      report: Report, note: str) -> None:
    """Contacts and offers of the centres in the file become exactly what the file says."""
    model: type[models.Model] = ContactPoint if section == "contacts" else CompetenceOffer
    slugs = {c.get("slug") for c in data.get("centres") or [] if isinstance(c, dict)}
    slugs |= {r.get("centre") for r in rows if isinstance(r, dict)}
    keep: set[int] = set()
    for i, row in enumerate(rows):
        where = f"{section}[{i}]"
        report.step(section, i + 1, len(rows))
        if not isinstance(row, dict):
            report.problems.append(Problem(where, "", "must be an object"))
            continue
        if section == "contacts":
            lookup = {"centre__slug": row.get("centre"), "name": row.get("name")}
        else:
            lookup = {"centre__slug": row.get("centre"),
                      "competence__notation": row.get("competence"), "level": row.get("level")}
        try:
            with transaction.atomic():
                obj = _upsert(model, lookup, dict(row), user, report, section, note)
            keep.add(obj.pk)
        except RecordInvalid as exc:
            for name, messages in exc.errors.items():
                report.problems.append(Problem(where, name, " ".join(messages)))
    stale = model._default_manager.filter(centre__slug__in=[s for s in slugs if s]).exclude(pk__in=keep)
    for obj in stale:
        delete(obj, user, note)


# ------------------------------------------------------------------------- the survey


MAX_TABLE_ROWS = 100_000  # centres a survey table may hold
MAX_COLUMNS = 200


def read_table(name: str, content: bytes) -> list[list[str]]:
    """Rows of a CSV or XLSX file as lists of strings (the header first)."""
    if name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise ValueError(f"not a readable XLSX workbook ({exc.__class__.__name__})") from exc
        sheet = book.worksheets[0]
        rows = bounded_rows(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1), name,
                            max_rows=MAX_TABLE_ROWS, max_columns=MAX_COLUMNS)
        return [[_xlsx_cell(v) for v in row] for row in rows]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text (byte {exc.start})") from exc
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    reader = csv.reader(io.StringIO(text), dialect, strict=True)
    try:
        rows = bounded_rows(reader, name, max_rows=MAX_TABLE_ROWS, max_columns=MAX_COLUMNS)
    except csv.Error as exc:
        raise ValueError(f"line {reader.line_num}: not valid CSV ({exc})") from exc
    return [[from_csv_cell(str(cell)) for cell in row] for row in rows]


def _xlsx_cell(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return str(value.isoformat())[:10]
    return str(value)


def import_survey(name: str, content: bytes, user: Any = None, *, dry_run: bool = False,
                  note: str = "survey import", progress: Any = None) -> Report:

    report = Report(dry_run=dry_run, progress=progress)
    try:
        rows = read_table(name, content)
    except ValueError as exc:
        report.problems.append(Problem(name, "", str(exc)))
        return report
    return _run(report, lambda: import_rows(rows, user, report, note))


def import_file(path: Path, user: Any = None, *, dry_run: bool = False, progress: Any = None) -> Report:
    content = path.read_bytes()
    return import_bytes(path.name, content, user, dry_run=dry_run, progress=progress)


def import_bytes(name: str, content: bytes, user: Any = None, *, dry_run: bool = False,
                 progress: Any = None) -> Report:
    lower = name.lower()
    if lower.endswith(".json"):
        try:
            data = json.loads(content.decode("utf-8-sig"))
        except json.JSONDecodeError as exc:
            report = Report(dry_run=dry_run)
            where = f"{name}, line {exc.lineno} column {exc.colno}"
            report.problems.append(Problem(where, "", f"not valid JSON: {exc.msg}"))
            return report
        except UnicodeDecodeError as exc:
            report = Report(dry_run=dry_run)
            report.problems.append(Problem(name, "", f"not valid JSON: not UTF-8 text (byte {exc.start})"))
            return report
        return import_registry_json(data, user, dry_run=dry_run, note=f"import of {name}",
                                    progress=progress)
    if lower.endswith((".csv", ".xlsx", ".tsv", ".txt")):
        return import_survey(name, content, user, dry_run=dry_run, note=f"import of {name}",
                             progress=progress)
    report = Report(dry_run=dry_run)
    report.problems.append(Problem(name, "", "unsupported file type; use .json, .csv or .xlsx"))
    return report
