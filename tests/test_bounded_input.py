"""Uploads and imports have bounds: rows, columns, cells, archive members and unpacked
size; what a job stores of its report stays small."""

from __future__ import annotations

import io
import tarfile
import time
import zipfile
from typing import Any

import pytest
from openpyxl import Workbook

from cchub.onboarding.checks import MAX_MEMBERS, MAX_UNPACKED, codemeta_from_archive
from cchub.registry.exchange import MAX_TABLE_ROWS, import_bytes
from cchub.training import ingest
from cchub.training.ingest import MAX_ROWS, IngestError, Report

pytestmark = pytest.mark.django_db


def xlsx(rows: int, columns: int = 2) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["title", "description", *[f"c{n}" for n in range(columns - 2)]])
    for n in range(rows):
        sheet.append([f"Course {n}", "d", *["x"] * (columns - 2)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_row_bomb_is_refused_without_reading_it_all() -> None:
    content = xlsx(MAX_ROWS + 5)
    started = time.monotonic()
    with pytest.raises(IngestError) as refused:
        ingest.read("csv", content, "bomb.xlsx")
    assert f"more than {MAX_ROWS:,} rows" in str(refused.value)
    assert time.monotonic() - started < 30
    assert len(ingest.read("csv", xlsx(20), "fine.xlsx")) == 20


@pytest.mark.parametrize("content,expected", [
    (b"title,description\n" + b"a," + b"x" * 100_001 + b"\n", "longer than 100,000 characters"),
    (b"title," + b",".join(b"c%d" % n for n in range(150)) + b"\nx\n", "more than 100 columns"),
    (b'title,description\n"unterminated,\n', "not valid CSV"),
])
def test_odd_csv_is_refused_with_its_line(content: bytes, expected: str) -> None:
    with pytest.raises(IngestError) as refused:
        ingest.read("csv", content, "feed.csv")  # an unterminated quote never becomes a record
    assert expected in str(refused.value) and "line" in str(refused.value)


def test_registry_tables_are_bounded(admin_user: Any) -> None:
    header = b"acronym,name,kind\n"
    body = b"".join(b"C%d,Centre %d,national\n" % (n, n) for n in range(MAX_TABLE_ROWS + 2))
    report = import_bytes("survey.csv", header + body, admin_user, dry_run=True)
    assert not report.ok and any(f"more than {MAX_TABLE_ROWS:,} rows" in str(p) for p in report.problems)


def test_archives_with_too_many_members_or_a_huge_one_are_refused_early() -> None:
    many = io.BytesIO()
    with tarfile.open(fileobj=many, mode="w:gz") as tar:
        for n in range(MAX_MEMBERS + 1):
            info = tarfile.TarInfo(f"repo/f{n}")
            tar.addfile(info, io.BytesIO(b""))
    found, why, _ = codemeta_from_archive("many.tar.gz", many.getvalue())
    assert found is None and f"more than {MAX_MEMBERS:,} files" in why
    # A header declaring more than the limit is refused before any of it is unpacked.
    huge = tarfile.TarInfo("repo/zeros.bin")
    huge.size = MAX_UNPACKED + 1
    started = time.monotonic()
    found, why, _ = codemeta_from_archive("bomb.tar", huge.tobuf() + b"\0" * 1024)
    assert found is None and "unpacks to more than" in why and time.monotonic() - started < 1
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        for n in range(MAX_MEMBERS + 1):
            archive.writestr(f"repo/f{n}", b"")
    found, why, _ = codemeta_from_archive("many.zip", zipped.getvalue())
    assert found is None and "more than" in why


def test_stored_reports_stay_small() -> None:
    report = Report(added=[f"line {n}: course" for n in range(1000)], rejected=["line 3: bad"])
    small = report.as_dict(limit=200)
    assert len(small["added"]) == 201 and small["added"][-1] == "… and 800 more"
    assert small["counts"] == {"added": 1000, "updated": 0, "unchanged": 0, "rejected": 1}
    assert report.as_dict()["added"] == report.added
