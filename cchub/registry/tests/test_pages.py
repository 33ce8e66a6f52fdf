from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cchub.records.writes import apply
from cchub.registry.models import Centre, ContactPoint, ImportJob
from cchub.testing.helpers import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.demo]

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
       b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")


def login(role_user: Any) -> Client:
    client = Client()
    client.login(username=role_user.username, password=PASSWORD)
    return client


@pytest.mark.parametrize("path", [
    "/", "/centres/", "/centres/?cluster=escape&kind=ri-wg", "/centres/escape-cc/",
    "/centres/escape-cc/history/", "/services/", "/services/?category=compute&cluster=escape",
    "/services/reana/", "/clusters/escape/", "/organisations/kit/", "/vocabularies/",
    "/vocabularies/competences/", "/vocabularies/competences/ivoa-tap-adql/",
    "/vocabularies/trl/trl-9/", "/releases/", "/changes/", "/accounts/login/",
])
def test_public_pages_render(path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html and 'lang="en"' in html and "cdn" not in html.lower()


def test_unknown_pages_are_404() -> None:
    client = Client()
    for path in ("/centres/nope/", "/services/nope/", "/vocabularies/competences/nope/",
                 "/releases/none/", "/clusters/none/"):
        assert client.get(path).status_code == 404


def test_home_counts() -> None:
    html = Client().get("/").content.decode()
    public = Centre.objects.public().count()
    assert f"<strong>{public}</strong> centres" in html
    assert re.search(r'href="/centres/\?cluster=escape">9 centres', html)


def facet_counts(html: str, name: str) -> dict[str, int]:
    pattern = rf'name="{name}" value="([^"]+)"[^>]*> [^<]+<span class="count">(\d+)</span>'
    return {value: int(n) for value, n in re.findall(pattern, html)}


def test_centre_list_facets_are_counted_without_their_own_selection() -> None:
    html = Client().get("/centres/?cluster=escape&kind=ri-wg").content.decode()
    assert "<strong>6</strong> centres match" in html
    # Cluster counts ignore the cluster selection but keep kind=ri-wg: all 6 WGs are ESCAPE's.
    assert facet_counts(html, "cluster") == {"escape": 6}
    # Kind counts ignore the kind selection but keep cluster=escape (hand-counted: 9 centres).
    assert facet_counts(html, "kind") == {"cluster": 1, "thematic": 1, "institutional": 1, "ri-wg": 6}
    both = Client().get("/centres/?cluster=escape&cluster=sshoc").content.decode()
    assert "<strong>11</strong> centres match" in both


def test_htmx_request_returns_only_results_and_facets() -> None:
    response = Client().get("/centres/?country=IT", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and 'hx-swap-oob="true"' in html
    assert "<strong>3</strong> centres" in html


def test_centre_page_groups_competences_and_hides_private_email(users: dict[str, Any]) -> None:
    apply(ContactPoint(), {"centre": "escape-vo", "name": "Private person",
                           "email": "private@example.org"}, users["admin"])
    anonymous = Client().get("/centres/escape-vo/").content.decode()
    assert "Domain data access standards" in anonymous and "Table Access Protocol and ADQL" in anonymous
    assert "Private person" in anonymous and "private@example.org" not in anonymous
    curator = login(users["curator_a"]).get("/centres/escape-vo/").content.decode()
    assert "private@example.org" in curator and "Edit centre" in curator
    other = login(users["curator_b"]).get("/centres/escape-vo/").content.decode()
    assert "private@example.org" not in other and "Edit centre" not in other


def test_competence_page_lists_centres_by_level() -> None:
    html = Client().get("/vocabularies/competences/dmp/").content.decode()
    assert "Expert consultancy" in html and "KIT" in html and "UEDIN" in html
    assert "terms4FAIRskills" in html


def test_curator_edits_with_form_errors_then_success(users: dict[str, Any]) -> None:
    client = login(users["curator_a"])
    form = client.get("/centres/escape-vo/edit/").content.decode()
    assert 'name="acronym"' in form and "csrfmiddlewaretoken" in form
    data = {"acronym": "ESCAPE-VO", "name": "ESCAPE Virtual Observatory", "kind": "ri-wg",
            "status": "member", "countries": "EU, FR, XX", "languages": "en", "clusters": ["escape"]}
    bad = client.post("/centres/escape-vo/edit/", data)
    assert bad.status_code == 200 and "Unknown country code(s): XX" in bad.content.decode()
    data["countries"] = "EU, FR, DE"
    data["logo"] = SimpleUploadedFile("logo.png", PNG, content_type="image/png")
    ok = client.post("/centres/escape-vo/edit/", data)
    assert ok.status_code == 302
    centre = Centre.objects.get(slug="escape-vo")
    assert centre.countries == ["DE", "EU", "FR"] and centre.logo.name.endswith(".png")
    logo = Client().get(centre.logo.url)
    assert logo.status_code == 200 and logo["Content-Type"] == "image/png"


def test_logo_that_is_not_an_image_is_refused(users: dict[str, Any]) -> None:
    client = login(users["admin"])
    data = {"acronym": "KIT", "name": "KIT", "kind": "institutional", "status": "member",
            "logo": SimpleUploadedFile("x.png", b"<svg onload=alert(1)>", content_type="image/png")}
    response = client.post("/centres/kit/edit/", data)
    assert response.status_code == 200 and "must be a PNG" in response.content.decode()
    assert not Centre.objects.get(slug="kit").logo


def test_propose_approve_flow(users: dict[str, Any]) -> None:
    user = login(users["registered"])
    response = user.post("/centres/propose/", {"acronym": "FR-OSC", "name": "French centre",
                                                "kind": "national", "status": "candidate",
                                                "countries": "FR", "languages": "fr"})
    assert response.status_code == 302
    centre = Centre.objects.get(acronym="FR-OSC")
    assert centre.review_state == "pending"
    assert Client().get("/centres/fr-osc/").status_code == 404
    assert user.get("/centres/fr-osc/").status_code == 200
    assert "FR-OSC" not in Client().get("/centres/").content.decode()
    admin = login(users["admin"])
    assert "FR-OSC" in admin.get("/centres/pending/").content.decode()
    decided = admin.post("/centres/fr-osc/decide/", {"decision": "approve", "note": "MoU received"})
    assert decided.status_code == 302
    centre.refresh_from_db()
    assert centre.review_state == "approved" and centre.decided_by == users["admin"]
    assert centre.decision_note == "MoU received"
    history = Client().get("/centres/fr-osc/history/").content.decode()
    assert "approved" in history and "MoU received" not in history  # the decider's note is private
    assert "MoU received" in admin.get("/centres/fr-osc/history/").content.decode()


def test_service_form_limits_curators_to_their_centres(users: dict[str, Any]) -> None:
    client = login(users["curator_a"])
    page = client.get("/services/new/").content.decode()
    assert 'value="escape-vo"' in page and 'value="kit"' not in page
    response = client.post("/services/new/", {"name": "VO registry", "centres": ["escape-vo"],
                                               "categories": ["discovery"], "standards": "RegTAP"})
    assert response.status_code == 302
    refused = client.post("/services/new/", {"name": "Sneaky", "centres": ["kit"]})
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()


def test_import_page_runs_a_background_job(users: dict[str, Any],
                                           django_capture_on_commit_callbacks: Any) -> None:
    client = login(users["admin"])
    upload = SimpleUploadedFile("survey.csv", b"acronym,name,kind\nX-CC,X centre,martian\n")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/import/", {"file": upload, "dry_run": "on"})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.state == "done" and not job.report["ok"]
    page = client.get(job.get_absolute_url()).content.decode()
    assert "line 2, column C" in page and "kind" in page
    upload = SimpleUploadedFile("survey.csv", b"acronym,name,kind\nX-CC,X centre,national\n")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/import/", {"file": upload})
    assert Centre.objects.filter(acronym="X-CC").exists()


def test_api_token_page(users: dict[str, Any]) -> None:
    client = login(users["curator_a"])
    page = client.post("/accounts/", {"name": "sync"}).content.decode()
    assert 'href="/centres/escape-vo/">ESCAPE-VO</a>' in page  # the centre this person curates
    token = re.search(r'<code class="token">(cch_[^<]+)</code>', page)
    assert token
    api = Client().get("/api/v1/centres/kit", headers={"Authorization": f"Bearer {token.group(1)}"})
    assert api.status_code == 200


def test_public_export_hides_private_data(users: dict[str, Any]) -> None:
    apply(ContactPoint(), {"centre": "kit", "name": "P", "email": "p@example.org"}, users["admin"])
    apply(Centre(), {"acronym": "HIDDEN", "name": "Pending", "kind": "national",
                     "review_state": "pending"}, users["admin"])
    body = Client().get("/export/registry.json").content.decode()
    assert "p@example.org" not in body and "HIDDEN" not in body
    admin_body = login(users["admin"]).get("/export/registry.json").content.decode()
    assert "p@example.org" in admin_body and "HIDDEN" in admin_body


def test_competence_areas_include_every_level_below_them(users: dict[str, Any]) -> None:
    # A centre whose only offer is three levels down (domain standards › VO › TAP/ADQL).
    centre = apply(Centre(), {"acronym": "TAP-ONLY", "name": "TAP only", "kind": "thematic",
                              "countries": ["MT"]}, users["admin"])
    from cchub.registry.models import CompetenceOffer
    apply(CompetenceOffer(), {"centre": centre.slug, "competence": "ivoa-tap-adql",
                              "level": "training"}, users["admin"])
    html = Client().get("/centres/?country=MT&competence=domain-standards").content.decode()
    assert "<strong>1</strong> centre match" in html and "TAP-ONLY" in html
    assert facet_counts(html, "competence") == {"domain-standards": 1}
    api = Client().get("/api/v1/centres?competence=domain-standards&country=MT").json()
    assert [c["acronym"] for c in api["results"]] == ["TAP-ONLY"]
    area = Client().get("/vocabularies/competences/domain-standards/").content.decode()
    assert "TAP-ONLY" in area
    page = Client().get("/centres/tap-only/").content.decode()
    assert "Domain data access standards" in page
