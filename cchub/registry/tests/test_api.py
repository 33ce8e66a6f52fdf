from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cchub.history.models import Change
from cchub.registry.models import Centre
from cchub.testing.helpers import Api

pytestmark = [pytest.mark.django_db, pytest.mark.demo]


def test_list_is_paginated_and_filtered() -> None:
    api = Api()
    body = api.get("/api/v1/centres?cluster=escape&page_size=4").json()
    assert body["count"] == 9
    assert len(body["results"]) == 4
    assert body["next"] and "page=2" in body["next"]
    assert body["previous"] is None
    kinds = {c["kind"] for c in api.get("/api/v1/centres?cluster=escape&kind=ri-wg").json()["results"]}
    assert kinds == {"ri-wg"}
    italy = api.get("/api/v1/centres?country=it").json()
    assert {c["acronym"] for c in italy["results"]} == {"GARR", "CNR", "INFN"}
    dmp = api.get("/api/v1/centres?competence=planning&page_size=200").json()
    assert "KIT" in {c["acronym"] for c in dmp["results"]}


def test_detail_has_etag_and_answers_304() -> None:
    api = Api()
    response = api.get("/api/v1/centres/escape-cc")
    assert response.status_code == 200
    etag = response["ETag"]
    body = response.json()
    assert body["acronym"] == "ESCAPE-CC"
    assert body["helpdesk_email"] == "competence.centre@projectescape.eu"
    assert api.get(f"/api/v1/centres/{body['id']}").json()["slug"] == "escape-cc"
    again = api.get("/api/v1/centres/escape-cc", headers={"If-None-Match": etag})
    assert again.status_code == 304
    listing = api.get("/api/v1/services")
    assert listing.status_code == 200 and listing["ETag"].startswith('W/"')
    assert api.get("/api/v1/services", headers={"If-None-Match": listing["ETag"]}).status_code == 304


def test_private_email_hidden_from_anonymous_readers(api_for: Any) -> None:
    admin = api_for("admin")
    created = admin.send("post", "/api/v1/contacts", {
        "centre": "escape-vo", "name": "Data steward", "email": "steward@example.org"})
    assert created.status_code == 201, created.json()
    cid = created.json()["id"]
    assert Api().get(f"/api/v1/contacts/{cid}").json()["email"] == ""
    assert api_for("curator_a").get(f"/api/v1/contacts/{cid}").json()["email"] == "steward@example.org"
    assert api_for("curator_b").get(f"/api/v1/contacts/{cid}").json()["email"] == ""


def test_admin_creates_updates_and_deletes_with_history(api_for: Any) -> None:
    admin = api_for("admin")
    created = admin.send("post", "/api/v1/centres", {
        "acronym": "NFDI-CC", "name": "A German national centre", "kind": "national",
        "countries": ["de"], "languages": ["de", "en"], "clusters": ["escape"],
        "description": "Hello <script>x</script>"})
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["review_state"] == "approved" and body["countries"] == ["DE"]
    etag = created["ETag"]
    changed = admin.send("patch", f"/api/v1/centres/{body['id']}", {"status": "member"},
                         headers={"If-Match": etag})
    assert changed.status_code == 200, changed.json()
    assert changed.json()["status"] == "member" and changed["ETag"] != etag
    change = Change.objects.filter(object_id=str(body["id"]), action="update").get()
    assert change.changes["status"] == ["candidate", "member"]
    assert change.user is not None and change.user.username == "root"
    deleted = admin.send("delete", f"/api/v1/centres/{body['id']}",
                         headers={"If-Match": changed["ETag"]})
    assert deleted.status_code == 204
    assert Change.objects.filter(object_id=str(body["id"]), action="delete").exists()
    assert admin.get(f"/api/v1/centres/{body['id']}").status_code == 404


def test_registered_user_proposal_is_pending(api_for: Any) -> None:
    user = api_for("registered")
    created = user.send("post", "/api/v1/centres",
                        {"acronym": "PROP", "name": "Proposed", "kind": "thematic"})
    assert created.status_code == 201
    assert created.json()["review_state"] == "pending"
    assert Centre.objects.get(acronym="PROP").proposed_by.username == "reader"
    assert Api().get("/api/v1/centres/prop").status_code == 404
    assert "PROP" not in {c["acronym"] for c in Api().get("/api/v1/centres?page_size=200").json()["results"]}
    assert user.get("/api/v1/centres/prop").status_code == 200


def test_stale_write_gets_412_and_changes_nothing(api_for: Any) -> None:
    alice, bob = api_for("admin"), api_for("curator_a")
    etag = alice.get("/api/v1/centres/escape-vo")["ETag"]
    assert bob.get("/api/v1/centres/escape-vo")["ETag"] == etag
    first = alice.send("patch", "/api/v1/centres/escape-vo", {"website": "https://vo.example.org/"},
                       headers={"If-Match": etag})
    assert first.status_code == 200
    second = bob.send("patch", "/api/v1/centres/escape-vo", {"website": "https://other.example.org/"},
                      headers={"If-Match": etag})
    assert second.status_code == 412
    assert "changed since you read it" in second.json()["detail"]
    assert Centre.objects.get(slug="escape-vo").website == "https://vo.example.org/"


def test_update_without_if_match_is_refused(api_for: Any) -> None:
    response = api_for("admin").send("patch", "/api/v1/centres/kit", {"status": "observer"})
    assert response.status_code == 428
    assert Centre.objects.get(slug="kit").status == "member"


@pytest.mark.parametrize("raw,status,field", [
    ('{"acronym": "A", ', 400, None),
    ('{"acronym": 5, "name": "x", "kind": "national"}', 422, "acronym"),
    ('{"acronym": "A", "name": "x", "kind": "national", "countries": "IT"}', 422, "countries"),
    ('{"acronym": "A", "name": "x", "kind": "national", "colour": "red"}', 422, "colour"),
    ('{"acronym": "A", "name": "x", "kind": "martian"}', 422, "kind"),
    ('{"acronym": "A", "name": "x", "kind": "national", "hosts": ["nowhere"]}', 422, "hosts"),
    ('{"acronym": "A", "name": "x", "kind": "national", "mou_date": "yesterday"}', 422, "mou_date"),
    ('{"acronym": "", "name": "", "kind": "national"}', 422, "acronym"),
    ('[1, 2]', 422, None),
])
def test_bad_input_gets_a_clear_4xx(api_for: Any, raw: str, status: int, field: str | None) -> None:
    before = Centre.objects.count()
    response = api_for("admin").send("post", "/api/v1/centres", raw=raw)
    assert response.status_code == status, response.content
    body = response.json()
    assert body["detail"]
    if field:
        assert field in {e["field"] for e in body["errors"]}, body
    assert Centre.objects.count() == before


def test_unknown_ids_and_endpoints_are_404_json(api_for: Any) -> None:
    api = api_for("admin")
    for path in ("/api/v1/centres/999999", "/api/v1/centres/no-such", "/api/v1/offers/abc",
                 "/api/v1/nothing-here"):
        response = api.get(path)
        assert response.status_code == 404 and response.json()["detail"], path
    response = api.send("patch", "/api/v1/contacts/999999", {"name": "x"}, headers={"If-Match": "*"})
    assert response.status_code == 404


def test_bad_pagination_is_400() -> None:
    assert Api().get("/api/v1/centres?page=0").status_code == 400
    assert Api().get("/api/v1/centres?page_size=100000").status_code == 400
    assert Api().get("/api/v1/centres?page=abc").status_code == 422


def test_oversized_body_is_413(api_for: Any, settings: Any) -> None:
    settings.MAX_UPLOAD_BYTES = 1000
    response = api_for("admin").send("post", "/api/v1/centres", {"description": "x" * 5000})
    assert response.status_code == 413
    assert "limit" in response.json()["detail"]


def test_writes_need_a_valid_token() -> None:
    assert Api().send("post", "/api/v1/clusters", {"acronym": "X"}).status_code == 401
    bad = Api("cch_not-a-real-token").send("post", "/api/v1/clusters", {"acronym": "X"})
    assert bad.status_code == 401 and bad.json()["detail"]


def test_delete_of_a_referenced_concept_is_409(api_for: Any) -> None:
    api = api_for("admin")
    etag = api.get("/api/v1/competences/dmp")["ETag"]
    response = api.send("delete", "/api/v1/competences/dmp", headers={"If-Match": etag})
    assert response.status_code == 409
    assert "referenced" in response.json()["errors"][0]["message"]


def test_competences_and_offers_crud(api_for: Any) -> None:
    api = api_for("admin")
    made = api.send("post", "/api/v1/competences", {
        "notation": "gw-follow-up", "pref_label": "Gravitational-wave follow-up",
        "broader": "domain-standards", "alt_labels": ["GW follow-up"], "source": "cchub"})
    assert made.status_code == 201, made.json()
    assert made.json()["broader"] == "domain-standards"
    offer = api.send("post", "/api/v1/offers", {"centre": "escape-vo", "competence": "gw-follow-up",
                                                 "level": "training"})
    assert offer.status_code == 201, offer.json()
    dup = api.send("post", "/api/v1/offers", {"centre": "escape-vo", "competence": "gw-follow-up",
                                               "level": "training"})
    assert dup.status_code == 422
    assert Api().get("/api/v1/offers?competence=gw-follow-up").json()["count"] == 1


def test_openapi_and_docs_are_served() -> None:
    client = Client()
    spec = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/centres", "/api/v1/centres/{ref}", "/api/v1/services", "/api/v1/offers",
                 "/api/v1/contacts", "/api/v1/organisations", "/api/v1/clusters",
                 "/api/v1/competences"):
        assert path in spec["paths"], path
    assert {"get", "put", "patch", "delete"} <= set(spec["paths"]["/api/v1/centres/{ref}"])
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and b"/static/ninja/" in docs.content


def test_slug_is_stable(api_for: Any) -> None:
    api = api_for("admin")
    etag = api.get("/api/v1/centres/kit")["ETag"]
    response = api.send("patch", "/api/v1/centres/kit", {"slug": "kit-new", "acronym": "KIT2"},
                        headers={"If-Match": etag})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "slug"
    same = api.send("patch", "/api/v1/centres/kit", {"slug": "kit", "acronym": "KIT2"},
                    headers={"If-Match": etag})
    assert same.status_code == 200 and same.json()["slug"] == "kit" and same.json()["acronym"] == "KIT2"
