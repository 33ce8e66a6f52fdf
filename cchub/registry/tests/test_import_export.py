from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from cchub.cli import main as cli
from cchub.registry.exchange import export_registry, import_bytes, import_registry_json, write_export
from cchub.registry.models import (
    Centre,
    Cluster,
    CompetenceOffer,
    ContactPoint,
    Organisation,
    Service,
)
from cchub.vocab.models import Concept, ConceptScheme

pytestmark = [pytest.mark.django_db, pytest.mark.demo]

HEADER = ["acronym", "name", "kind", "status", "clusters", "countries", "languages", "hosts",
          "website", "helpdesk_email", "mou_date", "description", "competences", "services", "contacts"]


def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


GOOD = [
    HEADER,
    ["NL-OSC", "Dutch Open Science Centre", "national", "member", "ESCAPE; sshoc", "NL", "nl; en",
     "Universiteit Leiden (NL)", "https://osc.example.nl", "help@osc.example.nl", "2025-03-01",
     "Helps with **DMPs**.", "dmp:expert; Virtual Observatory:training; GDPR:hands-on",
     "NL DMP review | https://dmp.example.nl | consultancy; reana",
     "Helpdesk | Contact point | help@osc.example.nl | | public; "
     "J. Doe | Data steward | jd@example.nl | 0000-0002-1825-0097 | private"],
    ["", "", "", "", "", "", "", "", "", "", "", "", "", "", ""],
    ["PT-CC", "Portuguese centre", "institutional", "", "", "PT", "pt", "", "", "", "", "",
     "fair-principles:referral", "", ""],
]


def test_survey_import_writes_everything() -> None:
    report = import_bytes("survey.csv", csv_bytes(GOOD))
    assert report.ok, report.problems
    assert report.written
    nl = Centre.objects.get(acronym="NL-OSC")
    assert sorted(c.slug for c in nl.clusters.all()) == ["escape", "sshoc"]
    assert nl.languages == ["nl", "en"] and nl.mou_date.isoformat() == "2025-03-01"
    assert nl.hosts.get().country == "NL"
    assert {(o.competence.notation, o.level) for o in nl.offers.all()} == {
        ("dmp", "expert"), ("ivoa-vo", "training"), ("gdpr", "hands-on")}
    assert set(nl.services.values_list("slug", flat=True)) == {"nl-dmp-review", "reana"}
    assert Service.objects.get(slug="nl-dmp-review").categories.get().notation == "consultancy"
    contacts = {c.name: c for c in nl.contacts.all()}
    assert contacts["Helpdesk"].email_public and not contacts["J. Doe"].email_public
    assert Centre.objects.get(acronym="PT-CC").status == "candidate"
    assert report.created["centres"] == 2


def test_dry_run_reports_and_writes_nothing() -> None:
    report = import_bytes("survey.csv", csv_bytes(GOOD), dry_run=True)
    assert report.ok and not report.written
    assert not Centre.objects.filter(acronym="NL-OSC").exists()
    assert not Organisation.objects.filter(name="Universiteit Leiden").exists()


def test_every_problem_is_reported_with_line_and_column() -> None:
    rows = [list(r) for r in GOOD]
    rows[1][2] = "galactic"          # kind, line 2 column C
    rows[3][5] = "XX"                # countries, line 4 column F
    rows.append(["KIT", "dup", "national"] + [""] * 12)  # fine: updates KIT
    rows.append(["PT-CC", "again", "national"] + [""] * 12)  # duplicate in file
    rows.append(["BAD", "Bad", "national", "", "", "", "", "", "", "", "2025-13-45", "", "dmp:guru", "", ""])
    report = import_bytes("survey.csv", csv_bytes(rows), dry_run=False)
    assert not report.ok and not report.written
    found = {(p.where, p.field) for p in report.problems}
    assert ("line 2, column C", "kind") in found
    assert ("line 4, column F", "countries") in found
    assert ("line 6, column A", "acronym") in found
    assert ("line 7, column K", "mou_date") in found
    assert not Centre.objects.filter(acronym__in=["NL-OSC", "PT-CC", "BAD"]).exists()
    assert Centre.objects.get(acronym="KIT").name != "dup"


def test_header_problems_stop_early() -> None:
    report = import_bytes("s.csv", csv_bytes([["acronym", "nom", "kind"], ["A", "B", "national"]]))
    assert [(p.where, p.field) for p in report.problems] == [("line 1, column B", "nom"), ("line 1", "name")]


@pytest.mark.parametrize("name,content,message", [
    ("s.csv", b"", "empty"),
    ("s.csv", b"\xff\xfe\x00bad", "UTF-8"),
    ("s.xlsx", b"not a zip", "XLSX"),
    ("s.json", b"{oops", "JSON"),
    ("s.pdf", b"%PDF", "unsupported"),
    ("s.json", b'{"format": "other"}', "cchub-registry"),
])
def test_broken_files_get_a_clear_report(name: str, content: bytes, message: str) -> None:
    report = import_bytes(name, content)
    assert not report.ok
    assert message in str(report.problems[0])


def test_xlsx_survey(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    for row in GOOD:
        sheet.append(row)
    path = tmp_path / "survey.xlsx"
    book.save(path)
    report = import_bytes("survey.xlsx", path.read_bytes())
    assert report.ok, report.problems
    assert Centre.objects.get(acronym="NL-OSC").mou_date.isoformat() == "2025-03-01"


def wipe_registry() -> None:
    for model in (CompetenceOffer, ContactPoint, Service, Centre, Organisation, Cluster):
        model.objects.all().delete()
    Concept.objects.update(broader=None)
    ConceptScheme.objects.all().delete()


def _without_time(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "exported_at"}


def test_json_round_trip_is_lossless() -> None:
    import_bytes("survey.csv", csv_bytes(GOOD))
    first = export_registry()
    wipe_registry()
    assert Centre.objects.count() == 0 and Concept.objects.count() == 0
    report = import_registry_json(json.loads(json.dumps(first)))
    assert report.ok, report.problems[:5]
    second = export_registry()
    assert _without_time(second) == _without_time(first)


def test_json_import_replaces_children_of_listed_centres() -> None:
    def elsewhere() -> tuple[set[int], set[int]]:
        return (set(CompetenceOffer.objects.exclude(centre__slug="kit").values_list("pk", flat=True)),
                set(ContactPoint.objects.exclude(centre__slug="kit").values_list("pk", flat=True)))

    before = elsewhere()
    data = export_registry()
    data["offers"] = [o for o in data["offers"] if not (o["centre"] == "kit" and o["competence"] == "hpc")]
    data["contacts"] = [c for c in data["contacts"] if c["centre"] != "kit"]
    report = import_registry_json(data)
    assert report.ok
    assert not CompetenceOffer.objects.filter(centre__slug="kit", competence__notation="hpc").exists()
    assert not ContactPoint.objects.filter(centre__slug="kit").exists()
    assert elsewhere() == before  # the other centres' offers and contacts: the very same rows


def test_json_import_reports_paths() -> None:
    data = export_registry()
    data["centres"][0]["kind"] = "nope"
    data["services"][1]["centres"] = ["ghost"]
    report = import_registry_json(data)
    assert not report.ok
    where = {(p.where, p.field) for p in report.problems}
    assert ("centres[0]", "kind") in where and ("services[1]", "centres") in where


def test_export_writes_json_and_csv_per_type(tmp_path: Path) -> None:
    paths = {p.name for p in write_export(tmp_path)}
    assert {"registry.json", "centres.csv", "services.csv", "offers.csv", "contacts.csv",
            "organisations.csv", "clusters.csv", "concepts.csv"} <= paths
    rows = list(csv.DictReader((tmp_path / "centres.csv").open()))
    assert len(rows) == Centre.objects.count()
    # The survey-shaped centres.csv reads back without a problem and changes nothing.
    before = export_registry()
    report = import_bytes("centres.csv", (tmp_path / "centres.csv").read_bytes())
    assert report.ok, report.problems[:5]
    assert _without_time(export_registry()) == _without_time(before)


def test_cli_import_and_export(tmp_path: Path, capsys: Any) -> None:
    survey = tmp_path / "survey.csv"
    survey.write_bytes(csv_bytes(GOOD))
    assert cli(["import", str(survey), "--dry-run"]) == 0
    assert "dry run" in capsys.readouterr().out
    assert not Centre.objects.filter(acronym="NL-OSC").exists()
    assert cli(["import", str(survey)]) == 0
    assert Centre.objects.filter(acronym="NL-OSC").exists()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([HEADER[:3], ["X", "Y", "weird"]]))
    assert cli(["import", str(bad)]) == 1
    assert "line 2, column C" in capsys.readouterr().out
    assert cli(["export", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "registry.json").exists()
