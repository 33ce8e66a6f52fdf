"""The OAI-PMH provider: every verb and error valid against the protocol's schemas, paging
with resumption tokens that stay valid while records change, from/until to the second,
sets, deleted records, GET and POST, and a real client library harvesting it fully."""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any
from xml.etree import ElementTree

import pytest
from django.test import Client
from django.utils import timezone

from cchub.interop.models import Item
from cchub.interop.publish import identifier
from cchub.interop.tests.oai_schema import problems
from cchub.records.writes import apply, delete
from cchub.registry.models import Centre, Service

pytestmark = [pytest.mark.django_db, pytest.mark.demo]
NS = {"o": "http://www.openarchives.org/OAI/2.0/", "dc": "http://purl.org/dc/elements/1.1/"}


@pytest.fixture(autouse=True)
def settled(db: Any) -> None:
    """Every item was stamped an hour ago, so that a list asked for now holds them all
    (a list holds what was stamped before the second it was asked for)."""
    Item.objects.update(datestamp=timezone.now() - dt.timedelta(hours=1))


def oai(query: str, method: str = "get") -> ElementTree.Element:
    if method == "post":
        response = Client().post("/oai", data=query, content_type="application/x-www-form-urlencoded")
    else:
        response = Client().get(f"/oai?{query}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    assert problems(response.content) == "", query
    return ElementTree.fromstring(response.content)


def error(root: ElementTree.Element) -> str:
    found = root.find("o:error", NS)
    return found.get("code", "") if found is not None else ""


CENTRE = identifier("centre", "escape-vo")


@pytest.mark.parametrize(
    "query",
    [
        "verb=Identify",
        "verb=ListMetadataFormats",
        f"verb=ListMetadataFormats&identifier={CENTRE}",
        "verb=ListSets",
        "verb=ListIdentifiers&metadataPrefix=oai_dc",
        "verb=ListRecords&metadataPrefix=oai_dc",
        "verb=ListRecords&metadataPrefix=cchub",
        "verb=ListRecords&metadataPrefix=cchub&set=cluster:escape",
        f"verb=GetRecord&metadataPrefix=cchub&identifier={CENTRE}",
        f"verb=GetRecord&metadataPrefix=oai_dc&identifier={CENTRE}",
    ],
)
def test_every_verb_answers_valid_oai_pmh(query: str) -> None:
    root = oai(query)
    assert error(root) == ""
    assert root.find("o:request", NS).get("verb") == query.split("&")[0].split("=")[1]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "query, code",
    [
        ("", "badVerb"),
        ("verb=Harvest", "badVerb"),
        ("verb=Identify&verb=Identify", "badVerb"),
        ("verb=Identify&extra=1", "badArgument"),
        ("verb=ListRecords", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=cchub", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=2026-13-01", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=2026-01-01&until=2026-01-01T00:00:00Z", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=2026-02-01&until=2026-01-01", "badArgument"),
        ("verb=ListRecords&resumptionToken=x&metadataPrefix=oai_dc", "badArgument"),
        ("verb=GetRecord&identifier=oai:x:centre/none", "badArgument"),
        ("verb=ListRecords&metadataPrefix=marc21", "cannotDisseminateFormat"),
        (f"verb=GetRecord&metadataPrefix=marc21&identifier={CENTRE}", "cannotDisseminateFormat"),
        ("verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:x:centre/none", "idDoesNotExist"),
        ("verb=ListMetadataFormats&identifier=oai:x:centre/none", "idDoesNotExist"),
        ("verb=ListRecords&resumptionToken=not-a-token", "badResumptionToken"),
        ("verb=ListSets&resumptionToken=anything", "badResumptionToken"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=2099-01-01", "noRecordsMatch"),
        ("verb=ListRecords&metadataPrefix=oai_dc&until=1999-01-01", "noRecordsMatch"),
        ("verb=ListRecords&metadataPrefix=oai_dc&set=nosuchset", "noRecordsMatch"),
    ],
)
def test_every_error_has_its_code_and_is_valid(query: str, code: str) -> None:
    root = oai(query)
    assert error(root) == code
    if code in ("badVerb", "badArgument"):
        assert root.find("o:request", NS).attrib == {}  # type: ignore[union-attr]


def test_post_answers_as_get() -> None:
    got = oai("verb=ListIdentifiers&metadataPrefix=oai_dc&set=centre")
    posted = oai("verb=ListIdentifiers&metadataPrefix=oai_dc&set=centre", method="post")
    ids = lambda root: [e.text for e in root.iter(f"{{{NS['o']}}}identifier")]  # noqa: E731
    assert ids(got) == ids(posted) and len(ids(got)) == Centre.objects.public().count()


def test_identify_declares_persistent_deletions_and_seconds() -> None:
    ident = oai("verb=Identify").find("o:Identify", NS)
    assert ident is not None
    assert ident.findtext("o:deletedRecord", namespaces=NS) == "persistent"
    assert ident.findtext("o:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    assert ident.findtext("o:baseURL", namespaces=NS).endswith("/oai")  # type: ignore[union-attr]


def harvest_all(query: str, client_changes: Any = None) -> tuple[list[str], list[ElementTree.Element]]:
    """Every header of a list, following its tokens; ``client_changes`` runs after page 1."""
    headers: list[ElementTree.Element] = []
    root = oai(query)
    first = root
    pages = 0
    while True:
        pages += 1
        headers.extend(root.iter(f"{{{NS['o']}}}header"))
        token = root.find(".//o:resumptionToken", NS)
        if token is None or not (token.text or "").strip():
            break
        if pages == 1 and client_changes:
            client_changes()
        verb = query.split("&")[0]
        root = oai(f"{verb}&resumptionToken={token.text}")
    stamp = first.findtext("o:responseDate", namespaces=NS) or ""
    return [stamp], headers


def test_paging_with_tokens_delivers_every_record_once(settings: Any) -> None:
    settings.OAI_PAGE_SIZE = 7
    root = oai("verb=ListRecords&metadataPrefix=cchub")
    token = root.find(".//o:resumptionToken", NS)
    assert token is not None and token.get("cursor") == "0"
    assert int(token.get("completeListSize", "0")) == Item.objects.count()
    _, headers = harvest_all("verb=ListRecords&metadataPrefix=cchub")
    ids = [h.findtext("o:identifier", namespaces=NS) for h in headers]
    assert len(ids) == len(set(ids)) == Item.objects.count()


def test_a_list_stays_valid_while_records_change(settings: Any) -> None:
    """Records changed, added and deleted during a harvest: nothing twice in the list, and
    the next harvest (from the first response's date) brings every change."""
    settings.OAI_PAGE_SIZE = 10
    delivered_first = Item.objects.order_by("datestamp", "pk").first()
    assert delivered_first is not None
    kit = Centre.objects.get(slug="kit")
    reana = Service.objects.get(slug="reana")

    def change() -> None:
        apply(kit, {"name": "Karlsruhe Institute of Technology (changed)"}, None, partial=True)
        apply(Centre(), {"acronym": "NEW-CC", "name": "A new centre", "kind": "national"}, None)
        delete(reana, None)

    [stamp], headers = harvest_all("verb=ListIdentifiers&metadataPrefix=oai_dc", change)
    ids = [h.findtext("o:identifier", namespaces=NS) for h in headers]
    assert len(ids) == len(set(ids))
    assert identifier("centre", "new-cc") not in ids
    # A list holds what was stamped before the second it is asked in: wait for the next one.
    time.sleep(1.05 - timezone.now().microsecond / 1e6)
    _, later = harvest_all(f"verb=ListIdentifiers&metadataPrefix=oai_dc&from={stamp}")
    changed = {h.findtext("o:identifier", namespaces=NS): h.get("status") for h in later}
    assert changed[identifier("centre", "kit")] is None
    assert changed[identifier("centre", "new-cc")] is None
    assert changed[identifier("service", "reana")] == "deleted"


def test_tokens_survive_a_restart_and_refuse_tampering(settings: Any) -> None:
    settings.OAI_PAGE_SIZE = 5
    token = oai("verb=ListIdentifiers&metadataPrefix=oai_dc").find(".//o:resumptionToken", NS)
    assert token is not None and token.text
    # Nothing is kept in memory or in the database: a new process answers the same token.
    from django.core.cache import cache

    cache.clear()
    again = oai(f"verb=ListIdentifiers&resumptionToken={token.text}")
    assert error(again) == "" and len(list(again.iter(f"{{{NS['o']}}}header"))) == 25
    assert error(oai(f"verb=ListRecords&resumptionToken={token.text}")) == "badResumptionToken"
    tampered = token.text[:-3] + ("AAA" if not token.text.endswith("AAA") else "BBB")
    assert error(oai(f"verb=ListIdentifiers&resumptionToken={tampered}")) == "badResumptionToken"


def test_from_and_until_to_the_second() -> None:
    a, b = list(Item.objects.filter(kind="centre").order_by("pk")[:2])
    t = dt.datetime(2025, 3, 1, 10, 0, 0, tzinfo=dt.UTC)
    Item.objects.filter(pk=a.pk).update(datestamp=t)
    Item.objects.filter(pk=b.pk).update(datestamp=t + dt.timedelta(seconds=1, microseconds=500))
    Item.objects.exclude(pk__in=[a.pk, b.pk]).update(datestamp=t + dt.timedelta(days=30))

    def listed(query: str) -> list[str]:
        root = oai(f"verb=ListIdentifiers&metadataPrefix=oai_dc&{query}")
        return [e.text or "" for e in root.iter(f"{{{NS['o']}}}identifier")]

    assert listed("from=2025-03-01T10:00:01Z&until=2025-03-01T10:00:01Z") == [b.identifier]
    assert listed("until=2025-03-01T10:00:00Z") == [a.identifier]
    assert listed("from=2025-03-01&until=2025-03-01") == [a.identifier, b.identifier]
    root = oai("verb=GetRecord&metadataPrefix=oai_dc&identifier=" + b.identifier)
    assert root.findtext(".//o:datestamp", namespaces=NS) == "2025-03-01T10:00:01Z"


def test_deleted_and_withdrawn_records_are_kept_as_tombstones() -> None:
    delete(Service.objects.get(slug="reana"), None)
    apply(Centre.objects.get(slug="ut"), {"review_state": Centre.REJECTED}, None, partial=True)
    for ident in (identifier("service", "reana"), identifier("centre", "ut")):
        root = oai(f"verb=GetRecord&metadataPrefix=cchub&identifier={ident}")
        header = root.find(".//o:header", NS)
        assert header is not None and header.get("status") == "deleted"
        assert root.find(".//o:metadata", NS) is None
    # A record public again is listed again, under the same identifier.
    apply(Centre.objects.get(slug="ut"), {"review_state": Centre.APPROVED}, None, partial=True)
    header = oai(f"verb=GetRecord&metadataPrefix=oai_dc&identifier={identifier('centre', 'ut')}").find(
        ".//o:header", NS
    )
    assert header is not None and header.get("status") is None


def test_sets_per_type_and_cluster() -> None:
    sets = {e.text for e in oai("verb=ListSets").iter(f"{{{NS['o']}}}setSpec")}
    assert {
        "centre",
        "service",
        "glossary",
        "training",
        "training:event",
        "cluster",
        "cluster:escape",
    } <= sets
    root = oai("verb=ListIdentifiers&metadataPrefix=oai_dc&set=cluster:escape")
    ids = [e.text or "" for e in root.iter(f"{{{NS['o']}}}identifier")]
    escape = Centre.objects.public().filter(clusters__slug="escape")
    assert {identifier("centre", c.slug) for c in escape} <= set(ids)
    assert identifier("centre", "kit") not in ids
    assert all(i.split(":")[-1].split("/")[0] in ("centre", "service") for i in ids)


def test_records_carry_what_they_should_and_no_private_address() -> None:
    from cchub.registry.models import ContactPoint

    centre = Centre.objects.get(slug="escape-vo")
    ContactPoint.objects.create(centre=centre, name="Private Person", email="private@example.org")
    response = Client().get("/oai", {"verb": "GetRecord", "metadataPrefix": "cchub", "identifier": CENTRE})
    assert b"private@example.org" not in response.content and b"Private Person" in response.content
    from cchub.interop.xmlrecord import read_cchub

    root = ElementTree.fromstring(response.content)
    kind, record = read_cchub(root.find(".//o:metadata", NS)[0])  # type: ignore[index]
    assert kind == "centre" and record["acronym"] == "ESCAPE-VO"
    assert any(o["competence"] == "ivoa-tap-adql" for o in record["offers"])
    assert {k["slug"] for k in record["clusters"]} == {"escape"}
    dc = oai(f"verb=GetRecord&metadataPrefix=oai_dc&identifier={CENTRE}")
    assert "ESCAPE-VO" in (dc.findtext(".//dc:title", namespaces=NS) or "")


def test_unusual_text_stays_valid_xml() -> None:
    centre = Centre.objects.get(slug="kit")
    apply(centre, {"description": 'Bell \x07 & <b>bold</b> \u2603 ]]> "quotes"'}, None, partial=True)
    root = oai(f"verb=GetRecord&metadataPrefix=cchub&identifier={identifier('centre', 'kit')}")
    assert "<b>bold</b>" in ElementTree.tostring(root, encoding="unicode").replace("&lt;", "<").replace(
        "&gt;", ">"
    )


def test_the_schema_of_the_full_format_is_served() -> None:
    response = Client().get("/oai/cchub-record.xsd")
    assert (
        response.status_code == 200
        and b'targetNamespace="https://w3id.org/cchub/record/1"' in response.content
    )


@pytest.mark.django_db(transaction=True)
def test_a_real_client_library_harvests_everything(live_server: Any, settings: Any) -> None:
    """Sickle, an OAI-PMH client library, harvests every record over HTTP, page by page."""
    from sickle import Sickle

    from cchub.registry.demo import load_demo

    assert load_demo().ok
    Item.objects.update(datestamp=timezone.now() - dt.timedelta(hours=1))
    settings.SITE_URL = live_server.url
    settings.OAI_PAGE_SIZE = 9
    client = Sickle(f"{live_server.url}/oai", max_retries=1)
    assert client.Identify().repositoryName.startswith("CC Hub")
    records = list(client.ListRecords(metadataPrefix="oai_dc"))
    identifiers = [r.header.identifier for r in records]
    assert len(identifiers) == len(set(identifiers)) == Item.objects.count()
    titles = {r.header.identifier: r.metadata.get("title", [""])[0] for r in records}
    assert "ESCAPE-VO" in titles[identifier("centre", "escape-vo")]
    escape = list(client.ListIdentifiers(metadataPrefix="cchub", set="cluster:escape"))
    assert len(escape) == Item.objects.filter(set_rows__spec="cluster:escape").count()
    assert re.match(r"\d{4}-\d\d-\d\dT", records[0].header.datestamp)
