"""Who may do what: every role against every write, over the API and the pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from cchub.records import watch
from cchub.registry.models import Centre, CompetenceOffer
from cchub.testing import factories
from cchub.testing.helpers import PASSWORD, Api

pytestmark = pytest.mark.django_db

A, B = "escape-vo", "kit"  # curator_a curates A, curator_b curates B


@pytest.fixture(autouse=True)
def two_centres(db: Any) -> None:
    """A and B with an offer each, and a service of A's (the cluster ESCAPE with A)."""
    with watch.batch():
        a, b = factories.centre_named(A), factories.centre_named(B)
        factories.offer(a, "dmp", "expert")
        factories.offer(b, "data-deposit", "hands-on")
        factories.service("VO tutorials", centres=(a,))


def etag(api: Api, path: str) -> dict[str, str]:
    return {"If-Match": Api().get(path)["ETag"]}


def offer_id(slug: str) -> int:
    return CompetenceOffer.objects.filter(centre__slug=slug).order_by("pk").first().pk  # type: ignore[union-attr]


ACTIONS: dict[str, Callable[[Api], Any]] = {
    "change centre A": lambda api: api.send(
        "patch", f"/api/v1/centres/{A}", {"website": "https://a.example.org/"},
        headers=etag(api, f"/api/v1/centres/{A}")),
    "change centre B": lambda api: api.send(
        "patch", f"/api/v1/centres/{B}", {"website": "https://b.example.org/"},
        headers=etag(api, f"/api/v1/centres/{B}")),
    "delete centre A": lambda api: api.send(
        "delete", f"/api/v1/centres/{A}", headers=etag(api, f"/api/v1/centres/{A}")),
    "add offer to A": lambda api: api.send(
        "post", "/api/v1/offers", {"centre": A, "competence": "hpc", "level": "referral"}),
    "change offer of A": lambda api: api.send(
        "patch", f"/api/v1/offers/{offer_id(A)}", {"evidence_note": "see the VO forum"},
        headers=etag(api, f"/api/v1/offers/{offer_id(A)}")),
    "move offer of A to B": lambda api: api.send(
        "patch", f"/api/v1/offers/{offer_id(A)}", {"centre": B},
        headers=etag(api, f"/api/v1/offers/{offer_id(A)}")),
    "delete offer of B": lambda api: api.send(
        "delete", f"/api/v1/offers/{offer_id(B)}", headers=etag(api, f"/api/v1/offers/{offer_id(B)}")),
    "add contact to B": lambda api: api.send(
        "post", "/api/v1/contacts", {"centre": B, "name": "RDM team", "role": "Helpdesk"}),
    "add service to A": lambda api: api.send(
        "post", "/api/v1/services", {"name": "VO registry browser", "centres": [A]}),
    "change service of A": lambda api: api.send(
        "patch", "/api/v1/services/vo-tutorials", {"tagline": "Learn the VO"},
        headers=etag(api, "/api/v1/services/vo-tutorials")),
    "attach service of A to B": lambda api: api.send(
        "patch", "/api/v1/services/vo-tutorials", {"centres": [A, B]},
        headers=etag(api, "/api/v1/services/vo-tutorials")),
    "change cluster": lambda api: api.send(
        "patch", "/api/v1/clusters/escape", {"domain": "Astro"},
        headers=etag(api, "/api/v1/clusters/escape")),
    "add competence": lambda api: api.send(
        "post", "/api/v1/competences", {"notation": "new-one", "pref_label": "New one"}),
    "add organisation": lambda api: api.send(
        "post", "/api/v1/organisations", {"name": "Observatoire", "country": "FR"}),
    "propose centre": lambda api: api.send(
        "post", "/api/v1/centres", {"acronym": "NEWCC", "name": "New CC", "kind": "national"}),
}

Y, N = True, False
#                              anonymous registered curator_a curator_b admin
EXPECTED: dict[str, tuple[bool, bool, bool, bool, bool]] = {
    "change centre A":          (N, N, Y, N, Y),
    "change centre B":          (N, N, N, Y, Y),
    "delete centre A":          (N, N, N, N, Y),
    "add offer to A":           (N, N, Y, N, Y),
    "change offer of A":        (N, N, Y, N, Y),
    "move offer of A to B":     (N, N, N, N, Y),
    "delete offer of B":        (N, N, N, Y, Y),
    "add contact to B":         (N, N, N, Y, Y),
    "add service to A":         (N, N, Y, N, Y),
    "change service of A":      (N, N, Y, N, Y),
    "attach service of A to B": (N, N, N, N, Y),
    "change cluster":           (N, N, N, N, Y),
    "add competence":           (N, N, N, N, Y),
    "add organisation":         (N, N, Y, Y, Y),
    "propose centre":           (N, Y, Y, Y, Y),
}
ROLES = ["anonymous", "registered", "curator_a", "curator_b", "admin"]
CASES = [(action, role, allowed) for action, row in EXPECTED.items()
         for role, allowed in zip(ROLES, row, strict=True)]


@pytest.mark.parametrize("action,role,allowed", CASES, ids=[f"{a}|{r}" for a, r, _ in CASES])
def test_api_permissions(api_for: Any, action: str, role: str, allowed: bool) -> None:
    response = ACTIONS[action](api_for(role))
    if allowed:
        assert response.status_code in (200, 201, 204), response.content
    else:
        assert response.status_code == (401 if role == "anonymous" else 403), response.content
        assert response.json()["detail"]


def test_denied_write_leaves_the_record_unchanged(api_for: Any) -> None:
    before = Centre.objects.get(slug=B).as_record()
    ACTIONS["change centre B"](api_for("curator_a"))
    assert Centre.objects.get(slug=B).as_record() == before


@pytest.mark.parametrize("role,status", [
    ("anonymous", 302), ("registered", 403), ("curator_a", 200), ("curator_b", 403), ("admin", 200)])
def test_edit_page_permissions(users: dict[str, Any], role: str, status: int) -> None:
    client = Client()
    if users[role] is not None:
        client.login(username=users[role].username, password=PASSWORD)
    assert client.get(f"/centres/{A}/edit/").status_code == status
    assert client.get(f"/centres/{A}/offers/add/").status_code == status


@pytest.mark.parametrize("role,status", [("registered", 403), ("curator_b", 403), ("admin", 302)])
def test_curator_cannot_post_to_another_centre_form(users: dict[str, Any], role: str, status: int) -> None:
    client = Client()
    client.login(username=users[role].username, password=PASSWORD)
    offer = offer_id(A)
    response = client.post(f"/centres/{A}/offers/{offer}/", {"delete": "1"})
    assert response.status_code == status
    assert CompetenceOffer.objects.filter(pk=offer).exists() == (status != 302)


@pytest.mark.parametrize("path", ["/centres/pending/", "/import/", "/admin/registry/centre/"])
def test_admin_pages_are_closed_to_curators(users: dict[str, Any], path: str) -> None:
    client = Client()
    client.login(username="vo-curator", password=PASSWORD)
    assert client.get(path).status_code in (302, 403)
    client.login(username="root", password=PASSWORD)
    assert client.get(path).status_code == 200
