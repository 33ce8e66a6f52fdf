"""FAIR assessment of an output from the metadata the hub holds, and from its landing page
when one is given: the FAIR4RS principles for software, the FAIRsFAIR (F-UJI) metrics for
data and the other kinds. Each metric is pass, partial or fail with its evidence; the
score is the share of the metrics met (a partial counts half). Assessments are stamped
with this module's version; a mentor's override replaces a metric's status and records
the justification next to the evidence.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from cchub.onboarding import licences
from cchub.onboarding.checks import DOI, ORCID_URL, SOFTWARE, _items, _url_ok
from cchub.onboarding.landing import Landing

VERSION = "cchub-fair/1"
PASS, PARTIAL, FAIL = "pass", "partial", "fail"
STATUSES = (PASS, PARTIAL, FAIL)
WEIGHT = {PASS: 1.0, PARTIAL: 0.5, FAIL: 0.0}
PID = re.compile(
    r"^(?:https?://(?:dx\.)?doi\.org/10\.|doi:10\.|10\.\d|https?://hdl\.handle\.net/|hdl:|ark:|"
    r"https?://n2t\.net/ark:|https?://purl\.|https?://w3id\.org/|swh:1:)",
    re.I,
)
OPEN_FORMATS = {
    "text/csv",
    "text/plain",
    "application/json",
    "application/ld+json",
    "application/xml",
    "text/xml",
    "application/x-netcdf",
    "application/netcdf",
    "application/x-hdf5",
    "application/x-hdf",
    "application/fits",
    "image/fits",
    "application/pdf",
    "image/png",
    "image/tiff",
    "application/x-parquet",
    "application/parquet",
    "text/turtle",
    "application/rdf+xml",
    "text/markdown",
    "application/zip",
    "application/gzip",
}


@dataclass
class Subject:
    """What is assessed: the output's kind and metadata (schema.org / CodeMeta terms), the
    DOI it was given at deposit, whether its metadata checks passed, its landing page."""

    kind: str
    metadata: dict[str, Any]
    doi: str = ""
    checks_passed: bool | None = None
    landing: Landing | None = None
    hub_url: str = ""


@dataclass
class Result:
    metric: str
    principle: str
    title: str
    status: str
    evidence: str
    override: dict[str, str] | None = None


@dataclass
class Assessment:
    framework: str
    version: str
    results: list[Result] = field(default_factory=list)

    @property
    def score(self) -> float:
        if not self.results:
            return 0.0
        return round(100 * sum(WEIGHT[r.status] for r in self.results) / len(self.results), 1)

    def as_dict(self) -> dict[str, Any]:
        return {
            "framework": self.framework,
            "version": self.version,
            "score": self.score,
            "results": [asdict(r) for r in self.results],
        }


def _texts(value: Any) -> list[str]:
    out = []
    for item in _items(value) if value is not None else []:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            out += [
                str(v) for k, v in item.items() if k in ("@id", "url", "identifier", "value", "name") and v
            ]
    return out


def _identifiers(s: Subject) -> list[str]:
    found = _texts(s.metadata.get("identifier")) + _texts(s.metadata.get("@id"))
    if s.doi:
        found.append(f"https://doi.org/{s.doi}")
    if s.landing and s.landing.identifiers:
        found += s.landing.identifiers
    return list(dict.fromkeys(found))


def _pids(s: Subject) -> list[str]:
    return [i for i in _identifiers(s) if PID.match(i.strip())]


def _has(s: Subject, *keys: str) -> list[str]:
    return [k for k in keys if s.metadata.get(k) not in (None, "", [], {})]


def _people(s: Subject, key: str = "author") -> tuple[int, int]:
    agents = [a for a in _items(s.metadata.get(key) or []) if isinstance(a, dict)]
    with_orcid = sum(1 for a in agents if ORCID_URL.match(str(a.get("identifier") or a.get("@id") or "")))
    return len(agents), with_orcid


def _licence(s: Subject) -> tuple[str, str]:
    values = _texts(s.metadata.get("license"))
    if not values and s.landing and s.landing.licence:
        values = [s.landing.licence]
    if not values:
        return FAIL, "no licence in the metadata"
    verdicts = [licences.judge(v) for v in values]
    if all(v.spdx for v in verdicts):
        return PASS, "licence " + ", ".join(v.spdx for v in verdicts) + " (SPDX)"
    return PARTIAL, f"licence stated as '{values[0]}', not an SPDX id"


def _metadata_online(s: Subject) -> tuple[str, str]:
    if s.doi:
        return PASS, f"deposited with DOI {s.doi}: the repository keeps and exposes the metadata"
    if s.landing and s.landing.ok and (s.landing.jsonld or s.landing.signposting):
        what = "JSON-LD" if s.landing.jsonld else "signposting links"
        return PASS, f"the landing page {s.landing.url} offers {what}"
    return PARTIAL, "the metadata is published by the hub only (its JSON-LD); deposit it in a repository"


Metric = tuple[str, str, str, Callable[[Subject], tuple[str, str]]]


def _f1_software(s: Subject) -> tuple[str, str]:
    pids = _pids(s)
    if pids:
        return PASS, f"persistent identifier {pids[0]}"
    others = _identifiers(s)
    if others:
        return PARTIAL, f"identifier {others[0]} is not persistent (a DOI, handle, ARK or SWHID is)"
    return FAIL, "no identifier; depositing gives a DOI"


def _f12(s: Subject) -> tuple[str, str]:
    version = s.metadata.get("softwareVersion") or s.metadata.get("version")
    if version and _pids(s):
        return PASS, f"version {version} has its own identifier {_pids(s)[0]}"
    if version:
        return PARTIAL, f"version {version} is stated but has no identifier of its own"
    return FAIL, "no version stated"


def _f2_software(s: Subject) -> tuple[str, str]:
    wanted = (
        "description",
        "keywords",
        "author",
        "programmingLanguage",
        "softwareRequirements",
        "runtimePlatform",
        "applicationCategory",
        "readme",
        "releaseNotes",
        "operatingSystem",
    )
    present = _has(s, *wanted)
    described = len(str(s.metadata.get("description", ""))) >= 40
    status = PASS if len(present) >= 6 and described else PARTIAL if len(present) >= 3 else FAIL
    return status, f"{len(present)} of {len(wanted)} descriptive fields: {', '.join(present) or 'none'}"


def _f3(s: Subject) -> tuple[str, str]:
    inside = _texts(s.metadata.get("identifier"))
    pids = [i for i in inside if PID.match(i)]
    if pids:
        return PASS, f"the metadata names the identifier {pids[0]}"
    if s.doi:
        return PARTIAL, f"the DOI {s.doi} is not written in the metadata; add it as identifier"
    return FAIL, "the metadata holds no persistent identifier"


def _a1(s: Subject) -> tuple[str, str]:
    urls = [
        u
        for u in _texts(s.metadata.get("codeRepository")) + _texts(s.metadata.get("downloadUrl"))
        if _url_ok(u)
    ]
    if s.landing and s.landing.ok:
        return PASS, f"retrieved {s.landing.url} over {s.landing.url.split(':')[0].upper()}"
    if _pids(s) or urls:
        return PASS, f"retrievable through {(_pids(s) + urls)[0]} (HTTP(S), not fetched)"
    return FAIL, "no identifier or address to retrieve it by"


def _a11(s: Subject) -> tuple[str, str]:
    urls = [
        u for u in _texts(s.metadata.get("codeRepository")) + _texts(s.metadata.get("url")) + _identifiers(s)
    ]
    if any(u.startswith(("http://", "https://")) or DOI.match(u) for u in urls):
        return PASS, "reached over HTTP(S), an open, free, universally implemented protocol"
    return FAIL, "no HTTP(S) address"


def _a12(s: Subject) -> tuple[str, str]:
    urls = _texts(s.metadata.get("codeRepository")) + _texts(s.metadata.get("url")) + _identifiers(s)
    if any(u.startswith("https://") or DOI.match(u) for u in urls):
        return PASS, "HTTPS allows authentication and authorisation where needed"
    if urls:
        return PARTIAL, "only plain HTTP addresses"
    return FAIL, "no address"


def _i1_software(s: Subject) -> tuple[str, str]:
    if _has(s, "fileFormat", "supportingData"):
        return PASS, "file formats read or written are stated: " + ", ".join(
            _texts(s.metadata.get("fileFormat"))
        )
    if _has(s, "softwareRequirements", "runtimePlatform"):
        return PARTIAL, "dependencies are stated, not the data formats exchanged"
    return FAIL, "no data formats or dependencies stated (fileFormat, softwareRequirements)"


def _i2_software(s: Subject) -> tuple[str, str]:
    refs = _has(s, "referencePublication", "citation", "relatedLink", "isPartOf", "sameAs")
    if refs:
        return PASS, "qualified references: " + ", ".join(refs)
    if _has(s, "codeRepository"):
        return PARTIAL, "only the code repository is referenced"
    return FAIL, "no references to other objects"


def _r1_software(s: Subject) -> tuple[str, str]:
    required = (
        "name",
        "description",
        "license",
        "softwareVersion",
        "author",
        "datePublished",
        "maintainer",
        "readme",
    )
    present = _has(s, *required)
    if len(present) == len(required) and s.checks_passed:
        return PASS, "every field the OSSR profile requires is present and the metadata checks passed"
    if len(present) >= len(required) // 2:
        missing = [k for k in required if k not in present]
        return PARTIAL, f"{len(present)} of {len(required)} required fields" + (
            f"; missing {', '.join(missing)}" if missing else "; the metadata checks have not passed"
        )
    return FAIL, f"{len(present)} of {len(required)} required fields"


def _r12(s: Subject) -> tuple[str, str]:
    authors, with_orcid = _people(s)
    extra = _has(s, "datePublished", "copyrightHolder", "funder", "funding")
    if authors and with_orcid == authors and "datePublished" in extra:
        return PASS, f"{authors} author(s), all with ORCID; " + ", ".join(extra)
    if authors:
        return PARTIAL, f"{with_orcid} of {authors} author(s) with ORCID" + (
            f"; {', '.join(extra)}" if extra else ""
        )
    return FAIL, "no authors"


def _r2_software(s: Subject) -> tuple[str, str]:
    if _has(s, "softwareRequirements"):
        return PASS, "dependencies listed (softwareRequirements)"
    if _has(s, "programmingLanguage", "runtimePlatform"):
        return PARTIAL, "language or platform stated, dependencies not listed"
    return FAIL, "no references to other software"


def _r3_software(s: Subject) -> tuple[str, str]:
    ci = _has(s, "contIntegration", "continuousIntegration", "buildInstructions")
    if s.checks_passed and ci:
        return PASS, "valid CodeMeta for the OSSR profile; " + ", ".join(ci)
    if s.checks_passed:
        return PARTIAL, "valid CodeMeta for the OSSR profile; no continuous integration or build instructions"
    return FAIL, "the CodeMeta checks have not passed"


FAIR4RS: list[Metric] = [
    ("F1", "F1", "Software is assigned a globally unique and persistent identifier", _f1_software),
    ("F1.2", "F1.2", "Different versions of the software are assigned distinct identifiers", _f12),
    ("F2", "F2", "Software is described with rich metadata", _f2_software),
    ("F3", "F3", "Metadata clearly and explicitly include the identifier of the software", _f3),
    ("F4", "F4", "Metadata are FAIR, searchable and indexable", _metadata_online),
    ("A1", "A1", "Software is retrievable by its identifier using a standardised protocol", _a1),
    ("A1.1", "A1.1", "The protocol is open, free, and universally implementable", _a11),
    ("A1.2", "A1.2", "The protocol allows for authentication and authorisation where necessary", _a12),
    ("A2", "A2", "Metadata are accessible, even when the software is no longer available", _metadata_online),
    ("I1", "I1", "Software reads, writes and exchanges data in community standards", _i1_software),
    ("I2", "I2", "Software includes qualified references to other objects", _i2_software),
    ("R1", "R1", "Software is described with a plurality of accurate and relevant attributes", _r1_software),
    ("R1.1", "R1.1", "Software is given a clear and accessible license", _licence),
    ("R1.2", "R1.2", "Software is associated with detailed provenance", _r12),
    ("R2", "R2", "Software includes qualified references to other software", _r2_software),
    ("R3", "R3", "Software meets domain-relevant community standards", _r3_software),
]


def _fsf_f1(s: Subject) -> tuple[str, str]:
    ids = _identifiers(s)
    return (PASS, f"identifier {ids[0]}") if ids else (FAIL, "no identifier")


def _fsf_f1_02(s: Subject) -> tuple[str, str]:
    pids = _pids(s)
    if pids:
        return PASS, f"persistent identifier {pids[0]}"
    return FAIL, "no DOI, handle, ARK, PURL or w3id identifier"


def _fsf_f2(s: Subject) -> tuple[str, str]:
    core = {
        "creator": ("author", "creator"),
        "title": ("name",),
        "publisher": ("publisher",),
        "publication date": ("datePublished",),
        "summary": ("description",),
        "keywords": ("keywords",),
        "identifier": ("identifier",),
    }
    present = [
        label
        for label, keys in core.items()
        if _has(s, *keys) or (label == "identifier" and bool(_identifiers(s)))
    ]
    status = PASS if len(present) == len(core) else PARTIAL if len(present) >= 4 else FAIL
    missing = [label for label in core if label not in present]
    return status, f"{len(present)} of {len(core)} core elements" + (
        f"; missing {', '.join(missing)}" if missing else ""
    )


def _fsf_f3(s: Subject) -> tuple[str, str]:
    content = _texts(s.metadata.get("contentUrl")) + _texts(s.metadata.get("downloadUrl"))
    for dist in _items(s.metadata.get("distribution") or []):
        if isinstance(dist, dict):
            content += _texts(dist.get("contentUrl"))
    if content:
        return PASS, f"the metadata links to the content: {content[0]}"
    if _has(s, "url"):
        return PARTIAL, "only a landing address, no link to the content (contentUrl)"
    return FAIL, "no link to the content"


def _fsf_a1_01(s: Subject) -> tuple[str, str]:
    present = _has(s, "isAccessibleForFree", "conditionsOfAccess", "accessRights")
    if present:
        return PASS, "access level stated: " + ", ".join(f"{k}={s.metadata[k]}" for k in present)
    return FAIL, "no access level (isAccessibleForFree or conditionsOfAccess)"


def _fsf_a1_02(s: Subject) -> tuple[str, str]:
    if s.landing and s.landing.ok:
        return PASS, f"metadata retrieved from {s.landing.url} over HTTP(S)"
    if s.landing:
        return FAIL, f"the landing page could not be read: {s.landing.error}"
    if _pids(s) or _has(s, "url"):
        return PARTIAL, "an HTTP(S) address is given, no landing page was checked"
    return FAIL, "no address for the metadata"


def _fsf_a1_03(s: Subject) -> tuple[str, str]:
    content = [
        u for u in _texts(s.metadata.get("contentUrl")) + _texts(s.metadata.get("downloadUrl")) if _url_ok(u)
    ]
    if content:
        return PASS, f"content over HTTP(S): {content[0]}"
    return FAIL, "no HTTP(S) address of the content"


def _fsf_i1(s: Subject) -> tuple[str, str]:
    if s.landing and s.landing.jsonld:
        return PASS, "the landing page embeds schema.org JSON-LD"
    return PARTIAL, "the hub publishes the metadata as JSON-LD; the landing page offers no RDF"


def _fsf_i2(s: Subject) -> tuple[str, str]:
    keywords = _items(s.metadata.get("keywords") or []) + _items(s.metadata.get("about") or [])
    semantic: list[Any] = [
        k
        for k in keywords
        if isinstance(k, dict) and (k.get("@id") or k.get("url") or k.get("inDefinedTermSet"))
    ]
    semantic += [k for k in keywords if isinstance(k, str) and _url_ok(k)]
    if semantic:
        return PASS, f"{len(semantic)} term(s) from controlled vocabularies"
    if keywords:
        return PARTIAL, "free-text keywords only; use terms with identifiers from a vocabulary"
    return FAIL, "no keywords or subjects"


def _fsf_i3(s: Subject) -> tuple[str, str]:
    links = _has(s, "isBasedOn", "citation", "relatedLink", "isPartOf", "hasPart", "funding", "sameAs")
    if links:
        return PASS, "related entities: " + ", ".join(links)
    return FAIL, "no links to related entities"


def _fsf_r1(s: Subject) -> tuple[str, str]:
    present = _has(
        s, "encodingFormat", "fileFormat", "contentSize", "variableMeasured", "measurementTechnique"
    )
    if len(present) >= 2:
        return PASS, "content described: " + ", ".join(present)
    if present:
        return PARTIAL, f"only {present[0]} describes the content"
    return FAIL, "nothing describes the content (format, size, variables)"


def _fsf_r12(s: Subject) -> tuple[str, str]:
    present = _has(
        s, "author", "creator", "datePublished", "dateCreated", "dateModified", "version", "publisher"
    )
    if len(present) >= 4:
        return PASS, "provenance: " + ", ".join(present)
    if present:
        return PARTIAL, "some provenance: " + ", ".join(present)
    return FAIL, "no provenance"


def _fsf_r13(s: Subject) -> tuple[str, str]:
    if s.landing and s.landing.jsonld:
        return PASS, "schema.org metadata on the landing page"
    if s.checks_passed:
        return PASS, "the metadata checks passed against the hub's schema.org profile"
    return PARTIAL, "held in schema.org terms by the hub; its checks have not passed"


def _fsf_r13_02(s: Subject) -> tuple[str, str]:
    formats = [f.lower().split(";")[0].strip() for f in _texts(s.metadata.get("encodingFormat"))]
    if not formats:
        return FAIL, "no file format stated (encodingFormat)"
    open_ones = [f for f in formats if f in OPEN_FORMATS]
    if len(open_ones) == len(formats):
        return PASS, "open formats: " + ", ".join(formats)
    return PARTIAL, "formats not in the list of open, community formats: " + ", ".join(
        f for f in formats if f not in OPEN_FORMATS
    )


FSF: list[Metric] = [
    ("FsF-F1-01D", "F1", "Data is assigned a globally unique identifier", _fsf_f1),
    ("FsF-F1-02D", "F1", "Data is assigned a persistent identifier", _fsf_f1_02),
    ("FsF-F2-01M", "F2", "Metadata includes descriptive core elements", _fsf_f2),
    ("FsF-F3-01M", "F3", "Metadata includes the identifier of the data it describes", _fsf_f3),
    ("FsF-F4-01M", "F4", "Metadata can be retrieved programmatically and indexed", _metadata_online),
    ("FsF-A1-01M", "A1", "Metadata contains access level and access conditions of the data", _fsf_a1_01),
    ("FsF-A1-02M", "A1", "Metadata is accessible through a standardised communication protocol", _fsf_a1_02),
    ("FsF-A1-03D", "A1", "Data is accessible through a standardised communication protocol", _fsf_a1_03),
    ("FsF-I1-01M", "I1", "Metadata is represented using a formal knowledge representation language", _fsf_i1),
    ("FsF-I2-01M", "I2", "Metadata uses semantic resources", _fsf_i2),
    ("FsF-I3-01M", "I3", "Metadata includes links between the data and its related entities", _fsf_i3),
    ("FsF-R1-01MD", "R1", "Metadata specifies the content of the data", _fsf_r1),
    ("FsF-R1.1-01M", "R1.1", "Metadata includes license information", _licence),
    ("FsF-R1.2-01M", "R1.2", "Metadata includes provenance information", _fsf_r12),
    ("FsF-R1.3-01M", "R1.3", "Metadata follows a standard recommended by the community", _fsf_r13),
    ("FsF-R1.3-02D", "R1.3", "Data is available in a file format recommended by the community", _fsf_r13_02),
]


def framework_for(kind: str) -> tuple[str, list[Metric]]:
    return ("FAIR4RS", FAIR4RS) if kind == SOFTWARE else ("FAIRsFAIR/F-UJI", FSF)


def metric_ids(kind: str) -> dict[str, str]:
    return {metric: title for metric, _, title, _ in framework_for(kind)[1]}


def assess(subject: Subject, overrides: dict[str, dict[str, str]] | None = None) -> Assessment:
    """Assess ``subject``; ``overrides`` maps a metric to {status, justification, by}."""
    name, metrics = framework_for(subject.kind)
    assessment = Assessment(framework=name, version=VERSION)
    for metric, principle, title, judge in metrics:
        status, evidence = judge(subject)
        result = Result(metric, principle, title, status, evidence)
        override = (overrides or {}).get(metric)
        if override and override.get("status") in STATUSES:
            result.override = {"automatic": status, **override}
            result.status = override["status"]
        assessment.results.append(result)
    return assessment
