"""Asking and answering through the API, and the OpenAPI document."""

from __future__ import annotations

from typing import Any

import pytest

from cchub.support.models import Ticket
from cchub.testing.helpers import Api, token_for

pytestmark = pytest.mark.django_db

ADQL = {"subject": "Querying Gaia with ADQL through TAP", "body": "How do I select nearby stars?"}


def test_signed_in_question_is_routed(desk: dict[str, Any]) -> None:
    api = Api(token_for(desk["researcher"]))
    response = api.send("post", "/api/v1/support/tickets", {**ADQL, "priority": "urgent", "country": "FR"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["centre"]["acronym"] == "ESCAPE-VO" and body["priority"] == "urgent"
    assert body["confirmation_needed"] is False
    detail = api.get(f"/api/v1/support/tickets/{body['id']}").json()
    assert detail["country"] == "FR" and detail["timeline"][0]["kind"] == "created"


def test_guest_question_needs_the_address_confirmed(db: Any) -> None:
    response = Api().send("post", "/api/v1/support/tickets", {**ADQL, "email": "guest@example.org"})
    assert response.status_code == 201
    assert response.json()["confirmation_needed"] is True and "centre" not in response.json()
    ticket = Ticket.objects.get()
    assert ticket.centre is None and not ticket.confirmed


@pytest.mark.parametrize(
    "body,field",
    [
        ({**ADQL}, "email"),  # a guest must give an address
        ({**ADQL, "email": "guest@example.org", "priority": "asap"}, "priority"),
        ({"subject": "", "body": "x", "email": "guest@example.org"}, "subject"),
        ({**ADQL, "email": "guest@example.org", "attachments": []}, "attachments"),
    ],
)
def test_bad_questions_are_422_and_write_nothing(db: Any, body: dict[str, Any], field: str) -> None:
    response = Api().send("post", "/api/v1/support/tickets", body)
    assert response.status_code in (400, 422), response.content
    assert field in {e["field"] for e in response.json()["errors"]}
    assert Ticket.objects.count() == 0


def test_replies_and_state_over_the_api(desk: dict[str, Any]) -> None:
    requester, supporter = Api(token_for(desk["researcher"])), Api(token_for(desk["vo"]))
    pk = requester.send("post", "/api/v1/support/tickets", ADQL).json()["id"]
    response = supporter.send(
        "post", f"/api/v1/support/tickets/{pk}/replies", {"body": "Which data release?", "state": "waiting"}
    )
    assert response.status_code == 200 and response.json()["state"] == "waiting"
    assert (
        requester.send("post", f"/api/v1/support/tickets/{pk}/replies", {"body": "DR3"}).json()["state"]
        == "in-progress"
    )
    bad = supporter.send("post", f"/api/v1/support/tickets/{pk}/state", {"state": "new"})
    assert bad.status_code == 409 and bad.json()["errors"][0]["field"] == "state"
    assert (
        supporter.send("post", f"/api/v1/support/tickets/{pk}/state", {"state": "solved"}).status_code == 200
    )
    assert (
        requester.send("post", f"/api/v1/support/tickets/{pk}/state", {"state": "in-progress"}).status_code
        == 200
    )
    unknown = supporter.send(
        "post", f"/api/v1/support/tickets/{pk}/transfer", {"centre": "nope", "reason": "x"}
    )
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "centre"
    assert requester.get("/api/v1/support/tickets/999999").status_code == 404


def test_openapi_documents_the_helpdesk(db: Any) -> None:
    paths = Api().get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/support/route",
        "/api/v1/support/tickets",
        "/api/v1/support/tickets/{pk}/transfer",
        "/api/v1/support/articles",
        "/api/v1/support/suggest",
    ):
        assert path in paths


def test_desk_tools_over_the_api(desk: dict[str, Any]) -> None:
    researcher, vo = Api(token_for(desk["researcher"])), Api(token_for(desk["vo"]))
    first = researcher.send("post", "/api/v1/support/tickets", ADQL).json()["id"]
    again = {**ADQL, "subject": "ADQL again"}
    second = researcher.send("post", "/api/v1/support/tickets", again).json()["id"]
    tagged = vo.send("post", f"/api/v1/support/tickets/{first}/tags", {"tags": ["gaia", "tap"]})
    assert tagged.status_code == 200 and tagged.json()["tags"] == ["gaia", "tap"]
    bad = vo.send("post", f"/api/v1/support/tickets/{first}/tags", {"tags": ["Not A Tag!"]})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "tags"
    assert [t["id"] for t in vo.get("/api/v1/support/tickets?tag=gaia").json()["results"]] == [first]
    assert [t["id"] for t in vo.get("/api/v1/support/tickets?q=again").json()["results"]] == [second]
    merged = vo.send("post", f"/api/v1/support/tickets/{second}/merge", {"target": first})
    assert merged.status_code == 200 and merged.json()["id"] == first
    assert researcher.send("post", f"/api/v1/support/tickets/{first}/spam", {}).status_code == 403
    closed = researcher.send("post", f"/api/v1/support/tickets/{first}/close", {"note": "Solved it myself"})
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    figures = vo.get("/api/v1/support/reports?month=2026-12").json()
    assert figures["centres"][0]["name"] == "ESCAPE-VO"
    assert vo.get("/api/v1/support/reports?month=december").status_code == 400
    assert researcher.get("/api/v1/support/reports").status_code == 403
