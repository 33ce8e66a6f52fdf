"""Metadata checks: CodeMeta 2.0 and 3.0 against the OSSR profile, value types, the
conversion to Zenodo metadata through eossr (offline), archives, and the FAIR metrics."""

from __future__ import annotations

import io
import json
import socket
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

from cchub.onboarding import checks, fair, licences, ossr
from cchub.onboarding.landing import parse

DATA = Path(__file__).parent / "data" / "codemeta"


def load(name: str) -> dict[str, Any]:
    return json.loads((DATA / name).read_text())


def lines(report: checks.Report, level: str) -> list[str]:
    return [p.line() for p in report.problems if p.level == level]


@pytest.fixture(autouse=True)
def no_network(monkeypatch: Any) -> None:
    """Every check works offline: any attempt to open a connection fails the test."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"a check tried to reach the network: {args[:1]}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_valid_codemeta_2_passes_and_converts_to_zenodo() -> None:
    report = checks.check_codemeta(load("ossr-v2-valid.json"))
    assert report.passed, report.text()
    assert report.codemeta_version == "2.0"
    zenodo = report.zenodo
    assert zenodo is not None
    assert zenodo["upload_type"] == "software"
    assert zenodo["title"] == "gammapy-lite"
    assert zenodo["license"] == "bsd-3-clause"
    assert zenodo["publication_date"] == "2026-05-12"
    assert zenodo["creators"][0] == {
        "name": "Josiah Carberry",
        "affiliation": "Observatoire de Paris",
        "orcid": "https://orcid.org/0000-0002-1825-0097",
    }
    assert {
        "name": "Josiah Carberry",
        "orcid": "https://orcid.org/0000-0002-1825-0097",
        "type": "ContactPerson",
    } in zenodo["contributors"]
    assert zenodo["grants"] == [{"id": "101129751"}]
    # the only remark: the second author has no ORCID
    assert lines(report, checks.WARNING) == [
        'author[1] (Ada Ricci): no ORCID; add "identifier": "https://orcid.org/…"'
    ]


def test_valid_codemeta_3_passes_where_eossr_alone_would_fail() -> None:
    """CodeMeta 3.0 with a bare SPDX id, a Grant object and comma-separated keywords:
    eossr 2.3 refuses the first two; the hub normalises them before converting."""
    document = load("ossr-v3-valid.json")
    report = checks.check_codemeta(document)
    assert report.passed, report.text()
    assert report.codemeta_version == "3.0"
    assert report.zenodo and report.zenodo["license"] == "apache-2.0"
    assert report.zenodo["keywords"] == ["gravitational waves", "workflow", "containers"]
    assert report.zenodo["grants"] == [{"id": "101129751"}]
    zenodo, _, error = ossr.to_zenodo(document)
    assert zenodo is None and "license" in error  # eossr on its own


def test_broken_codemeta_gives_one_actionable_line_per_problem() -> None:
    report = checks.check_codemeta(load("ossr-broken.json"))
    assert not report.passed
    errors = lines(report, checks.ERROR)
    assert "license: 'GPL' is not an SPDX id; did you mean GPL-3.0-only?" in errors
    assert "datePublished: '12/05/2026' is not an ISO 8601 date (YYYY-MM-DD)" in errors
    assert "codeRepository: 'gitlab.example.org/ctools' is not an http(s) address" in errors
    assert any(e.startswith("author[0]: 'Jane Doe' is a plain name") for e in errors)
    assert "author[1]: a Person needs givenName and familyName (only name 'John Smith' is given)" in errors
    assert (
        "author[1] (John Smith): 'https://orcid.org/0000-0002-1825-0098' is not a valid ORCID "
        "(its check digit is wrong)"
    ) in errors
    assert any(e.startswith("maintainer: required by the OSSR profile but missing") for e in errors)
    assert any(e.startswith("readme: required by the OSSR profile but missing") for e in errors)
    assert len(errors) == 8
    warnings = lines(report, checks.WARNING)
    assert "programingLanguage: not a CodeMeta 2.0 property; it is not deposited" in warnings
    assert (
        "softwareVersion: '1.2' is not a semantic version (MAJOR.MINOR.PATCH, semver.org); "
        "did you mean 1.2.0?"
    ) in warnings
    assert report.zenodo is None  # nothing converted from a failing file


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"@type": "SoftwareSourceCode", "name": "x"}, "@context: missing"),
        ({"@context": "https://example.org/ctx", "@type": "SoftwareSourceCode"}, "names no CodeMeta version"),
        ({"@context": "https://doi.org/10.5063/schema/codemeta-1.0"}, "CodeMeta 1.0 is not accepted"),
    ],
)
def test_context_problems(document: dict[str, Any], expected: str) -> None:
    report = checks.check_codemeta(document)
    assert not report.passed
    assert expected in report.text()


def test_not_json_and_not_an_object() -> None:
    report, document = checks.check_upload("codemeta.json", (DATA / "not-json.json").read_bytes())
    assert document is None
    assert lines(report, checks.ERROR) == [
        "not valid JSON: Expecting property name enclosed in double quotes at line 2, column 1"
    ]
    report, document = checks.check_upload("codemeta.json", b"[1, 2]")
    assert document is None and "one JSON object" in report.text()


def test_codemeta_read_from_zip_and_tar_archives() -> None:
    raw = (DATA / "ossr-v2-valid.json").read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("gammapy-lite-1.4.2/README.md", "# gammapy-lite")
        archive.writestr("gammapy-lite-1.4.2/docs/codemeta.json", b"{}")
        archive.writestr("gammapy-lite-1.4.2/codemeta.json", raw)
    report, document = checks.check_upload("gammapy-lite.zip", buffer.getvalue())
    assert report.passed and document is not None and document["name"] == "gammapy-lite"
    assert "read gammapy-lite-1.4.2/codemeta.json from the archive" in report.text()

    broken = json.loads((DATA / "ossr-broken.json").read_text())
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, content in (
            ("ctools/README.rst", b"ctools"),
            ("ctools/codemeta.json", json.dumps(broken).encode()),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    report, document = checks.check_upload("ctools.tar.gz", buffer.getvalue())
    assert not report.passed
    assert any(
        "the archive has ctools/README.rst: link to it" in line for line in lines(report, checks.ERROR)
    )

    report, document = checks.check_upload("notes.txt", b"just some text")
    assert (
        document is None and "neither a JSON file nor a readable .zip or .tar(.gz) archive" in report.text()
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("src/main.c", "int main(){}")
    report, _ = checks.check_upload("src.zip", buffer.getvalue())
    assert lines(report, checks.ERROR) == ["the archive holds no codemeta.json"]


@pytest.mark.parametrize(
    ("value", "spdx", "problem"),
    [
        ("MIT", "MIT", ""),
        ("https://spdx.org/licenses/Apache-2.0", "Apache-2.0", ""),
        ("GPL", "", "'GPL' is not an SPDX id; did you mean GPL-3.0-only?"),
        ("Apache 2", "", "'Apache 2' is not an SPDX id; did you mean Apache-2.0?"),
        ("MIT License", "", "'MIT License' is not an SPDX id; did you mean MIT?"),
        ("GPL-3.0", "GPL-3.0", "'GPL-3.0' is a deprecated SPDX id; use GPL-3.0-only or GPL-3.0-or-later"),
        ("mit", "MIT", "'mit' is written 'MIT' in SPDX"),
    ],
)
def test_licences(value: str, spdx: str, problem: str) -> None:
    verdict = licences.judge(value)
    assert (verdict.spdx, verdict.problem) == (spdx, problem)


def test_core_metadata_of_a_dataset() -> None:
    document = {
        "name": "Gaia DR3 light curves, cleaned",
        "description": "Cleaned light curves of 10,000 "
        "variable stars from Gaia DR3, with the quality flags used.",
        "author": [{"@type": "Person", "givenName": "Ada", "familyName": "Ricci"}],
        "license": "CC-BY-4.0",
        "datePublished": "2026-03-01",
        "keywords": ["Gaia", "variable stars"],
    }
    report = checks.check_core(document, "dataset")
    assert report.passed, report.text()
    assert report.zenodo and report.zenodo["upload_type"] == "dataset"
    assert report.zenodo["license"] == "cc-by-4.0"
    assert report.zenodo["creators"] == [{"name": "Ricci, Ada"}]
    missing = checks.check_core({"name": "x"}, "dataset")
    assert {p.field for p in missing.problems if p.level == checks.ERROR} == {
        "description",
        "author",
        "license",
        "datePublished",
    }


def test_fair4rs_assessment_of_software() -> None:
    document = load("ossr-v2-valid.json")
    result = fair.assess(fair.Subject(kind="software", metadata=document, checks_passed=True))
    assert result.framework == "FAIR4RS" and result.version == fair.VERSION
    by = {r.metric: r for r in result.results}
    assert len(by) == 16
    assert by["F1"].status == "pass" and "10.5281/zenodo.1234567" in by["F1"].evidence
    assert by["R1.1"].status == "pass" and by["R1.1"].evidence == "licence BSD-3-Clause (SPDX)"
    assert by["R1.2"].status == "partial" and by["R1.2"].evidence.startswith("1 of 2 author(s) with ORCID")
    assert by["F4"].status == "partial"  # not deposited, no landing page
    assert by["R2"].status == "partial"  # language stated, no softwareRequirements
    statuses = [r.status for r in result.results]
    expected = round(100 * (statuses.count("pass") + 0.5 * statuses.count("partial")) / 16, 1)
    assert result.score == expected

    broken = fair.assess(
        fair.Subject(kind="software", metadata=load("ossr-broken.json"), checks_passed=False)
    )
    by = {r.metric: r for r in broken.results}
    assert by["F1"].status == "fail" and by["R1.1"].status == "partial" and by["R3"].status == "fail"
    assert broken.score < result.score


def test_override_replaces_a_metric_and_keeps_the_automatic_verdict() -> None:
    subject = fair.Subject(kind="software", metadata=load("ossr-broken.json"), checks_passed=False)
    plain = fair.assess(subject)
    overridden = fair.assess(
        subject,
        {"I1": {"status": "pass", "justification": "Reads FITS, as the README says.", "by": "mentor"}},
    )
    i1 = next(r for r in overridden.results if r.metric == "I1")
    assert i1.status == "pass" and i1.override and i1.override["automatic"] == "fail"
    assert (
        overridden.score == plain.score + round(100 / 16, 1)
        or abs(overridden.score - plain.score - 6.25) < 0.1
    )


def test_fsf_assessment_of_a_dataset_with_a_landing_page() -> None:
    html = b"""<html><head><link rel="cite-as" href="https://doi.org/10.5281/zenodo.42">
    <script type="application/ld+json">{"@context": "https://schema.org", "@type": "Dataset",
    "identifier": "https://doi.org/10.5281/zenodo.42", "license": "https://spdx.org/licenses/CC-BY-4.0"}</script>
    </head></html>"""
    page = parse(
        "https://data.example.org/ds/42",
        200,
        {"link": '<https://data.example.org/ds/42.zip>; rel="item"'},
        html,
    )
    assert page.ok and page.signposting == {
        "item": ["https://data.example.org/ds/42.zip"],
        "cite-as": ["https://doi.org/10.5281/zenodo.42"],
    }
    metadata = {
        "name": "Light curves",
        "description": "Cleaned light curves of variable stars.",
        "author": [{"@type": "Person", "givenName": "Ada", "familyName": "Ricci"}],
        "encodingFormat": ["text/csv", "application/fits"],
        "contentSize": "2 GB",
        "contentUrl": "https://data.example.org/ds/42.zip",
        "isAccessibleForFree": True,
    }
    result = fair.assess(fair.Subject(kind="dataset", metadata=metadata, landing=page))
    by = {r.metric: r for r in result.results}
    assert result.framework == "FAIRsFAIR/F-UJI" and len(by) == 16
    assert by["FsF-F1-02D"].status == "pass" and "zenodo.42" in by["FsF-F1-02D"].evidence
    assert by["FsF-I1-01M"].status == "pass"
    assert by["FsF-R1.1-01M"].status == "pass"  # the licence comes from the landing page
    assert by["FsF-R1.3-02D"].status == "pass" and by["FsF-R1-01MD"].status == "pass"
    assert by["FsF-A1-01M"].status == "pass"
    assert by["FsF-F2-01M"].status == "partial"  # no publisher, date, keywords
    unreachable = parse("https://data.example.org/gone", 404, {}, b"")
    result = fair.assess(fair.Subject(kind="dataset", metadata=metadata, landing=unreachable))
    assert {r.metric: r.status for r in result.results}["FsF-A1-02M"] == "fail"
