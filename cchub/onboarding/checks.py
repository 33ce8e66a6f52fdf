"""Metadata checks of an output: CodeMeta against the OSSR profile for software, the core
descriptive fields for the other kinds; then the conversion to Zenodo deposit metadata
and its validation. Every problem is one actionable line naming the field.

Levels: ``error`` — required by the profile or unusable (blocks submission for review);
``warning`` — recommended, or a value that will not carry well; ``info`` — what the
conversion did.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

import semver

from cchub.lib.validators import normalise_orcid, orcid_checksum_ok
from cchub.onboarding import licences, ossr

ERROR, WARNING, INFO = "error", "warning", "info"
LEVELS = (ERROR, WARNING, INFO)

SOFTWARE, DATASET, PUBLICATION, TRAINING, SERVICE = (
    "software",
    "dataset",
    "publication",
    "training",
    "service",
)
KINDS = [
    (SOFTWARE, "Software"),
    (DATASET, "Dataset"),
    (PUBLICATION, "Publication"),
    (TRAINING, "Training material"),
    (SERVICE, "Service"),
]
UPLOAD_TYPES = {
    SOFTWARE: "software",
    DATASET: "dataset",
    PUBLICATION: "publication",
    TRAINING: "lesson",
    SERVICE: "other",
}

AGENT_FIELDS = (
    "author",
    "creator",
    "maintainer",
    "contributor",
    "copyrightHolder",
    "funder",
    "producer",
    "provider",
    "publisher",
    "sponsor",
    "editor",
)
URL_FIELDS = (
    "codeRepository",
    "issueTracker",
    "readme",
    "url",
    "downloadUrl",
    "buildInstructions",
    "contIntegration",
    "continuousIntegration",
    "installUrl",
    "relatedLink",
    "sameAs",
    "contentUrl",
)
DATE_FIELDS = ("datePublished", "dateCreated", "dateModified", "embargoDate", "embargoEndDate")
ORCID_URL = re.compile(r"^(?:https?://orcid\.org/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$", re.I)
DOI = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)?(10\.\d{4,9}/\S+)$", re.I)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# The core fields of outputs that are not software (schema.org terms, like CodeMeta's).
CORE_REQUIRED = ("name", "description", "author", "license", "datePublished")
CORE_RECOMMENDED = ("identifier", "keywords", "version", "url", "publisher", "funding")


@dataclass
class Problem:
    level: str
    field: str
    message: str

    def line(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


@dataclass
class Report:
    kind: str
    checker: str
    codemeta_version: str = ""
    problems: list[Problem] = field(default_factory=list)
    zenodo: dict[str, Any] | None = None

    def add(self, level: str, where: str, message: str) -> None:
        self.problems.append(Problem(level, where, message))

    @property
    def passed(self) -> bool:
        return not any(p.level == ERROR for p in self.problems)

    def count(self, level: str) -> int:
        return sum(1 for p in self.problems if p.level == level)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "checker": self.checker,
            "codemeta_version": self.codemeta_version,
            "passed": self.passed,
            "errors": self.count(ERROR),
            "warnings": self.count(WARNING),
            "problems": [asdict(p) for p in sorted(self.problems, key=lambda p: LEVELS.index(p.level))],
            "zenodo": self.zenodo,
        }

    def text(self) -> str:
        head = (
            f"{'PASSED' if self.passed else 'FAILED'} — {self.count(ERROR)} error(s), "
            f"{self.count(WARNING)} warning(s) ({self.checker}"
        )
        head += f", CodeMeta {self.codemeta_version})" if self.codemeta_version else ")"
        lines = [head]
        for level in (ERROR, WARNING, INFO):
            lines += [f"  {level:7} {p.line()}" for p in self.problems if p.level == level]
        return "\n".join(lines)


def parse_json(raw: bytes | str, report: Report) -> dict[str, Any] | None:
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
        document = json.loads(text)
    except UnicodeDecodeError:
        report.add(ERROR, "", "the file is not UTF-8 text")
        return None
    except json.JSONDecodeError as exc:
        report.add(ERROR, "", f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")
        return None
    if not isinstance(document, dict):
        report.add(ERROR, "", "a CodeMeta file holds one JSON object ({…}), not a list or a value")
        return None
    return document


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _where(key: str, index: int, many: bool) -> str:
    return f"{key}[{index}]" if many else key


def _url_ok(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _agent_name(agent: dict[str, Any]) -> str:
    given, family = agent.get("givenName", ""), agent.get("familyName", "")
    name = agent.get("name") or agent.get("legalName") or " ".join(str(p) for p in (given, family) if p)
    return str(name)


def check_agent(report: Report, where: str, agent: Any, key: str) -> None:
    if isinstance(agent, str):
        report.add(
            ERROR,
            where,
            f"'{agent[:60]}' is a plain name; write an object "
            '{"@type": "Person", "givenName": …, "familyName": …} or {"@type": "Organization", "name": …}',
        )
        return
    if not isinstance(agent, dict):
        report.add(ERROR, where, "must be a Person or Organization object")
        return
    kind = agent.get("@type")
    if kind not in ("Person", "Organization"):
        report.add(ERROR, where, f'@type is {kind!r}; use "Person" or "Organization"')
        return
    label = _agent_name(agent)
    if kind == "Person" and not (agent.get("givenName") or agent.get("familyName")):
        report.add(
            ERROR,
            where,
            "a Person needs givenName and familyName" + (f" (only name '{label}' is given)" if label else ""),
        )
    if kind == "Organization" and not label:
        report.add(ERROR, where, "an Organization needs a name")
    shown = f"{where} ({label})" if label else where
    identifier = agent.get("identifier") or agent.get("@id")
    if kind == "Person":
        if identifier:
            text = (
                identifier
                if isinstance(identifier, str)
                else str(identifier.get("value", ""))
                if isinstance(identifier, dict)
                else ""
            )
            match = ORCID_URL.match(text.strip()) if text else None
            if "orcid" in text.lower() or match:
                orcid = normalise_orcid(text)
                if not match or not orcid_checksum_ok(orcid):
                    report.add(ERROR, shown, f"'{text}' is not a valid ORCID (its check digit is wrong)")
                elif not text.startswith("https://orcid.org/"):
                    report.add(WARNING, shown, f"write the ORCID as https://orcid.org/{orcid}")
            elif key in ("author", "creator"):
                report.add(
                    WARNING, shown, f"identifier '{text[:60]}' is not an ORCID; Zenodo keeps only ORCIDs"
                )
        elif key in ("author", "creator", "maintainer"):
            report.add(WARNING, shown, 'no ORCID; add "identifier": "https://orcid.org/…"')
    email = agent.get("email")
    if email is not None and not (isinstance(email, str) and EMAIL.match(email.strip())):
        report.add(ERROR, shown, f"email '{email}' is not an e-mail address")
    if key == "maintainer" and not email:
        report.add(WARNING, shown, "the maintainer should have an email, the address users write to")
    affiliation = agent.get("affiliation")
    for aff in _items(affiliation) if affiliation is not None else []:
        if isinstance(aff, dict) and not (aff.get("name") or aff.get("legalName")):
            report.add(ERROR, shown, "an affiliation needs a name")
        elif not isinstance(aff, dict | str):
            report.add(ERROR, shown, "affiliation must be an Organization object or a name")


def check_licence(report: Report, value: Any) -> None:
    for index, item in enumerate(_items(value)):
        where = _where("license", index, isinstance(value, list))
        text = (
            item.get("identifier") or item.get("url") or item.get("name") if isinstance(item, dict) else item
        )
        if not isinstance(text, str) or not text.strip():
            report.add(
                ERROR, where, "give an SPDX id (e.g. MIT) or its address https://spdx.org/licenses/MIT"
            )
            continue
        verdict = licences.judge(text)
        if not verdict.spdx:
            report.add(ERROR, where, verdict.problem)
        elif verdict.problem:
            report.add(WARNING, where, verdict.problem)
        elif not licences.invenio_id(verdict.spdx):
            report.add(
                WARNING,
                where,
                f"{verdict.spdx} is not in Zenodo's licence list; it will be deposited "
                "as 'other-open' or 'other-closed'",
            )


def check_version(report: Report, key: str, value: Any) -> None:
    if not isinstance(value, str | int | float) or not str(value).strip():
        report.add(ERROR, key, 'give the version as text, e.g. "1.2.0"')
        return
    text = str(value).strip()
    if not semver.VersionInfo.isvalid(text.lstrip("v")):
        parts = re.findall(r"\d+", text)
        hint = f"; did you mean {'.'.join((parts + ['0', '0'])[:3])}?" if 0 < len(parts) < 3 else ""
        report.add(WARNING, key, f"'{text}' is not a semantic version (MAJOR.MINOR.PATCH, semver.org){hint}")


def check_date(report: Report, key: str, value: Any) -> None:
    try:
        dt.date.fromisoformat(str(value)[:10])
        if len(str(value)) > 10 and "T" not in str(value):
            raise ValueError
    except ValueError:
        report.add(ERROR, key, f"'{value}' is not an ISO 8601 date (YYYY-MM-DD)")


def check_identifier(report: Report, value: Any) -> None:
    for index, item in enumerate(_items(value)):
        where = _where("identifier", index, isinstance(value, list))
        text = item.get("value") or item.get("propertyID") if isinstance(item, dict) else item
        if not isinstance(text, str) or not text.strip():
            report.add(ERROR, where, "an identifier is a DOI or an address")
        elif not DOI.match(text.strip()) and not _url_ok(text):
            report.add(WARNING, where, f"'{text[:60]}' is neither a DOI nor an address")


def check_values(report: Report, document: dict[str, Any]) -> None:
    """The value types of the fields present."""
    for key in ("name", "description"):
        if key in document and (not isinstance(document[key], str) or not document[key].strip()):
            report.add(ERROR, key, "must be non-empty text")
    if isinstance(document.get("description"), str) and 0 < len(document["description"].strip()) < 40:
        report.add(WARNING, "description", "is very short; a few sentences help people find and judge it")
    for key in AGENT_FIELDS:
        if key in document:
            value = document[key]
            if isinstance(value, list) and not value:
                report.add(ERROR, key, "is an empty list")
            for index, agent in enumerate(_items(value)):
                check_agent(report, _where(key, index, isinstance(value, list)), agent, key)
    for key in URL_FIELDS:
        if key in document:
            for index, item in enumerate(_items(document[key])):
                if not _url_ok(item):
                    report.add(
                        ERROR,
                        _where(key, index, isinstance(document[key], list)),
                        f"'{str(item)[:80]}' is not an http(s) address",
                    )
    for key in DATE_FIELDS:
        if key in document:
            check_date(report, key, document[key])
    if "license" in document:
        check_licence(report, document["license"])
    for key in ("softwareVersion", "version"):
        if key in document:
            check_version(report, key, document[key])
    if "identifier" in document:
        check_identifier(report, document["identifier"])
    keywords = document.get("keywords")
    if keywords is not None and not (
        isinstance(keywords, str)
        or (isinstance(keywords, list) and all(isinstance(k, str | dict) for k in keywords))
    ):
        report.add(ERROR, "keywords", "give a list of words or a comma-separated text")
    for index, item in enumerate(_items(document.get("funding", []))):
        if not isinstance(item, str | dict):
            report.add(
                ERROR,
                _where("funding", index, isinstance(document["funding"], list)),
                "give the grant number (text) or a Grant object",
            )


def _for_eossr(document: dict[str, Any], known: set[str]) -> dict[str, Any]:
    """The document as eossr's converter accepts it: only properties of the crosswalk,
    keywords as a list, Grant objects as their identifier, licences as SPDX addresses
    (eossr 2.3 refuses a bare SPDX id, which CodeMeta allows)."""
    copy = {k: v for k, v in document.items() if k in known or k in ("@context", "@type")}
    if "license" in copy:
        spdx = [licences.judge(str(v)).spdx for v in _items(copy["license"]) if isinstance(v, str)]
        urls = [f"https://spdx.org/licenses/{s}" for s in spdx if s]
        copy["license"] = urls[0] if len(urls) == 1 else urls
    if isinstance(copy.get("keywords"), str):
        copy["keywords"] = [k.strip() for k in copy["keywords"].split(",") if k.strip()]
    if "funding" in copy:
        grants = [
            g.get("identifier") or g.get("name") if isinstance(g, dict) else g
            for g in _items(copy["funding"])
        ]
        copy["funding"] = [g for g in grants if isinstance(g, str) and g]
        if not copy["funding"]:
            del copy["funding"]
    return copy


def check_codemeta(document: dict[str, Any], report: Report | None = None) -> Report:
    """Check a CodeMeta document against the OSSR profile and convert it to Zenodo metadata."""
    report = report or Report(kind=SOFTWARE, checker=ossr.checker_version())
    context = document.get("@context")
    if context is None:
        report.add(
            ERROR,
            "@context",
            'missing; CodeMeta 2.0 is "https://doi.org/10.5063/schema/codemeta-2.0", '
            '3.0 is "https://w3id.org/codemeta/3.0"',
        )
        return report
    try:
        report.codemeta_version = ossr.version_from_context(context)
    except ValueError:
        report.add(
            ERROR,
            "@context",
            f"{json.dumps(context)[:120]} names no CodeMeta version; use "
            '"https://doi.org/10.5063/schema/codemeta-2.0" or "https://w3id.org/codemeta/3.0"',
        )
        return report
    if report.codemeta_version == "1.0":
        report.add(ERROR, "@context", "CodeMeta 1.0 is not accepted by the OSSR; write CodeMeta 2.0 or 3.0")
        return report
    if document.get("@type") != "SoftwareSourceCode":
        report.add(
            ERROR, "@type", f'is {document.get("@type")!r}; a CodeMeta file describes "SoftwareSourceCode"'
        )
    table = ossr.crosswalk(report.codemeta_version)
    for key, row in table.items():
        level = row.get("OSSR Requirement Level", "")
        if level in ("required", "recommended") and key not in document:
            hint = row.get("Help", "").strip() or row.get("Description", "").strip()
            report.add(
                ERROR if level == "required" else WARNING,
                key,
                f"{level} by the OSSR profile but missing" + (f" — {hint[:160]}" if hint else ""),
            )
    unknown = [k for k in document if k not in table and not k.startswith("@")]
    for key in unknown:
        report.add(WARNING, key, f"not a CodeMeta {report.codemeta_version} property; it is not deposited")
    check_values(report, document)
    if not report.passed:
        return report
    zenodo, notes, error = ossr.to_zenodo(_for_eossr(document, set(table)))
    for note in notes:
        if "recommended keys" not in note:
            report.add(INFO, "zenodo", f"eossr: {note}")
    if error or zenodo is None:
        report.add(
            ERROR,
            "zenodo",
            f"the conversion to Zenodo metadata failed (eossr {ossr.eossr_version()}): {error}",
        )
        return report
    check_zenodo(report, zenodo)
    return report


def check_zenodo(report: Report, zenodo: dict[str, Any]) -> None:
    report.zenodo = zenodo
    notes, error = ossr.validate_zenodo(zenodo)
    for note in notes:
        report.add(WARNING, "zenodo", note)
    if error:
        report.add(ERROR, "zenodo", f"the deposit metadata is not valid: {error}")
    if zenodo.get("license") in ("other-closed",):
        report.add(WARNING, "license", "Zenodo will record the licence as 'other-closed'")


def check_core(document: dict[str, Any], kind: str, report: Report | None = None) -> Report:
    """The core descriptive metadata of a dataset, publication, training material or service."""
    report = report or Report(kind=kind, checker=ossr.checker_version())
    for key in CORE_REQUIRED:
        if key not in document or document[key] in ("", [], None):
            report.add(ERROR, key, "required but missing")
    for key in CORE_RECOMMENDED:
        if key not in document or document[key] in ("", [], None):
            report.add(WARNING, key, "recommended but missing")
    check_values(report, document)
    if report.passed:
        check_zenodo(report, zenodo_from_core(document, kind))
    return report


def _creators(value: Any) -> list[dict[str, str]]:
    people = []
    for agent in _items(value):
        if not isinstance(agent, dict):
            continue
        family, given = agent.get("familyName", ""), agent.get("givenName", "")
        person = {"name": f"{family}, {given}" if family and given else _agent_name(agent)}
        match = ORCID_URL.match(str(agent.get("identifier") or agent.get("@id") or ""))
        if match:
            person["orcid"] = match.group(1)
        affiliation = agent.get("affiliation")
        if isinstance(affiliation, dict) and affiliation.get("name"):
            person["affiliation"] = str(affiliation["name"])
        elif isinstance(affiliation, str):
            person["affiliation"] = affiliation
        people.append(person)
    return people


def zenodo_from_core(document: dict[str, Any], kind: str) -> dict[str, Any]:
    """Zenodo deposit metadata for an output that is not software (schema.org terms in)."""
    result: dict[str, Any] = {
        "upload_type": UPLOAD_TYPES.get(kind, "other"),
        "title": str(document.get("name", "")),
        "description": str(document.get("description", "")),
        "creators": _creators(document.get("author")),
        "access_right": "open",
        "publication_date": str(document.get("datePublished", ""))[:10],
    }
    if kind == PUBLICATION:
        result["publication_type"] = "article"
    spdx = (
        licences.judge(str(_items(document.get("license"))[0] or "")).spdx if document.get("license") else ""
    )
    if spdx:
        result["license"] = licences.invenio_id(spdx) or (
            "other-open" if licences.is_open(spdx) else "other-closed"
        )
    keywords = document.get("keywords")
    if keywords:
        result["keywords"] = (
            [k.strip() for k in keywords.split(",")]
            if isinstance(keywords, str)
            else [str(k) for k in keywords if isinstance(k, str)]
        )
    if document.get("version"):
        result["version"] = str(document["version"])
    if document.get("url"):
        result["related_identifiers"] = [
            {"identifier": str(document["url"]), "relation": "isDescribedBy", "scheme": "url"}
        ]
    return result


MAX_MEMBERS = 20000
MAX_UNPACKED = 200 * 1024 * 1024  # bytes of a tar archive walked, at most
MAX_CODEMETA = 2 * 1024 * 1024


def _too_many(name: str) -> str:
    return f"{name} holds more than {MAX_MEMBERS:,} files; upload codemeta.json itself"


def codemeta_from_archive(name: str, data: bytes) -> tuple[bytes | None, str, list[str]]:
    """The codemeta.json of a source archive (.zip, .tar, .tar.gz, .tgz): (its bytes or
    None, where it was found or why not, the archive's README files). Read in memory,
    nothing extracted; the shallowest codemeta.json wins (archives of a repository hold
    one top folder)."""
    import io
    import tarfile
    import zipfile

    found: list[tuple[int, str]] = []
    readmes: list[str] = []
    try:
        if zipfile.is_zipfile(io.BytesIO(data)):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                infos = archive.infolist()
                if len(infos) > MAX_MEMBERS:
                    return None, _too_many(name), []
                sizes = {i.filename: i.file_size for i in infos if not i.is_dir()}

                def read(member: str) -> bytes:
                    with archive.open(member) as handle:
                        return handle.read(MAX_CODEMETA + 1)

                return _pick(sizes, read, readmes, found)
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tar:
            members = {}
            # Walk the headers one by one (never getmembers(), which reads them all first):
            # stop past MAX_MEMBERS files or MAX_UNPACKED bytes, so a small compressed
            # archive cannot cost minutes of decompression.
            for count, member in enumerate(tar, start=1):
                if count > MAX_MEMBERS:
                    return None, _too_many(name), []
                if member.offset_data + member.size > MAX_UNPACKED:
                    return None, (f"{name} unpacks to more than {MAX_UNPACKED // 1048576} MB; "
                                  "upload codemeta.json itself"), []
                if member.isfile():
                    members[member.name] = member

            def read_tar(member: str) -> bytes:
                handle = tar.extractfile(members[member])
                return handle.read(MAX_CODEMETA + 1) if handle else b""

            return _pick({k: m.size for k, m in members.items()}, read_tar, readmes, found)
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError) as exc:
        return None, f"{name} is neither a JSON file nor a readable .zip or .tar(.gz) archive ({exc})", []


def _pick(
    sizes: dict[str, int], read: Any, readmes: list[str], found: list[tuple[int, str]]
) -> tuple[bytes | None, str, list[str]]:
    for member in sizes:
        parts = member.strip("/").split("/")
        if parts[-1] == "codemeta.json":
            found.append((len(parts), member))
        if parts[-1].lower().startswith("readme") and len(parts) <= 2:
            readmes.append(member)
    if not found:
        return None, "the archive holds no codemeta.json", readmes
    member = min(found)[1]
    if sizes[member] > MAX_CODEMETA:
        return None, f"{member} is larger than {MAX_CODEMETA // 1048576} MB", readmes
    return read(member), member, readmes


def check_upload(name: str, data: bytes, kind: str = SOFTWARE) -> tuple[Report, dict[str, Any] | None]:
    """Check an uploaded codemeta.json or source archive (software) or a JSON document of
    schema.org metadata (other kinds): (the report, the document read or None)."""
    report = Report(kind=kind, checker=ossr.checker_version())
    raw: bytes | None = data
    readmes: list[str] = []
    if not is_json(data):
        raw, where, readmes = codemeta_from_archive(name, data)
        if raw is None:
            report.add(ERROR, "", where)
            return report, None
        report.add(INFO, "", f"read {where} from the archive")
    document = parse_json(raw or b"", report)
    if document is None:
        return report, None
    check_document(document, kind, report)
    if readmes and "readme" not in document:
        for problem in report.problems:
            if problem.field == "readme":
                problem.message += f" (the archive has {readmes[0]}: link to it)"
    return report, document


def check_document(document: dict[str, Any], kind: str, report: Report | None = None) -> Report:
    """The checks for an output of ``kind``: CodeMeta for software, core fields otherwise."""
    if kind == SOFTWARE:
        return check_codemeta(document, report)
    return check_core(document, kind, report)


def is_json(data: bytes) -> bool:
    """Does an upload look like a JSON document (rather than an archive)?"""
    return data.lstrip()[:1] in (b"{", b"[")
