"""The training catalogue: ingestors reading fixture files served on 127.0.0.1, the
shared write path (validation, de-duplication, locked fields, dry run, all or nothing),
the roadmap and its iCal feed, Bioschemas JSON-LD, and the gaps page."""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from cchub.registry.models import Centre
from cchub.training import ingest
from cchub.training.models import Event, Material, Source

pytestmark = [pytest.mark.django_db, pytest.mark.demo]
FIXTURES = Path(__file__).parent / "fixtures" / "training"


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        if self.path.endswith("sitemap.xml"):
            body = (
                (FIXTURES / "sitemap.xml")
                .read_bytes()
                .replace(b"PLACEHOLDER", f"http://127.0.0.1:{self.server.server_address[1]}".encode())
            )
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    """The fixture files, served on 127.0.0.1 for the ingestors to read."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(FIXTURES))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def source(kind: str, url: str, centre: str = "escape-dios") -> Source:
    """A source on the test server at 127.0.0.1, which an administrator allowed."""
    return Source.objects.create(centre=Centre.objects.get(slug=centre), kind=kind, url=url,
                                 allow_private=True)


def test_ical_source(site: str) -> None:
    report = ingest.run_source(source(Source.ICAL, f"{site}/events.ics"))
    assert report.ok and len(report.added) == 2, report.rejected
    rucio = Event.objects.get(title="Introduction to Rucio")
    assert rucio.mode == "online" and rucio.organisers.get().slug == "escape-dios"
    assert "Rucio" in rucio.keywords and rucio.start.isoformat() == "2027-03-01T09:00:00+00:00"
    again = ingest.run_source(Source.objects.get())
    assert len(again.unchanged) == 2 and Event.objects.count() == 2  # de-duplicated by URL
    assert Source.objects.get().last_report["summary"].startswith("0 were added")


def test_broken_ical_writes_nothing(site: str) -> None:
    report = ingest.run_source(source(Source.ICAL, f"{site}/broken.ics"))
    assert not report.ok and Event.objects.count() == 0
    assert report.rejected[0].startswith("line 10") and "DTSTART" in report.rejected[0]


def test_csv_source_with_events_and_materials(site: str) -> None:
    preview = ingest.run_source(source(Source.CSV, f"{site}/events.csv", "psnc"), dry_run=True)
    assert preview.ok and len(preview.added) == 3 and Event.objects.count() == 0  # a dry run writes nothing
    report = ingest.run_source(Source.objects.get())
    assert report.ok and Event.objects.count() == 2 and Material.objects.count() == 1
    school = Event.objects.get(title="HPC summer school")
    assert school.city == "Poznań" and school.country == "PL" and school.competences.get().notation == "hpc"
    assert school.start.astimezone(ZoneInfo("Europe/Warsaw")).hour == 9  # read in the event's time zone


def test_curators_edits_are_kept(site: str) -> None:
    ingest.run_source(source(Source.CSV, f"{site}/events.csv", "psnc"))
    school = Event.objects.get(title="HPC summer school")
    school.title, school.city = "HPC summer school", "Poznan (PSNC campus)"
    school.locked_fields = ["city"]
    school.save()
    Event.objects.filter(title="Notebooks for beginners").update(level="advanced")
    report = ingest.run_source(Source.objects.get())
    school.refresh_from_db()
    assert school.city == "Poznan (PSNC campus)"  # locked: left alone
    assert Event.objects.get(title="Notebooks for beginners").level == "beginner"  # not locked: restored
    assert any("Notebooks for beginners (level)" in u for u in report.updated)


@pytest.mark.parametrize(
    "name,message",
    [
        ("missing.csv", "line 1: missing column(s): title"),
        ("invalid.csv", "line 2: the event ends"),
        ("bad-page.html", "malformed JSON-LD"),
    ],
)
def test_bad_files_get_a_line_level_report_and_write_nothing(site: str, name: str, message: str) -> None:
    kind = Source.BIOSCHEMAS if name.endswith(".html") else Source.CSV
    report = ingest.run_source(source(kind, f"{site}/{name}"))
    assert not report.ok and message in " ".join(report.rejected), report.rejected
    assert "nothing was written" in report.summary()
    assert Event.objects.count() == 0 and Material.objects.count() == 0


def test_invalid_csv_reports_every_line(site: str) -> None:
    report = ingest.run_source(source(Source.CSV, f"{site}/invalid.csv"))
    assert [r.split(":")[0] for r in report.rejected] == ["line 2", "line 3"]
    assert "the title is empty" in report.rejected[1]


def test_bioschemas_page_and_sitemap(site: str) -> None:
    report = ingest.run_source(source(Source.BIOSCHEMAS, f"{site}/sitemap.xml", "operas"))
    assert report.ok, report.rejected
    run = Event.objects.get()
    assert run.title == "Open peer review in practice (spring run)" and run.mode == "online"
    course = Material.objects.get()
    assert course.format == "course" and course.keywords == ["open peer review", "OA"]
    assert ingest.run_source(Source.objects.get()).unchanged


def test_unreachable_source_is_reported(db: Any) -> None:
    report = ingest.run_source(source(Source.ICAL, "http://127.0.0.1:9/nothing.ics"))
    assert not report.ok and "the connection failed" in report.rejected[0]
    assert "the connection failed" in Source.objects.get().last_report["rejected"][0]


@pytest.fixture
def demo_training(db: Any) -> None:
    from cchub.training.demo import load

    report, paths = load()
    assert report.ok and paths == 2


def test_event_pages_embed_bioschemas(demo_training: None) -> None:
    page = Client().get("/training/events/adql-and-tap-with-gaia/").content.decode()
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert data["@type"] == "Course" and data["dct:conformsTo"]["@id"].startswith(
        "https://bioschemas.org/profiles/Course"
    )
    assert data["name"] and data["description"] and data["keywords"]
    instance = data["hasCourseInstance"][0]
    assert (
        instance["@type"] == "CourseInstance" and instance["courseMode"] == "online" and instance["location"]
    )
    assert "Europe/Paris" in page and "In UTC" in page
    blocks = [
        json.loads(b) for b in re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    ]
    event = next(b for b in blocks if b["@type"] == "Event")
    assert event["dct:conformsTo"]["@id"].startswith("https://bioschemas.org/profiles/Event")
    assert event["eventAttendanceMode"].endswith("OnlineEventAttendanceMode") and event["startDate"]
    material = Client().get("/training/materials/adql-cookbook-for-gaia/").content.decode()
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', material, re.S).group(1)
    )
    assert data["@type"] == "LearningResource" and data["license"].endswith("CC-BY-4.0")
    assert "TrainingMaterial" in data["dct:conformsTo"]["@id"]


def test_past_events_are_kept_and_marked(demo_training: None) -> None:
    page = Client().get("/training/").content.decode()
    assert "Exploring the Coma cluster" in page and 'class="past"' in page
    assert "The CDS services tutorial" in page


def test_roadmap_filters_and_ical_feed(demo_training: None) -> None:
    import icalendar

    page = Client().get("/training/", {"cluster": "escape", "level": "intermediate"}).content.decode()
    assert "ADQL and TAP with Gaia" in page and "Data management plans for life scientists" not in page
    feed = Client().get("/training/calendar.ics", {"competence": "domain-standards"})
    assert feed["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(feed.content)
    titles = {str(e["SUMMARY"]) for e in calendar.walk("VEVENT")}
    assert (
        "ADQL and TAP with Gaia" in titles
        and "Sensitive data in the social sciences: GDPR in practice" not in titles
    )
    assert all("@" in str(e["UID"]) for e in calendar.walk("VEVENT"))


def test_gaps_page_lists_competences_without_training(demo_training: None) -> None:
    page = Client().get("/training/gaps/").content.decode()
    assert "Citizen-science project design" in page  # offered by ESCAPE-CS, never taught
    assert ">Table Access Protocol and ADQL<" not in page  # taught


def test_learning_path(demo_training: None) -> None:
    page = Client().get("/training/paths/towards-data-steward/").content.decode()
    assert "Data steward" in page and "Data management plans for life scientists" in page


def test_training_is_found_by_search(demo_training: None) -> None:
    from cchub.search.query import search

    found = search("Gaia ADQL", types=["event", "material"])
    assert {h.url for h in found.hits} >= {
        "/training/events/adql-and-tap-with-gaia/",
        "/training/materials/adql-cookbook-for-gaia/",
    }
    assert search("TAP", types=["event"], filters={"level": ["intermediate"]}).total >= 1


def test_admin_edits_lock_fields_against_ingestion(site: str, admin_user: Any) -> None:
    ingest.run_source(source(Source.CSV, f"{site}/events.csv", "psnc"))
    school = Event.objects.get(title="HPC summer school")
    client = Client()
    client.force_login(admin_user)
    page = client.get(f"/admin/training/event/{school.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update(
        title="HPC summer school (full)",
        start_0="2027-06-14",
        start_1="09:00:00",
        end_0="2027-06-18",
        end_1="17:00:00",
        organisers=[c.pk for c in school.organisers.all()],
        competences=[c.pk for c in school.competences.all()],
        keywords="[]",
        learning_outcomes="[]",
        locked_fields="[]",
    )
    response = client.post(f"/admin/training/event/{school.pk}/change/", data)
    assert response.status_code == 302, response.content[:2000]
    school.refresh_from_db()
    assert "title" in school.locked_fields
    ingest.run_source(Source.objects.get())
    school.refresh_from_db()
    assert school.title == "HPC summer school (full)"


def test_training_api(demo_training: None, users: dict[str, Any], api_for: Any) -> None:
    from cchub.testing.helpers import Api

    events = Api().get("/api/v1/training/events?cluster=escape&page_size=100").json()
    assert events["count"] >= 6 and all("start" in e for e in events["results"])
    assert Api().get("/api/v1/training/events/adql-and-tap-with-gaia").json()["time_zone"] == "Europe/Paris"
    assert Api().get("/api/v1/training/materials?status=archived").json()["count"] == 1
    assert len(Api().get("/api/v1/training/paths").json()["results"][0]["steps"]) >= 3
    record = {
        "centre": "escape-vo",
        "kind": "event",
        "title": "VO school",
        "start": "2027-09-01T09:00",
        "end": "2027-09-03T17:00",
        "time_zone": "Europe/Paris",
        "mode": "onsite",
        "city": "Strasbourg",
    }
    assert api_for("curator_b").send("post", "/api/v1/training/records", record).status_code == 403
    assert api_for("anonymous").send("post", "/api/v1/training/records", record).status_code == 401
    created = api_for("curator_a").send("post", "/api/v1/training/records", record)
    assert created.status_code == 201 and Event.objects.filter(title="VO school").exists()
    again = api_for("curator_a").send("post", "/api/v1/training/records", record)
    assert again.status_code == 200 and again.json()["unchanged"]
    bad = api_for("curator_a").send("post", "/api/v1/training/records", {**record, "end": "2027-08-01T09:00"})
    assert bad.status_code == 422 and "ends" in bad.json()["errors"][0]["message"]
    source = api_for("curator_a").send(
        "post", "/api/v1/training/sources", {"centre": "escape-vo", "kind": "ical", "url": "ftp://x"}
    )
    assert source.status_code == 422 and source.json()["errors"][0]["field"] == "url"
    made = api_for("curator_a").send(
        "post",
        "/api/v1/training/sources",
        {"centre": "escape-vo", "kind": "ical", "url": "http://127.0.0.1:9/x.ics"},
    )
    assert made.status_code == 201
    assert [s["url"] for s in api_for("curator_a").get("/api/v1/training/sources").json()["results"]] == [
        "http://127.0.0.1:9/x.ics"
    ]
    assert api_for("curator_b").get("/api/v1/training/sources").json()["results"] == []
    run = api_for("curator_a").send("post", f"/api/v1/training/sources/{made.json()['id']}/run")
    assert run.status_code == 202
    # A curator's source on a loopback address is refused before any connection (SSRF).
    assert "loopback, private or reserved" in Source.objects.get().last_report["rejected"][0]


def test_downloads_are_in_the_api(demo_training: None) -> None:
    from cchub.testing.helpers import Api

    feed = Api().get("/api/v1/training/calendar.ics?cluster=escape")
    assert feed.status_code == 200 and b"BEGIN:VCALENDAR" in feed.content
    paths = Api().get("/api/v1/openapi.json").json()["paths"]
    assert {
        "/api/v1/training/calendar.ics",
        "/api/v1/glossary/skos",
        "/api/v1/training/events",
        "/api/v1/training/sources",
        "/api/v1/glossary/terms",
    } <= set(paths)
    assert Api().get("/api/v1/glossary/skos?format=json-ld")["Content-Type"].startswith("application/ld+json")
    assert Api().get("/api/v1/glossary/skos?format=docx").status_code == 400
