"""Harvesting, against sources served on 127.0.0.1 that answer as scripted: slow, huge,
failing, hostile or malformed sources; generic OAI-PMH (Dublin Core) and JSON-LD sites;
conflicts a curator merges or keeps apart; harvested records read-only, shown with their
origin, found by search, and not published again as ours unless the administrator says so."""

from __future__ import annotations

import http.server
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from cchub.interop import harvest
from cchub.interop.models import Harvest, HarvestedRecord, Item, Source
from cchub.interop.tests.oai_schema import problems
from cchub.interop.xmlrecord import OAI, cchub_record, dublin_core
from cchub.registry.models import Centre
from cchub.testing.helpers import Api, make_user, token_for

pytestmark = [pytest.mark.django_db, pytest.mark.demo]
Answer = tuple[int, dict[str, str], bytes]

IDENTIFY = (
    f'<?xml version="1.0"?><OAI-PMH xmlns="{OAI}"><responseDate>2026-06-01T12:00:00Z</responseDate>'
    "<request>x</request><Identify><repositoryName>Peer</repositoryName><baseURL>http://peer/oai</baseURL>"
    "<protocolVersion>2.0</protocolVersion><adminEmail>a@peer.org</adminEmail><earliestDatestamp>2020-01-01"
    "</earliestDatestamp><deletedRecord>persistent</deletedRecord><granularity>YYYY-MM-DDThh:mm:ssZ"
    "</granularity></Identify></OAI-PMH>"
)


def centre_data(acronym: str, **extra: Any) -> dict[str, Any]:
    slug = acronym.lower()
    return {
        "slug": slug, "acronym": acronym, "name": f"{acronym} competence centre", "kind": "national",
        "status": "member", "description": "From the peer.", "website": f"https://{slug}.example.org",
        "helpdesk_email": f"help@{slug}.example.org", "countries": ["PT"], "languages": ["pt", "en"],
        "mou_date": None, "clusters": [{"slug": "sshoc", "acronym": "SSHOC", "name": "SSHOC", "website": ""}],
        "hosts": [],
        "offers": [{"competence": "dmp", "level": "expert", "evidence_url": "", "evidence_note": "",
                    "evidence_service": ""}],
        "contacts": [{"name": "Ana Peer", "role": "coordinator", "orcid": "", "email": "", "position": 0}],
        "page": f"http://peer/centres/{slug}/", **extra,
    }  # fmt: skip


def record(identifier: str, kind: str = "", data: dict[str, Any] | None = None, deleted: bool = False,
           stamp: str = "2026-05-01T10:00:00Z", dc: dict[str, list[str]] | None = None) -> str:  # fmt: skip
    status = ' status="deleted"' if deleted else ""
    header = f"<header{status}><identifier>{identifier}</identifier><datestamp>{stamp}</datestamp></header>"
    if deleted:
        return f"<record>{header}</record>"
    metadata = dublin_core(dc) if dc is not None else cchub_record(kind, data or {}, "http://peer/oai/x.xsd")
    return f"<record>{header}<metadata>{metadata}</metadata></record>"


def page(records: list[str], token: str = "") -> bytes:
    tail = f"<resumptionToken>{token}</resumptionToken>" if token else ""
    return (
        f'<?xml version="1.0"?><OAI-PMH xmlns="{OAI}"><responseDate>2026-06-01T12:00:00Z</responseDate>'
        f"<request>x</request><ListRecords>{''.join(records)}{tail}</ListRecords></OAI-PMH>"
    ).encode()


class Peer(http.server.BaseHTTPRequestHandler):
    def answer(self) -> None:
        server: Any = self.server
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else urllib.parse.urlsplit(self.path).query
        params = dict(urllib.parse.parse_qsl(raw))
        server.requests.append(params)
        if params.get("verb") == "Identify":
            status, headers, body = 200, {}, IDENTIFY.encode()
        else:
            status, headers, body = server.script(params)
        self.send_response(status)
        for key, value in {"Content-Type": "text/xml", **headers}.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = answer  # noqa: N815

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def peer(monkeypatch: Any) -> Iterator[Callable[..., Source]]:
    """A scripted source on 127.0.0.1; returns a function that sets its script and makes
    the Source."""
    monkeypatch.setattr(harvest, "BACKOFF", [0.01])
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Peer)
    server.requests = []  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def make(script: Callable[[dict[str, str]], Answer], **fields: Any) -> Source:
        server.script = script  # type: ignore[attr-defined]
        options = {"slug": "peer", "name": "Peer hub", "allow_private": True, "retries": 2, **fields}
        source = Source.objects.create(url=f"http://127.0.0.1:{server.server_address[1]}/oai", **options)
        source.server = server  # type: ignore[attr-defined]
        return source

    yield make
    server.shutdown()


def pages(*bodies: bytes) -> Callable[[dict[str, str]], Answer]:
    """The first page, then the page named by each token ("1", "2", ...)."""
    return lambda params: (200, {}, bodies[int(params.get("resumptionToken") or 0)])


def run(source: Source, **kwargs: Any) -> Harvest:
    return harvest.run(harvest.start(source, **kwargs))


# ----------------------------------------------------------------------- reading sources


def test_a_peer_hub_is_harvested_page_by_page(peer: Callable[..., Source]) -> None:
    source = peer(pages(
        page([record("oai:peer:centre/pt-cc", "centre", centre_data("PT-CC"))], token="1"),
        page([record("oai:peer:centre/es-cc", "centre", centre_data("ES-CC"))]),
    ))  # fmt: skip
    done = run(source)
    assert done.state == Harvest.DONE and done.counts == {"added": 2} and done.pages == 2
    centre = Centre.objects.get(slug="pt-cc")
    assert centre.origin == source and centre.is_public and centre.offers.get().competence.notation == "dmp"
    assert centre.clusters.get().slug == "sshoc" and centre.contacts.get().name == "Ana Peer"
    assert HarvestedRecord.objects.get(identifier="oai:peer:centre/pt-cc").local == centre
    source.refresh_from_db()
    assert source.harvested_until is not None and source.harvested_until.isoformat().startswith(
        "2026-06-01T12"
    )
    # The next harvest asks only for what changed since.
    run(source)
    asked = [r for r in source.server.requests if r.get("metadataPrefix")]  # type: ignore[attr-defined]
    assert "from" not in asked[0] and asked[-1]["from"] == "2026-06-01T12:00:00Z"


def test_private_addresses_are_refused_unless_allowed(peer: Callable[..., Source]) -> None:
    source = peer(pages(page([])), allow_private=False)
    done = run(source)
    assert done.state == Harvest.FAILED and "private" in done.error
    assert source.server.requests == []  # type: ignore[attr-defined]


def test_slow_and_huge_answers_fail_cleanly(peer: Callable[..., Source]) -> None:
    def slow(params: dict[str, str]) -> Answer:
        time.sleep(1.5)
        return 200, {}, page([])

    source = peer(slow, timeout=1, retries=1)
    done = run(source)
    assert done.state == Harvest.FAILED and "no answer within 1 s" in done.error
    Source.objects.filter(pk=source.pk).delete()
    huge = page([record(f"oai:peer:centre/x{i}", "centre", centre_data(f"X{i}", description="x" * 20000))
                 for i in range(60)])  # fmt: skip
    source = peer(pages(huge), slug="huge", max_mb=1)
    done = run(source)
    assert done.state == Harvest.FAILED and "larger than 1 MB" in done.error
    assert not Centre.objects.filter(slug="x1").exists()


def test_failures_are_retried_with_back_off(peer: Callable[..., Source]) -> None:
    answers = iter([(500, {}, b"oops"), (429, {"Retry-After": "0"}, b"slow down"), (200, {}, page([]))])
    source = peer(lambda params: next(answers), retries=3)
    assert run(source).state == Harvest.DONE
    lists = [r for r in source.server.requests if r.get("verb") == "ListRecords"]  # type: ignore[attr-defined]
    assert len(lists) == 3
    source.retries = 1
    source.save()
    source.server.script = lambda params: (503, {}, b"down")  # type: ignore[attr-defined]
    done = run(source)
    assert done.state == Harvest.FAILED and "HTTP 503" in done.error


def test_a_failed_harvest_resumes_from_its_token(peer: Callable[..., Source]) -> None:
    first = page([record("oai:peer:centre/pt-cc", "centre", centre_data("PT-CC"))], token="1")
    second = page([record("oai:peer:centre/es-cc", "centre", centre_data("ES-CC"))])
    broken = iter([(200, {}, first), (500, {}, b"")])
    source = peer(lambda params: next(broken), retries=1)
    failed = run(source)
    assert failed.state == Harvest.FAILED and failed.token == "1" and failed.counts == {"added": 1}
    source.server.script = pages(first, second)  # type: ignore[attr-defined]
    resumed = run(source)
    assert resumed.state == Harvest.DONE and resumed.counts == {"resumed": 1, "added": 1}
    assert source.server.requests[-1] == {"verb": "ListRecords", "resumptionToken": "1"}  # type: ignore[attr-defined]
    assert HarvestedRecord.objects.filter(source=source).count() == 2


def test_malformed_and_hostile_xml_is_reported_and_skipped(peer: Callable[..., Source]) -> None:
    good = record("oai:peer:centre/pt-cc", "centre", centre_data("PT-CC"))
    broken = (
        "<record><header><identifier>oai:peer:centre/broken</identifier><datestamp>2026-05-01</datestamp>"
        "</header><metadata><c:record xmlns:c='https://w3id.org/cchub/record/1' kind='centre'><c:s k='x'>"
        "</metadata></record>"
    )
    bad_format = (
        record("oai:peer:centre/odd", "centre", None)
        .replace("<c:record", "<c:record")
        .replace("</c:record>", "<c:w k='x'>?</c:w></c:record>")
    )
    source = peer(pages(page([good, broken, bad_format])))
    done = run(source)
    assert done.state == Harvest.DONE and done.counts == {"added": 1, "rejected": 2}
    reported = {p["identifier"]: p["message"] for p in done.problems}
    assert "malformed XML" in reported["oai:peer:centre/broken"]
    assert "unknown element" in reported["oai:peer:centre/odd"]
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;">]>' + page([good]).split(b"?>", 1)[1].replace(
            b"From the peer.", b"&lol3;")
    )  # fmt: skip
    Source.objects.filter(pk=source.pk).update(slug="old")
    hostile = peer(pages(bomb), slug="bomb")
    done = run(hostile)
    assert done.counts.get("rejected") == 1 and "malformed XML" in done.problems[0]["message"]
    not_oai = peer(lambda params: (200, {}, b"<html><body>Hello</body></html>"), slug="html")
    assert "did not answer OAI-PMH" in run(not_oai).error


def test_deletions_at_the_source_are_applied(peer: Callable[..., Source]) -> None:
    source = peer(pages(page([record("oai:peer:centre/pt-cc", "centre", centre_data("PT-CC"))])))
    run(source)
    source.server.script = pages(page([record("oai:peer:centre/pt-cc", deleted=True)]))  # type: ignore[attr-defined]
    done = run(source)
    assert done.counts == {"deleted": 1} and not Centre.objects.filter(slug="pt-cc").exists()
    assert HarvestedRecord.objects.get(identifier="oai:peer:centre/pt-cc").state == HarvestedRecord.DELETED


def test_a_full_harvest_removes_what_the_source_no_longer_lists(peer: Callable[..., Source]) -> None:
    two = page([record("oai:peer:centre/pt-cc", "centre", centre_data("PT-CC")),
                record("oai:peer:centre/es-cc", "centre", centre_data("ES-CC"))])  # fmt: skip
    source = peer(pages(two))
    run(source)
    source.server.script = pages(page([record("oai:peer:centre/pt-cc", "centre", centre_data("PT-CC"))]))  # type: ignore[attr-defined]
    done = run(source, full=True)
    assert done.counts == {"unchanged": 1, "deleted": 1}
    assert not Centre.objects.filter(slug="es-cc").exists()


def test_records_named_before_they_arrive_are_linked_at_the_end(peer: Callable[..., Source]) -> None:
    service = {"slug": "pt-repo", "name": "PT repository", "tagline": "", "description": "", "url": "",
               "standards": [], "helpdesk_email": "", "helpdesk_url": "", "terms_url": "",
               "centres": ["oai:peer:centre/pt-cc"], "categories": [], "domains": [], "access_types": [],
               "target_users": [], "trl": None, "page": ""}  # fmt: skip
    source = peer(pages(
        page([record("oai:peer:service/pt-repo", "service", service)], token="1"),
        page([record("oai:peer:centre/pt-cc", "centre", centre_data("PT-CC"))]),
    ))  # fmt: skip
    run(source)
    assert [c.slug for c in Centre.objects.get(slug="pt-cc").services.all()] == ["pt-repo"]
    assert not HarvestedRecord.objects.filter(unresolved=True).exists()


def test_a_generic_oai_pmh_endpoint_gives_training_materials(peer: Callable[..., Source]) -> None:
    from cchub.training.models import Material

    dc = {"title": ["Intro to FAIR data"], "description": ["A self-paced course."], "creator": ["R. Trainer"],
          "identifier": ["https://tess.example.org/materials/intro-fair", "https://doi.org/10.5281/zenodo.1"],
          "subject": ["FAIR", "data management"], "rights": ["https://spdx.org/licenses/CC-BY-4.0"],
          "date": ["2025-04-02"], "type": ["Text"], "language": ["en"]}  # fmt: skip
    source = peer(pages(page([record("oai:tess:material/1", dc=dc)])), kind=Source.OAI)
    assert run(source).counts == {"added": 1}
    material = Material.objects.get(origin=source)
    assert material.title == "Intro to FAIR data" and material.licence == "CC-BY-4.0"
    assert material.doi == "10.5281/zenodo.1" and material.url.startswith("https://tess.example.org")
    assert source.server.requests[-1]["metadataPrefix"] == "oai_dc"  # type: ignore[attr-defined]


def test_a_json_ld_site_gives_events_and_materials(monkeypatch: Any) -> None:
    from cchub.training.models import Event
    from cchub.training.tests.test_training import FIXTURES, Quiet

    monkeypatch.setattr(harvest, "BACKOFF", [0.01])
    import functools

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(FIXTURES))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        source = Source.objects.create(
            slug="site", name="A training site", kind=Source.JSONLD, allow_private=True,
            url=f"http://127.0.0.1:{server.server_address[1]}/page.html",
        )  # fmt: skip
        done = run(source)
        assert done.state == Harvest.DONE and done.counts.get("added", 0) >= 1, done.problems
        assert Event.objects.filter(origin=source).exists()
    finally:
        server.shutdown()


# ----------------------------------------------------------------------- conflicts


def test_conflicts_wait_for_a_curator_who_merges_or_keeps_apart(peer: Callable[..., Source]) -> None:
    vo = Centre.objects.get(slug="escape-vo")
    vo.helpdesk_email = ""
    vo.save()
    twin = centre_data("ESCAPE-VO", slug="escape-vo", helpdesk_email="vo-help@peer.example.org")
    other = centre_data("KIT")
    source = peer(pages(page([record("oai:peer:centre/escape-vo", "centre", twin),
                               record("oai:peer:centre/kit", "centre", other)])))  # fmt: skip
    assert run(source).counts == {"conflict": 2}
    curator = make_user("vo-curator", curates=["escape-vo"])
    client = Client()
    client.force_login(curator)
    listed = client.get("/federation/conflicts/").content.decode()
    assert "ESCAPE-VO" in listed and "KIT competence centre" not in listed  # only their centre's
    kit_conflict = HarvestedRecord.objects.get(identifier="oai:peer:centre/kit")
    assert client.post(f"/federation/conflicts/{kit_conflict.pk}/", {"choice": "apart"}).status_code == 404

    vo_conflict = HarvestedRecord.objects.get(identifier="oai:peer:centre/escape-vo")
    client.post(f"/federation/conflicts/{vo_conflict.pk}/", {"choice": "merge"})
    vo_conflict.refresh_from_db()
    vo.refresh_from_db()
    assert vo_conflict.state == HarvestedRecord.MERGED and vo.origin is None  # still ours
    assert vo.helpdesk_email == "vo-help@peer.example.org"  # its empty field filled in
    from cchub.history.recorder import history_for

    assert "when merged" in history_for(vo).first().note  # type: ignore[union-attr]

    admin = make_user("boss")
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    client.post(f"/federation/conflicts/{kit_conflict.pk}/", {"choice": "apart"})
    apart = Centre.objects.get(origin=source)
    assert apart.slug == "kit-peer" and apart.acronym == "KIT (peer)"
    assert Centre.objects.get(slug="kit").origin is None
    # A later harvest leaves the merged record alone and updates the one kept apart.
    twin["name"], other["name"] = "Renamed at the peer", "KIT renamed at the peer"
    source.server.script = pages(page([record("oai:peer:centre/escape-vo", "centre", twin),  # type: ignore[attr-defined]
                                       record("oai:peer:centre/kit", "centre", other)]))  # fmt: skip
    assert run(source).counts == {"merged": 1, "updated": 1}
    assert Centre.objects.get(slug="escape-vo").name != "Renamed at the peer"
    assert Centre.objects.get(slug="kit-peer").name == "KIT renamed at the peer"


# ----------------------------------------------------------------------- harvested records here


@pytest.fixture
def harvested(peer: Callable[..., Source]) -> Centre:
    run(peer(pages(page([record("oai:peer:centre/pt-cc", "centre", centre_data("PT-CC"))]))))
    return Centre.objects.get(slug="pt-cc")


def test_harvested_records_are_read_only_everywhere(harvested: Centre, users: dict[str, Any]) -> None:
    api = Api(token_for(users["admin"]))
    response = api.send("patch", "/api/v1/centres/pt-cc", {"name": "Changed here"},
                        headers={"If-Match": harvested.etag})  # fmt: skip
    assert response.status_code == 403 and "Harvested from Peer hub" in response.json()["detail"]
    assert (
        api.send("delete", "/api/v1/centres/pt-cc", headers={"If-Match": harvested.etag}).status_code == 403
    )
    offer = api.send(
        "post", "/api/v1/offers", {"centre": "pt-cc", "competence": "ivoa-tap-adql", "level": "expert"}
    )
    assert offer.status_code in (403, 422)
    client = Client()
    client.force_login(users["admin"])
    assert client.get("/centres/pt-cc/edit/").status_code == 403
    page = client.get("/centres/pt-cc/").content.decode()
    assert "Harvested" in page and "Peer hub" in page and "/centres/pt-cc/edit/" not in page
    assert "from Peer hub" in Client().get("/centres/?country=PT").content.decode()
    assert client.get(f"/admin/registry/centre/{harvested.pk}/change/").status_code in (200, 403)
    assert b'name="_save"' not in client.get(f"/admin/registry/centre/{harvested.pk}/change/").content
    assert Centre.objects.get(slug="pt-cc").name == "PT-CC competence centre"


def test_harvested_records_are_found_by_search(harvested: Centre) -> None:
    found = Client().get("/api/v1/search", {"q": "PT-CC"}).json()
    assert any(r["url"].endswith("/centres/pt-cc/") for r in found["results"])


def test_harvested_records_are_not_published_as_ours_unless_allowed(harvested: Centre) -> None:
    from cchub.interop.publish import identifier
    from cchub.registry.exchange import export_registry

    ident = identifier("centre", "pt-cc")
    assert not Item.objects.filter(identifier=ident, deleted=False).exists()
    assert "pt-cc" not in {c["slug"] for c in export_registry()["centres"]}
    source = harvested.origin
    source.reexport = True
    source.save()
    item = Item.objects.get(identifier=ident)
    assert not item.deleted and item.about["identifier"] == "oai:peer:centre/pt-cc"
    response = Client().get("/oai", {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": ident})
    assert problems(response.content) == "" and b"<provenance" in response.content
    assert "pt-cc" in {c["slug"] for c in export_registry()["centres"]}
    source.reexport = False
    source.save()
    assert Item.objects.get(identifier=ident).deleted


def test_administrators_start_harvests_from_the_web(
    peer: Callable[..., Source], users: dict[str, Any]
) -> None:
    source = peer(pages(page([record("oai:peer:centre/pt-cc", "centre", centre_data("PT-CC"))])))
    client = Client()
    client.force_login(users["registered"])
    assert client.post(f"/federation/{source.slug}/harvest/").status_code == 403
    client.force_login(users["admin"])
    with pytest.MonkeyPatch.context():
        response = client.post(f"/federation/{source.slug}/harvest/")
    assert response.status_code == 302
    run_page = client.get(response["Location"])
    assert run_page.status_code == 200
    assert Harvest.objects.filter(source=source).exists()
    listing = Client().get("/federation/").content.decode()
    assert "Peer hub" in listing
    detail = Client().get(f"/federation/{source.slug}/").content.decode()
    assert "Harvest now" not in detail  # not for anonymous users


def test_due_sources_are_harvested_by_the_scheduled_task(peer: Callable[..., Source]) -> None:
    from cchub.interop.tasks import harvest_due_sources

    source = peer(pages(page([])), every_hours=6)
    assert source.is_due()
    assert harvest_due_sources.call() == 1
    assert not Source.objects.get(pk=source.pk).is_due()
    assert harvest_due_sources.call() == 0


def test_the_api_names_the_origin(harvested: Centre) -> None:
    data = Api().get("/api/v1/centres/pt-cc").json()
    assert data["origin"] == {"source": "peer", "name": "Peer hub", "url": harvested.origin.url}
    assert Api().get("/api/v1/centres/kit").json()["origin"] is None


def test_an_unusable_new_version_leaves_the_record_as_it_was(peer: Callable[..., Source]) -> None:
    source = peer(pages(page([record("oai:peer:centre/pt-cc", "centre", centre_data("PT-CC"))])))
    run(source)
    broken = centre_data("PT-CC", countries=["XX"], name="Renamed")
    source.server.script = pages(page([record("oai:peer:centre/pt-cc", "centre", broken)]))  # type: ignore[attr-defined]
    done = run(source)
    assert done.counts == {"rejected": 1} and "countries" in done.problems[0]["message"]
    kept = HarvestedRecord.objects.get(identifier="oai:peer:centre/pt-cc")
    assert kept.state == HarvestedRecord.LINKED and kept.local == Centre.objects.get(slug="pt-cc")
    assert Centre.objects.get(slug="pt-cc").name == "PT-CC competence centre"
    fixed = centre_data("PT-CC", name="Renamed")
    source.server.script = pages(page([record("oai:peer:centre/pt-cc", "centre", fixed)]))  # type: ignore[attr-defined]
    assert run(source).counts == {"updated": 1} and Centre.objects.get(slug="pt-cc").name == "Renamed"
