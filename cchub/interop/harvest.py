"""Harvesting other hubs and sites.

A source is read page by page; each page is written in its own transaction together with
the resumption token that follows it, so a harvest that fails (network, the source, a
restart) resumes where it stopped and never writes a record twice. Harvests are
incremental: ``from`` is the source's own time at the start of the last complete harvest.

Every record read is kept as a ``HarvestedRecord`` with its provenance. A record of a
kind this hub knows becomes a local, read-only record through its app's ``receive``,
unless a local record looks like the same thing: then it waits, as a conflict, for a
curator to merge the two or keep them apart. Deleted records at the source are deleted
here. A record that cannot be used (malformed XML, a format error, invalid values) is
reported with its identifier and skipped; the rest of the harvest goes on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cchub.history.recorder import tracked
from cchub.interop import publish
from cchub.interop.models import Harvest, HarvestedRecord, Source
from cchub.interop.xmlrecord import OAI, FormatError, read_cchub, read_dc
from cchub.lib.api import Refused
from cchub.lib.fetch import FetchError, Limits, fetch
from cchub.lib.jobs import is_stale, runner_id
from cchub.records import watch
from cchub.records.writes import RecordInvalid
from cchub.training.ingest import SPDX, BioschemasIngestor

Progress = Callable[[Harvest], None]
MAX_PROBLEMS = 500


class HarvestFailed(Exception):
    pass


@dataclass
class Read:
    """One record as read from a source."""

    identifier: str
    datestamp: dt.datetime | None = None
    deleted: bool = False
    kind: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    problem: str = ""


@dataclass
class Page:
    records: list[Read]
    token: str = ""
    response_date: dt.datetime | None = None


def _limits(source: Source) -> Limits:
    return Limits(
        timeout=float(source.timeout),
        max_bytes=source.max_mb * 1024 * 1024,
        retries=source.retries,
        allow_private=source.allow_private,
        backoff=BACKOFF[0],
    )


BACKOFF = [1.0]  # seconds before the first retry (tests make it shorter)


# ------------------------------------------------------------------------- OAI-PMH


def _when(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    value = value.strip()
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
        found = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return found if found.tzinfo else found.replace(tzinfo=dt.UTC)


def _tag(name: str) -> str:
    return f"{{{OAI}}}{name}"


RECORD = re.compile(rb"<((?:\w+:)?)record[\s>].*?</\1record>", re.S)  # an OAI record, not c:record
TOKEN = re.compile(rb"<(?:\w+:)?resumptionToken[^>]*?(?:/>|>(.*?)</(?:\w+:)?resumptionToken>)", re.S)
IDENTIFIER = re.compile(rb"<(?:\w+:)?identifier>(.*?)</(?:\w+:)?identifier>", re.S)


END = re.compile(rb"</(?:\w+:)?OAI-PMH>\s*$")


def _salvage(content: bytes) -> Page:
    """A page that is not well-formed XML: read what records can be read, one by one. A
    page that stops before its end was cut short: that is a failure, not a last page."""
    if not END.search(content[-200:]):
        raise HarvestFailed("The response stops before its end (cut short); nothing of it was used.")
    records: list[Read] = []
    for n, match in enumerate(RECORD.finditer(content), start=1):
        chunk, prefix = match.group(0), match.group(1)[:-1]
        declare = b"xmlns" + (b":" + prefix if prefix else b"")
        try:
            element = fromstring(b"<r " + declare + b'="' + OAI.encode() + b'">' + chunk + b"</r>")[0]
            records.append(_record(element))
        except (ParseError, DefusedXmlException) as exc:
            found = IDENTIFIER.search(chunk)
            ident = found.group(1).decode("utf-8", "replace").strip() if found else f"record {n} of the page"
            records.append(Read(identifier=ident, problem=f"malformed XML ({exc}); skipped"))
    token = TOKEN.search(content)
    value = token.group(1).decode("utf-8", "replace").strip() if token and token.group(1) else ""
    if not records and not value:
        raise HarvestFailed("The response is not XML that can be read, and no record could be salvaged.")
    return Page(records=records, token=value)


def _record(element: Element) -> Read:
    header = element.find(_tag("header")) if element.tag == _tag("record") else element
    if header is None:
        raise FormatError("a record without a header")
    read = Read(
        identifier=(header.findtext(_tag("identifier")) or "").strip(),
        datestamp=_when(header.findtext(_tag("datestamp"))),
        deleted=header.get("status") == "deleted",
    )
    if not read.identifier:
        read.identifier, read.problem = "(no identifier)", "the record has no identifier; skipped"
        return read
    if read.deleted or element.tag != _tag("record"):
        return read
    metadata = element.find(_tag("metadata"))
    if metadata is None or len(metadata) == 0:
        read.problem = "the record has no metadata; skipped"
        return read
    try:
        payload = metadata[0]
        if payload.tag.startswith("{https://w3id.org/cchub/record/"):
            read.kind, read.data = read_cchub(payload)
        else:
            read.kind, read.data = "material", dc_to_material(read_dc(payload))
    except FormatError as exc:
        read.problem = f"the metadata does not follow its format: {exc}; skipped"
    return read


def dc_to_material(dc: dict[str, list[str]]) -> dict[str, Any]:
    """A Dublin Core record (a TeSS instance's, say) as a training material."""
    links = [i for i in dc.get("identifier", []) if i.startswith(("http://", "https://"))]
    doi = next((i.split("doi.org/", 1)[1] for i in links if "doi.org/" in i), "")
    rights = [r.rsplit("/", 1)[-1] for r in dc.get("rights", [])]

    dates = [d for d in dc.get("date", []) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", d[:10])]
    return {
        "title": " ".join(dc.get("title", [])[:1]),
        "description": "\n\n".join(dc.get("description", [])),
        "url": next((i for i in links if "doi.org/" not in i), links[0] if links else ""),
        "doi": doi,
        "authors": dc.get("creator", []),
        "keywords": dc.get("subject", []),
        "licence": next((r for r in rights if r in SPDX), ""),
        "date": dates[0][:10] if dates else "",
        "language": (dc.get("language") or ["en"])[0][:2].lower(),
        "format": ", ".join(
            t for t in dc.get("type", []) if t.lower() not in {"text", "interactiveresource"}
        )[:60],
    }


def _parse(content: bytes) -> tuple[Element | None, Page | None]:
    try:
        return fromstring(content), None
    except (ParseError, DefusedXmlException):
        return None, _salvage(content)


def oai_page(source: Source, params: dict[str, str]) -> Page:
    content = _fetch(source, params)
    root, salvaged = _parse(content)
    if salvaged is not None:
        return salvaged
    assert root is not None
    if root.tag != _tag("OAI-PMH"):
        raise HarvestFailed(f"{source.url} did not answer OAI-PMH (root element <{root.tag}>).")
    error = root.find(_tag("error"))
    if error is not None:
        code = error.get("code", "")
        if code == "noRecordsMatch":
            return Page(records=[], response_date=_when(root.findtext(_tag("responseDate"))))
        raise HarvestFailed(f"The source answered {code}: {(error.text or '').strip()}", code)
    body = root.find(_tag(params.get("verb", "ListRecords")))
    if body is None:
        raise HarvestFailed("The response has no ListRecords part.")
    records = []
    for element in body.findall(_tag("record")):
        try:
            records.append(_record(element))
        except FormatError as exc:
            records.append(Read(identifier="(unreadable record)", problem=str(exc)))
    token = body.find(_tag("resumptionToken"))
    return Page(
        records=records,
        token=(token.text or "").strip() if token is not None else "",
        response_date=_when(root.findtext(_tag("responseDate"))),
    )


def _fetch(source: Source, params: dict[str, str]) -> bytes:
    try:
        return fetch(source.url, _limits(source), data=params)
    except FetchError as exc:
        raise HarvestFailed(exc.message) from exc


def identify(source: Source) -> dict[str, str]:
    root, _ = _parse(_fetch(source, {"verb": "Identify"}))
    if root is None or root.find(_tag("Identify")) is None:
        raise HarvestFailed(f"{source.url} does not answer Identify as an OAI-PMH endpoint.")
    ident = root.find(_tag("Identify"))
    assert ident is not None
    return {
        "granularity": ident.findtext(_tag("granularity")) or "YYYY-MM-DD",
        "deletedRecord": ident.findtext(_tag("deletedRecord")) or "no",
        "name": ident.findtext(_tag("repositoryName")) or "",
    }


def oai_pages(source: Source, run: Harvest) -> Iterator[Page]:
    """The pages of a ListRecords, from the run's token when it resumes."""
    info = identify(source)
    params: dict[str, str] = {"verb": "ListRecords", "metadataPrefix": source.prefix}
    if run.since is not None:
        fmt = "%Y-%m-%dT%H:%M:%SZ" if "hh" in info["granularity"] else "%Y-%m-%d"
        params["from"] = run.since.astimezone(dt.UTC).strftime(fmt)
    if source.set_spec:
        params["set"] = source.set_spec
    token = run.token
    while True:
        try:
            page = oai_page(source, {"verb": "ListRecords", "resumptionToken": token} if token else params)
        except HarvestFailed as exc:
            if token and exc.args[-1] == "badResumptionToken":
                # The source forgot the list (restarted, expired): list again from the start.
                run.problems.append(
                    {
                        "identifier": "",
                        "message": "the source refused our resumption token; "
                        "the list was asked for again from its start",
                    }
                )
                token = ""
                continue
            raise
        yield page
        if not page.token:
            return
        token = page.token


# ------------------------------------------------------------------------- JSON-LD


def jsonld_pages(source: Source, run: Harvest) -> Iterator[Page]:
    """A page, or each page of a sitemap, with schema.org / Bioschemas JSON-LD; one page of
    records per web page."""

    content = _fetch_get(source, source.url)
    if b"<urlset" in content[:2000]:
        root, _ = _parse(content)
        if root is None:
            raise HarvestFailed(f"{source.url}: the sitemap is not valid XML.")
        urls = [
            (loc.text or "").strip() for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")
        ]
    else:
        urls = [source.url]
    start = int(run.token or 0)
    for n, address in enumerate(urls):
        if n < start:
            continue
        body = content if address == source.url else _fetch_get(source, address)
        records = []
        for i, item in enumerate(BioschemasIngestor().read(body, address, follow=False)):
            kind = item.pop("kind", "material")
            ident = item.get("url") or f"{address}#{i + 1}"
            problem = item.pop("error", "")
            item.pop("line", None)
            item.pop("origin", None)
            records.append(Read(identifier=ident, kind=kind, data=item, problem=problem))
        yield Page(records=records, token=str(n + 1) if n + 1 < len(urls) else "")


def _fetch_get(source: Source, url: str) -> bytes:
    try:
        return fetch(url, _limits(source))
    except FetchError as exc:
        raise HarvestFailed(exc.message) from exc


# ------------------------------------------------------------------------- writing


def _checksum(kind: str, data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps([kind, data], sort_keys=True, default=str).encode()).hexdigest()


_RESOLVED: dict[tuple[int, str], Any] = {}  # (source, identifier) -> local record, for one run


def _resolver(source: Source) -> Callable[[str], Any]:
    def resolve(identifier: str) -> Any:
        key = (source.pk, identifier)
        if key not in _RESOLVED:
            usable = [HarvestedRecord.LINKED, HarvestedRecord.MERGED]
            found = source.records.filter(identifier=identifier, state__in=usable).first()
            local = found.local if found else None
            if local is None:
                return None  # not harvested yet: ask again later
            _RESOLVED[key] = local
        return _RESOLVED[key]

    return resolve


def _link(record: HarvestedRecord, obj: Any) -> None:
    record.content_type = ContentType.objects.get_for_model(type(obj))
    record.object_id = obj.pk


def materialise(record: HarvestedRecord, run: Harvest | None = None) -> str:
    """Turn a harvested record into its local record (or a conflict); returns what happened:
    added, updated, conflict, merged, rejected or skipped."""

    kind = publish.KINDS.get(record.kind)
    if kind is None or kind.receive is None:
        record.state, record.problem = (
            HarvestedRecord.REJECTED,
            f"this hub does not take records of kind '{record.kind}'",
        )
        return "rejected"
    if record.state == HarvestedRecord.MERGED:
        return "merged"
    local = record.local if record.state == HarvestedRecord.LINKED else None
    if local is None and not record.keep_apart and kind.twin is not None:
        twin = kind.twin(record.metadata, None)
        if twin is not None:
            record.state, record.problem = HarvestedRecord.CONFLICT, ""
            _link(record, twin)
            return "conflict"
    incoming = publish.Incoming(record.source, record, local, _resolver(record.source))
    try:
        with transaction.atomic():
            obj = kind.receive(record.metadata, incoming)
    except (RecordInvalid, ValueError, Refused, ValidationError) as exc:
        # A new version that cannot be used leaves the local record as it was (still linked).
        record.state = HarvestedRecord.LINKED if local is not None else HarvestedRecord.REJECTED
        record.problem = str(getattr(exc, "message", exc))
        return "rejected"
    record.state = HarvestedRecord.LINKED
    record.problem = "; ".join(incoming.problems)
    record.unresolved = incoming.unresolved > 0
    _link(record, obj)
    return "updated" if local is not None else "added"


def _remove(record: HarvestedRecord) -> None:
    _RESOLVED.pop((record.source_id, record.identifier), None)
    local = record.local if record.state == HarvestedRecord.LINKED else None
    kind = publish.KINDS.get(record.kind)
    if local is not None and kind is not None and kind.remove is not None:
        kind.remove(local)
    record.state, record.content_type, record.object_id = HarvestedRecord.DELETED, None, None


def _note(run: Harvest, identifier: str, message: str) -> None:
    if len(run.problems) < MAX_PROBLEMS:
        run.problems.append({"identifier": identifier, "message": message})


def take(run: Harvest, read: Read, seen: set[str] | None = None, known: dict[str, Any] | None = None) -> str:
    """Write one record read from the run's source; returns what happened. ``known``: the
    page's records already here, by identifier (else looked up)."""
    source = run.source
    if seen is not None:
        seen.add(read.identifier)
    if known is not None:
        record = known.get(read.identifier)
    else:
        record = HarvestedRecord.objects.filter(source=source, identifier=read.identifier).first()
    if read.deleted:
        if record is None or record.state == HarvestedRecord.DELETED:
            return "skipped"
        _remove(record)
        record.datestamp, record.harvested_at = read.datestamp, timezone.now()
        record.save()
        return "deleted"
    if read.problem:
        _note(run, read.identifier, read.problem)
        if record is not None and record.state != HarvestedRecord.DELETED:
            return "rejected"  # keep what we had; the source's next version may be readable
        record = record or HarvestedRecord(source=source, identifier=read.identifier, kind=read.kind or "")
        record.state, record.problem, record.harvested_at = (
            HarvestedRecord.REJECTED,
            read.problem,
            timezone.now(),
        )
        record.save()
        return "rejected"
    checksum = _checksum(read.kind, read.data)
    if (
        record is not None
        and record.checksum == checksum
        and record.state in (HarvestedRecord.LINKED, HarvestedRecord.MERGED, HarvestedRecord.CONFLICT)
        and not record.unresolved
    ):
        return "unchanged"
    record = record or HarvestedRecord(source=source, identifier=read.identifier)
    if record.state == HarvestedRecord.DELETED:
        record.state = HarvestedRecord.LINKED
    record.kind, record.metadata, record.checksum = read.kind, read.data, checksum
    record.datestamp, record.harvested_at = read.datestamp, timezone.now()
    outcome = materialise(record, run)
    if outcome == "rejected":
        _note(run, read.identifier, record.problem)
    record.save()
    return outcome


def _sweep(run: Harvest, seen: set[str]) -> None:
    """After a complete full harvest: what the source no longer lists is gone."""
    for record in HarvestedRecord.objects.filter(source=run.source).exclude(state=HarvestedRecord.DELETED):
        if record.identifier not in seen:
            with transaction.atomic():
                _remove(record)
                record.save()
            run.count("deleted")


def _second_pass(run: Harvest) -> None:
    """Records that named records not harvested yet are written again now that the whole
    list is in."""
    for record in HarvestedRecord.objects.filter(
        source=run.source, unresolved=True, state=HarvestedRecord.LINKED
    ):
        with transaction.atomic():
            materialise(record, run)
            record.save()


def _resumable(source: Source) -> Harvest | None:
    """The last run, when it failed with a place to resume from."""
    last = source.harvests.exclude(state__in=[Harvest.QUEUED, Harvest.RUNNING]).first()
    if last is not None and last.state == Harvest.FAILED and last.token:
        return last
    return None


def reap(source: Source | None = None) -> int:
    """Mark failed the runs whose worker died (``cchub.lib.jobs``); each keeps its token, so
    the next harvest resumes where it stopped."""
    running = Harvest.objects.filter(state=Harvest.RUNNING)
    if source is not None:
        running = running.filter(source=source)
    count = 0
    for stale in running:
        if is_stale(stale.runner, stale.heartbeat_at):
            Harvest.objects.filter(pk=stale.pk, state=Harvest.RUNNING).update(
                state=Harvest.FAILED, finished_at=timezone.now(),
                error="The worker running this harvest stopped (killed or crashed); "
                      "harvest again to resume where it stopped.")
            count += 1
    return count


def start(source: Source, *, full: bool = False, user: Any = None) -> Harvest:
    """A queued run of ``source`` (resuming the last failed one's position unless ``full``)."""
    run = Harvest(source=source, state=Harvest.QUEUED, full=full, started_by=user)
    previous = None if full else _resumable(source)
    if previous is not None:
        run.since, run.response_date, run.token = previous.since, previous.response_date, previous.token
        run.counts = {"resumed": 1}
    elif not full:
        run.since = source.harvested_until
    run.save()
    return run


def run(harvest: Harvest, progress: Progress | None = None) -> Harvest:
    """Carry out a queued run: read the source page by page, writing each page with the
    token that follows it."""
    source = harvest.source
    harvest.state, harvest.started_at, harvest.error = Harvest.RUNNING, timezone.now(), ""
    harvest.runner, harvest.heartbeat_at = runner_id(), timezone.now()
    harvest.save()
    resumed = bool(harvest.token)
    _RESOLVED.clear()
    seen: set[str] | None = set() if harvest.since is None and not resumed else None
    pages = (
        oai_pages(source, harvest)
        if source.kind in (Source.CCHUB, Source.OAI)
        else jsonld_pages(source, harvest)
    )
    try:
        for page in pages:
            with transaction.atomic(), watch.batch():
                identifiers = [read.identifier for read in page.records]
                known = {r.identifier: r for r in source.records.filter(identifier__in=identifiers)}
                for read in page.records:
                    harvest.count(take(harvest, read, seen, known))
                if harvest.response_date is None and page.response_date is not None:
                    harvest.response_date = page.response_date
                harvest.token = page.token
                harvest.pages += 1
                harvest.heartbeat_at = timezone.now()
                harvest.save()
            if progress:
                progress(harvest)
        _second_pass(harvest)
        if seen is not None:
            _sweep(harvest, seen)
    except HarvestFailed as exc:
        harvest.state, harvest.error, harvest.finished_at = Harvest.FAILED, str(exc.args[0]), timezone.now()
        harvest.save()
        return harvest
    harvest.state, harvest.finished_at, harvest.token = Harvest.DONE, timezone.now(), ""
    harvest.save()
    if source.kind != Source.JSONLD:
        Source.objects.filter(pk=source.pk).update(
            harvested_until=harvest.response_date or harvest.started_at
        )
    return harvest


# ------------------------------------------------------------------------- curators


def decide(record: HarvestedRecord, user: Any, merge: bool) -> str:
    """A curator's decision on a conflict: the harvested record *is* the local one (merge:
    the local record stays ours, and its empty fields are filled from the harvested one),
    or it is another one (keep apart: it becomes a record of its own, its slug naming the
    source)."""
    if record.state != HarvestedRecord.CONFLICT:
        raise Refused("Only a conflict can be decided.", status=409)
    with transaction.atomic():
        record.decided_by, record.decided_at = user, timezone.now()
        if merge:
            local = record.local
            if local is None:
                raise Refused("The local record is gone; harvest again.", status=409)
            fill_blanks(local, record, user)
            record.state = HarvestedRecord.MERGED
            outcome = "merged"
        else:
            record.keep_apart, record.content_type, record.object_id = True, None, None
            outcome = materialise(record)
        record.save()
    return outcome


def fill_blanks(local: Any, record: HarvestedRecord, user: Any) -> None:
    """Copy into the local record the plain fields it leaves empty and the harvested one
    has, through its app's write path (the change is recorded in its history)."""

    blanks = {}
    for name, value in record.metadata.items():
        if name in ("slug", "page", "uri") or not isinstance(value, str | int | float) or value in ("", None):
            continue
        try:
            current = getattr(local, name)
        except AttributeError:
            continue
        model_field = next((f for f in local._meta.concrete_fields if f.name == name), None)
        if model_field is not None and not model_field.is_relation and current in ("", None):
            blanks[name] = value
    if blanks:
        with tracked(local, user, f"filled from {record.source.name} when merged"):
            for name, value in blanks.items():
                setattr(local, name, value)
            local.full_clean()
            local.save()


def forget(source: Source) -> int:
    """Remove a source and every record harvested from it."""
    removed = 0
    with transaction.atomic(), watch.batch():
        for record in HarvestedRecord.objects.filter(source=source, state=HarvestedRecord.LINKED):
            _remove(record)
            removed += 1
        source.delete()
    return removed
