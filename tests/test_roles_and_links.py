"""Roles hold on every path, and only safe links and language keys are stored.

Each test breaks a rule the way the security review did (API, pages, feeds, direct saves)
and checks that nothing changed, with a clear 4xx where a person or client asked."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from cchub.glossary.models import Term
from cchub.lib.api import Refused
from cchub.onboarding import workflow as flow
from cchub.registry.models import Centre, Service
from cchub.support import knowledge
from cchub.support.models import Article
from cchub.support.workflow import TicketError
from cchub.testing.helpers import Api, token_for
from cchub.training import ingest
from cchub.training.models import Event, Material

pytestmark = [pytest.mark.django_db, pytest.mark.demo]

UNSAFE = ["javascript:alert(document.domain)", "data:text/html,<script>alert(1)</script>",
          "file:///etc/passwd", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "vbscript:msgbox(1)"]


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# ---------------------------------------------------------------- knowledge base


def published(desk: dict[str, Any]) -> Article:
    article = Article.objects.create(slug="tap-basics", title="TAP basics", body="Use ADQL.",
                                     centre=Centre.objects.get(slug="escape-vo"), status=Article.APPROVED)
    return article


def test_a_non_lead_edit_of_a_published_article_waits_for_a_lead(desk: dict[str, Any]) -> None:
    article = published(desk)
    response = client_for(desk["vo"]).post(f"/support/articles/{article.slug}/edit/",
                                           {"title": "Defaced", "body": "Send money to evil.example"})
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "TAP basics" and article.status == Article.APPROVED
    assert article.revision["title"] == "Defaced" and article.revision["by"] == "vo"
    public = Client().get(article.get_absolute_url()).content.decode()
    assert "Defaced" not in public and "evil.example" not in public
    assert "evil.example" not in Api().get(f"/api/v1/support/articles/{article.slug}").content.decode()
    # The supporter and the lead see the waiting edit; only the lead publishes it.
    assert "waits for a lead" in client_for(desk["vo"]).get(article.get_absolute_url()).content.decode()
    with pytest.raises(TicketError):
        knowledge.approve(article, desk["vo"])
    lead = client_for(desk["vo_lead"])
    assert "Publish the edit" in lead.get(article.get_absolute_url()).content.decode()
    lead.post(f"/support/articles/{article.slug}/discard/")
    article.refresh_from_db()
    assert article.revision == {} and article.title == "TAP basics"
    knowledge.update(article, desk["vo"], "TAP in practice", "Use ADQL through TAP.", [])
    lead.post(f"/support/articles/{article.slug}/approve/")
    article.refresh_from_db()
    assert article.title == "TAP in practice" and article.revision == {}
    assert article.approved_by == desk["vo_lead"]
    # A lead's own edit is published at once.
    knowledge.update(article, desk["vo_lead"], "TAP in practice (2)", "Use ADQL.", [])
    article.refresh_from_db()
    assert article.title == "TAP in practice (2)" and article.revision == {}


# ---------------------------------------------------------------- training ownership


@pytest.fixture
def training(db: Any) -> None:
    from cchub.training.demo import load

    assert load()[0].ok


def lsri_event() -> Event:
    return Event.objects.get(title="Data management plans for life scientists")


def test_a_curator_never_changes_another_centres_event(users: dict[str, Any], training: None) -> None:
    """The review's H4, by the API: same title and start, then same URL."""
    event = lsri_event()
    organisers = list(event.organisers.values_list("slug", flat=True))
    before = (event.description, event.registration_url, organisers)
    api = Api(token_for(users["curator_a"]))
    same_title = {"centre": "escape-vo", "kind": "event", "title": event.title, "description": "OVERWRITTEN",
                  "start": event.start.isoformat(), "end": event.end.isoformat()}
    answer = api.send("post", "/api/v1/training/records", same_title)
    assert answer.status_code == 201, answer.content
    same_url = {**same_title, "title": "Another title", "url": event.url or "https://example.org/dmp"}
    if not event.url:
        Event.objects.filter(pk=event.pk).update(url="https://example.org/dmp")
    answer = api.send("post", "/api/v1/training/records", same_url)
    assert answer.status_code == 201 and "another centre lists the same address" in answer.content.decode()
    event.refresh_from_db()
    assert (event.description, event.registration_url,
            list(event.organisers.values_list("slug", flat=True))) == before
    assert Event.objects.filter(organisers__slug="escape-vo", description="OVERWRITTEN").count() == 2


def test_a_feed_never_changes_another_centres_material(users: dict[str, Any], training: None) -> None:
    material = Material.objects.get(title="Coma cluster tutorial (Aladin, TOPCAT, Cassis)")
    Material.objects.filter(pk=material.pk).update(url="https://example.org/coma")
    material.refresh_from_db()
    owners = set(material.centres.values_list("slug", flat=True))
    outsider = Centre.objects.exclude(slug__in=owners).get(slug="kit")
    report = ingest.write([{"kind": "material", "title": material.title, "url": material.url,
                            "description": "FROM A FEED", "line": 1}], outsider)
    assert report.ok and len(report.added) == 1, report.as_dict()
    by_title = ingest.write([{"kind": "material", "title": material.title.upper(),
                              "description": "FROM A FEED", "line": 1}], Centre.objects.get(slug="ut"))
    assert by_title.ok and len(by_title.added) == 1, by_title.as_dict()
    material.refresh_from_db()
    assert material.description != "FROM A FEED"
    assert set(material.centres.values_list("slug", flat=True)) == owners
    # The owner's own feed still updates its record.
    owner = Centre.objects.get(slug=sorted(owners)[0])
    report = ingest.write([{"kind": "material", "title": material.title, "url": material.url,
                            "description": "Owner's update", "line": 1}], owner)
    assert report.updated and Material.objects.get(pk=material.pk).description == "Owner's update"


# ---------------------------------------------------------------- onboarding reviewers


def test_mentors_cannot_grant_reviewer_access(onboarding: dict[str, Any]) -> None:
    from cchub.onboarding.tests.test_workflow import VALID

    output = onboarding["output"]
    flow.upload(output, onboarding["lead"], "codemeta.json", VALID)
    flow.submit(output, onboarding["lead"])
    output.refresh_from_db()
    assert output.state == "checks_passed"
    with pytest.raises(Refused) as refused:
        flow.start_review(output, onboarding["mentor"], [onboarding["outsider"]])
    assert refused.value.field == "reviewers" and "outsider" in refused.value.message
    output.refresh_from_db()
    assert output.state == "checks_passed" and not output.reviewers.exists()
    flow.start_review(output, onboarding["mentor"], [onboarding["community"]])
    assert set(output.reviewers.values_list("username", flat=True)) == {"mentor", "community"}


# ---------------------------------------------------------------- safe links


@pytest.mark.parametrize("bad", UNSAFE)
def test_no_path_stores_a_link_that_is_not_http(bad: str, users: dict[str, Any], admin_user: Any) -> None:
    admin = Api(token_for(admin_user))
    curator = Api(token_for(users["curator_a"]))
    kit = Centre.objects.get(slug="kit")
    answer = admin.send("patch", "/api/v1/centres/kit", {"website": bad}, headers={"If-Match": "*"})
    assert answer.status_code in (400, 422), answer.content
    answer = curator.send("post", "/api/v1/training/records", {
        "centre": "escape-vo", "kind": "event", "title": "Safe links", "start": "2027-01-10T09:00:00+00:00",
        "end": "2027-01-10T10:00:00+00:00", "registration_url": bad})
    assert answer.status_code in (400, 422), answer.content
    answer = curator.send("post", "/api/v1/training/records", {
        "centre": "escape-vo", "kind": "material", "title": "Safe links", "url": bad})
    assert answer.status_code in (400, 422), answer.content
    answer = curator.send("post", "/api/v1/glossary/terms",
                          {"pref_label": "Safe link", "definition": "d", "source_url": bad})
    assert answer.status_code in (400, 422), answer.content
    report = ingest.write([{"kind": "event", "title": "Feed", "start": "2027-01-10T09:00:00+00:00",
                            "registration_url": bad, "line": 7}], kit)
    assert not report.ok and "line 7" in report.rejected[0]
    assert not Event.objects.filter(title__in=["Safe links", "Feed"]).exists()
    assert not Term.objects.filter(pref_label="Safe link").exists()
    kit.refresh_from_db()
    assert kit.website != bad


@pytest.mark.parametrize("bad", UNSAFE[:3])
def test_the_last_guard_blanks_an_unvalidated_link(bad: str, onboarding: dict[str, Any]) -> None:
    """A save that skipped validation (a shell, a migration, a future path) stores no link."""
    service = Service.objects.first()
    assert service is not None
    service.url = bad
    service.save()
    service.refresh_from_db()
    assert service.url == ""
    with pytest.raises(Refused) as refused:
        flow.create_output(onboarding["lead"], onboarding["project"], "software", "Evil", bad)
    assert refused.value.field == "landing_url"
    page = client_for(onboarding["lead"]).post(
        f"/onboarding/projects/{onboarding['project'].slug}/outputs/",
        {"kind": "software", "title": "Evil", "landing_url": bad})
    assert page.status_code == 302
    assert not onboarding["project"].outputs.filter(title="Evil").exists()


def test_language_keys_are_checked_and_a_bad_stored_one_breaks_nothing(users: dict[str, Any]) -> None:
    from cchub.glossary.demo import load_glossary

    load_glossary()
    api = Api(token_for(users["registered"]))
    answer = api.send("post", "/api/v1/glossary/terms", {
        "pref_label": "Zebra", "definition": "made up", "translations": {"not a tag!": {"pref_label": "x"}}})
    assert answer.status_code == 400 and "language tag" in answer.json()["detail"]
    answer = api.send("post", "/api/v1/glossary/terms", {
        "pref_label": "Zebra", "definition": "made up", "translations": {"pt-BR": {"pref_label": "Zebra"}}})
    assert answer.status_code == 201
    # A key stored before the check (or by hand) leaves every export whole.
    approved = Term.objects.filter(status=Term.APPROVED).first()
    assert approved is not None
    Term.objects.filter(pk=approved.pk).update(translations={"not a tag!": {"pref_label": "x"},
                                                              "fr": {"pref_label": "Terme"}})
    Term.objects.filter(pk=approved.pk).update(source_url="javascript:alert(1)")
    for url in ("/catalog", "/catalog?format=ttl", "/glossary/skos.ttl", "/glossary/skos.rdf",
                "/api/v1/glossary/skos", f"/glossary/{approved.slug}?format=ttl",
                f"/glossary/{approved.slug}"):
        response = Client().get(url, follow=True)
        assert response.status_code == 200, url
        assert b"javascript:alert" not in response.content, url


def test_dates_of_feeds_are_still_read(users: dict[str, Any]) -> None:
    """The stricter checks leave good records alone."""
    report = ingest.write([{"kind": "event", "title": "Good feed", "line": 1,
                            "start": (dt.datetime(2027, 2, 1, 9, 0)).isoformat(),
                            "registration_url": "https://example.org/register"}],
                          Centre.objects.get(slug="kit"))
    assert report.ok and report.added


def test_record_text_never_breaks_out_of_the_embedded_json_ld(admin_user: Any) -> None:
    """The review's L2: ``<!--<script>`` in a description put the HTML parser into the
    script's double-escaped state and blanked the page."""
    import json
    import re

    from cchub.records.writes import apply

    hostile = "Before <!--<script> and </script><b>after</b> & more"
    apply(Centre.objects.get(slug="escape-vo"), {"description": hostile}, admin_user, partial=True)
    page = Client().get("/centres/escape-vo/").content.decode()
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert blocks and all("<" not in block and "&" not in block for block in blocks)
    assert json.loads(blocks[0])["description"].startswith("Before <!--<script>")
    assert page.rstrip().endswith("</html>") and "Services" in page.split("</script>", 2)[-1]
