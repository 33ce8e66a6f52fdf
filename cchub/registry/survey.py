"""The landscaping survey: one row per centre (see docs/import-format.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q

from cchub.lib.text import split_list
from cchub.records.writes import RecordInvalid, apply, delete
from cchub.registry.models import (
    COMPETENCES,
    SERVICE_CATEGORIES,
    Centre,
    Cluster,
    CompetenceOffer,
    ContactPoint,
    Organisation,
    Service,
)
from cchub.registry.problems import Problem, Report, column_letter
from cchub.vocab.models import Concept

REQUIRED = ("acronym", "name", "kind")
LEVELS = {key for key, _ in CompetenceOffer.LEVELS}

SURVEY_COLUMNS = [
    "acronym", "name", "kind", "status", "clusters", "countries", "languages", "hosts",
    "website", "helpdesk_email", "mou_date", "description", "competences", "services",
    "contacts",
]



class RowError(Exception):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column, self.message = column, message


def find_concept(scheme: str, text: str) -> Concept | None:
    text = text.strip()
    qs = Concept.objects.filter(scheme__slug=scheme)
    found = qs.filter(Q(notation__iexact=text) | Q(pref_label__iexact=text)).first()
    if found:
        return found
    lowered = text.lower()
    for concept in qs.only("pk", "alt_labels", "notation", "scheme_id"):
        if any(lowered == alt.lower() for alt in concept.alt_labels):
            return concept
    return None


def find_cluster(text: str) -> Cluster | None:
    return Cluster.objects.filter(Q(slug__iexact=text) | Q(acronym__iexact=text)).first()


def find_organisation(text: str) -> Organisation | None:
    return Organisation.objects.filter(
        Q(slug__iexact=text) | Q(acronym__iexact=text) | Q(name__iexact=text)
    ).first()


def import_rows(rows: list[list[str]], user: Any, report: Report, note: str) -> None:
    if not rows:
        report.problems.append(Problem("line 1", "", "the file is empty"))
        return
    header = [h.strip().lower().replace(" ", "_") for h in rows[0]]
    columns: dict[str, int] = {}
    for i, name in enumerate(header):
        if not name:
            continue
        if name not in SURVEY_COLUMNS:
            report.problems.append(Problem(
                f"line 1, column {column_letter(i)}", name,
                f"unknown column; expected some of: {', '.join(SURVEY_COLUMNS)}",
            ))
        elif name in columns:
            report.problems.append(Problem(f"line 1, column {column_letter(i)}", name, "repeated column"))
        else:
            columns[name] = i
    for name in REQUIRED:
        if name not in columns:
            report.problems.append(Problem("line 1", name, "required column is missing"))
    if report.problems:
        return
    seen: dict[str, int] = {}
    for line_no, raw in enumerate(rows[1:], start=2):
        report.step("rows", line_no - 1, len(rows) - 1)
        if not any(cell.strip() for cell in raw):
            continue
        row = {name: (raw[i].strip() if i < len(raw) else "") for name, i in columns.items()}

        def where(column: str, line_no: int = line_no) -> str:
            if column in columns:
                return f"line {line_no}, column {column_letter(columns[column])}"
            return f"line {line_no}"

        key = row["acronym"].lower()
        if key and key in seen:
            report.problems.append(Problem(where("acronym"), "acronym",
                                           f"centre already given on line {seen[key]}"))
            continue
        seen[key] = line_no
        try:
            with transaction.atomic():
                _import_row(row, user, report, note)
        except RowError as exc:
            report.problems.append(Problem(where(exc.column), exc.column, exc.message))
        except RecordInvalid as exc:
            for field, messages in exc.errors.items():
                column = field if field in columns else "acronym"
                report.problems.append(Problem(where(column), column, " ".join(messages)))


def _import_row(row: dict[str, str], user: Any, report: Report, note: str) -> None:
    centre = Centre.objects.filter(acronym__iexact=row["acronym"]).first() if row["acronym"] else None
    created = centre is None
    data: dict[str, Any] = {
        "acronym": row["acronym"], "name": row["name"], "kind": row["kind"].lower(),
    }
    for name in ("website", "helpdesk_email", "description"):
        if name in row:
            data[name] = row[name]
    if "status" in row:
        data["status"] = row["status"].lower() or (centre.status if centre else "candidate")
    if "countries" in row:
        data["countries"] = [c.upper() for c in split_list(row["countries"])]
    if "languages" in row:
        data["languages"] = [c.lower() for c in split_list(row["languages"])]
    if "mou_date" in row:
        data["mou_date"] = _date(row["mou_date"])
    if "clusters" in row:
        slugs = []
        for item in split_list(row["clusters"]):
            cluster = find_cluster(item)
            if cluster is None:
                raise RowError("clusters", f"unknown cluster {item!r}")
            slugs.append(cluster.slug)
        data["clusters"] = slugs
    if "hosts" in row:
        data["hosts"] = [_host(item, user, note).slug for item in split_list(row["hosts"])]
    if centre is None:
        centre = Centre()
    apply(centre, data, user, partial=True, note=note)
    report.count("centres", created)
    if "competences" in row:
        _offers(centre, row["competences"], user, report, note)
    if "services" in row:
        _services(centre, row["services"], user, report, note)
    if "contacts" in row:
        _contacts(centre, row["contacts"], user, report, note)


def _date(text: str) -> str | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10]).isoformat()
    except ValueError as exc:
        raise RowError("mou_date", f"{text!r} is not a date in YYYY-MM-DD form") from exc


def _host(item: str, user: Any, note: str) -> Organisation:
    org = find_organisation(item)
    if org is not None:
        return org
    name, country = item, ""
    if item.endswith(")") and "(" in item:
        name, _, rest = item.rpartition("(")
        name, country = name.strip(), rest[:-1].strip().upper()
        org = find_organisation(name)
        if org is not None:
            return org
    try:
        return apply(Organisation(), {"name": name, "country": country}, user, note=note)
    except RecordInvalid as exc:
        raise RowError("hosts", f"cannot add host {item!r}: {exc}") from exc


def _offers(centre: Centre, cell: str, user: Any, report: Report, note: str) -> None:
    wanted: list[tuple[Concept, str]] = []
    for item in split_list(cell):
        text, sep, level = item.rpartition(":")
        if not sep:
            raise RowError("competences", f"{item!r}: write competence:level, e.g. dmp:expert")
        level = level.strip().lower()
        if level not in LEVELS:
            raise RowError("competences", f"{item!r}: level must be one of {', '.join(sorted(LEVELS))}")
        concept = find_concept(COMPETENCES, text)
        if concept is None:
            raise RowError("competences", f"{item!r}: unknown competence {text.strip()!r}")
        wanted.append((concept, level))
    keep = set()
    for concept, level in wanted:
        offer = CompetenceOffer.objects.filter(centre=centre, competence=concept, level=level).first()
        if offer is None:
            offer = apply(CompetenceOffer(), {"centre": centre.slug, "competence": concept.notation,
                                              "level": level}, user, note=note)
            report.count("offers", True)
        keep.add(offer.pk)
    for stale in centre.offers.exclude(pk__in=keep):
        delete(stale, user, note)


def _services(centre: Centre, cell: str, user: Any, report: Report, note: str) -> None:
    for item in split_list(cell):
        parts = [p.strip() for p in item.split("|")]
        name = parts[0]
        service = Service.objects.filter(Q(slug__iexact=name) | Q(name__iexact=name)).first()
        if service is None:
            data: dict[str, Any] = {"name": name, "centres": [centre.slug]}
            if len(parts) > 1 and parts[1]:
                data["url"] = parts[1]
            if len(parts) > 2 and parts[2]:
                category = find_concept(SERVICE_CATEGORIES, parts[2])
                if category is None:
                    raise RowError("services", f"{item!r}: unknown service category {parts[2]!r}")
                data["categories"] = [category.notation]
            try:
                apply(Service(), data, user, partial=True, note=note)
            except RecordInvalid as exc:
                raise RowError("services", f"{item!r}: {exc}") from exc
            report.count("services", True)
        elif not service.centres.filter(pk=centre.pk).exists():
            links = sorted({*service.as_record()["centres"], centre.slug})
            apply(service, {"centres": links}, user, partial=True, note=note)
            report.count("services", False)


def _contacts(centre: Centre, cell: str, user: Any, report: Report, note: str) -> None:
    keep = set()
    for position, item in enumerate(split_list(cell)):
        parts = [p.strip() for p in item.split("|")] + [""] * 5
        name, role, email, orcid, visibility = parts[:5]
        if visibility and visibility.lower() not in {"public", "private"}:
            raise RowError("contacts", f"{item!r}: the fifth part must be 'public' or 'private'")
        contact = ContactPoint.objects.filter(centre=centre, name=name).first()
        created = contact is None
        data = {"centre": centre.slug, "name": name, "role": role, "email": email,
                "orcid": orcid, "email_public": visibility.lower() == "public",
                "position": position}
        try:
            contact = apply(contact or ContactPoint(), data, user, note=note)
        except RecordInvalid as exc:
            raise RowError("contacts", f"{item!r}: {exc}") from exc
        report.count("contacts", created)
        keep.add(contact.pk)
    for stale in centre.contacts.exclude(pk__in=keep):
        delete(stale, user, note)
