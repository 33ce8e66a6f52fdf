from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cchub.cli import main as cli
from cchub.history.models import Change
from cchub.records.writes import apply, delete
from cchub.registry.models import Centre, ContactPoint, Release
from cchub.registry.releases import ReleaseError, compare, publish_release
from cchub.testing import factories
from cchub.testing.helpers import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def network(db: Any) -> None:
    """KIT; UT, a member; ESCAPE-CS with two offers and a contact; the ESCAPE Competence
    Centre's public address."""
    factories.centre("KIT", description="Research data management at KIT.")
    factories.centre("UT", status="member", countries=["EE"])
    cs = factories.centre("ESCAPE-CS", clusters=("escape",), offers={"dmp": "expert", "hpc": "referral"})
    apply(ContactPoint(), {"centre": cs.slug, "name": "Science desk"}, None)
    cc = factories.centre("ESCAPE-CC", clusters=("escape",))
    apply(ContactPoint(), {"centre": cc.slug, "name": "ESCAPE Competence Centre",
                           "email": "competence.centre@projectescape.eu", "email_public": True}, None)


def test_update_records_who_what_when_with_a_readable_diff(admin_user: Any) -> None:
    centre = Centre.objects.get(slug="kit")
    old = centre.description
    apply(centre, {"description": old + "\n\nNew paragraph.", "languages": ["de", "en", "fr"]},
          admin_user, partial=True, note="test")
    change = Change.objects.filter(object_id=str(centre.pk), action="update").get()
    assert change.user == admin_user and change.note == "test"
    assert set(change.changes) == {"description", "languages"}
    rows = {r["field"]: r for r in change.field_diffs()}
    assert any(line.startswith("+New paragraph") for line in rows["description"]["lines"])
    assert rows["languages"]["new"] == ["de", "en", "fr"]


def test_saving_without_change_records_nothing(admin_user: Any) -> None:
    centre = Centre.objects.get(slug="kit")
    n = Change.objects.count()
    apply(centre, {"name": centre.name}, admin_user, partial=True)
    assert Change.objects.count() == n


def test_offer_and_contact_changes_appear_in_the_centre_history(admin_user: Any) -> None:
    contact = apply(ContactPoint(), {"centre": "kit", "name": "RDM desk"}, admin_user)
    delete(contact, admin_user)
    client = Client()
    page = client.get("/centres/kit/history/").content.decode()
    assert "RDM desk" in page and "deleted" in page and "created" in page


def test_history_page_shows_the_diff(admin_user: Any) -> None:
    apply(Centre.objects.get(slug="ut"), {"status": "observer"}, admin_user, partial=True)
    page = Client().get("/centres/ut/history/").content.decode()
    assert "observer" in page and "member" in page and "root" in page


def test_release_is_frozen_downloadable_and_compared(admin_user: Any) -> None:
    first = publish_release("2026.1", "Registry created", "", admin_user)
    assert first.counts["centres"] == Centre.objects.count()
    apply(Centre(), {"acronym": "LATE", "name": "Late centre", "kind": "national"}, admin_user)
    apply(Centre.objects.get(slug="ut"), {"website": "https://www.ut.ee/"}, admin_user, partial=True)
    second = publish_release("2026.2", "Registry updated", "More centres", admin_user)
    diff = compare(first.snapshot, second.snapshot)
    assert diff["centres"]["added"] == ["late"]
    assert diff["centres"]["changed"] == ["ut"]
    first.refresh_from_db()
    assert "late" not in {c["slug"] for c in first.snapshot["centres"]}
    client = Client()
    download = client.get("/releases/2026.1.json")
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    assert download.json()["release"]["version"] == "2026.1"
    page = client.get("/releases/2026.2/").content.decode()
    assert "Added (1)" in page and "late" in page


def test_release_hides_private_addresses(admin_user: Any) -> None:
    apply(ContactPoint(), {"centre": "kit", "name": "Private person", "email": "p@example.org"}, admin_user)
    release = publish_release("r1", "Snapshot", "", admin_user)
    emails = {c["name"]: c["email"] for c in release.snapshot["contacts"]}
    assert emails["Private person"] == ""
    assert emails["ESCAPE Competence Centre"] == "competence.centre@projectescape.eu"


@pytest.mark.parametrize("version,title", [("", "x"), ("bad version!", "x"), ("2026.9", "")])
def test_release_input_is_checked(admin_user: Any, version: str, title: str) -> None:
    with pytest.raises(ReleaseError):
        publish_release(version, title, "", admin_user)


def test_duplicate_version_is_refused(admin_user: Any) -> None:
    publish_release("v1", "One", "", admin_user)
    with pytest.raises(ReleaseError, match="already exists"):
        publish_release("v1", "Again", "", admin_user)
    assert Release.objects.count() == 1


def test_release_page_form_for_admins_only(admin_user: Any, users: dict[str, Any]) -> None:
    client = Client()
    client.login(username="vo-curator", password=PASSWORD)
    assert client.post("/releases/", {"version": "x", "title": "y"}).status_code == 403
    client.login(username="root", password=PASSWORD)
    response = client.post("/releases/", {"version": "2026.3", "title": "Registry updated"})
    assert response.status_code == 302 and Release.objects.filter(version="2026.3").exists()
    again = client.post("/releases/", {"version": "2026.3", "title": "Again"})
    assert again.status_code == 200 and b"already exists" in again.content


def test_cli_release(capsys: Any) -> None:
    assert cli(["release", "2027.1", "--title", "Registry updated"]) == 0
    assert cli(["release", "2027.1", "--title", "Registry updated"]) == 2
    assert "already exists" in capsys.readouterr().err


def test_deleting_a_centre_records_its_offers_and_contacts(admin_user: Any) -> None:
    centre = Centre.objects.get(slug="escape-cs")
    n_offers, n_contacts, pk = centre.offers.count(), centre.contacts.count(), centre.pk
    delete(centre, admin_user, note="closed")
    deleted = Change.objects.filter(action="delete", note="closed")
    assert deleted.count() == 1 + n_offers + n_contacts
    assert deleted.filter(centre_id=pk).count() == 1 + n_offers + n_contacts
