"""POST /api/v1/support/route: ranked candidates with scores and reasons, and a router
that learns from solved tickets and transfers."""

from __future__ import annotations

from typing import Any

import pytest

from cchub.registry.models import Centre
from cchub.support import routing, workflow
from cchub.support.models import SOLVED, Ticket
from cchub.support.workflow import Submission
from cchub.testing.helpers import Api

pytestmark = [pytest.mark.django_db, pytest.mark.demo]


def route(body: dict[str, Any]) -> Any:
    return Api().send("post", "/api/v1/support/route", body)


def test_route_returns_ranked_candidates_with_reasons(db: Any) -> None:
    response = route(
        {
            "subject": "DMP review before the FWO deadline",
            "body": "I need feedback on my data management plan.",
            "country": "BE",
        }
    )
    assert response.status_code == 200
    candidates = response.json()["candidates"]
    first = candidates[0]
    assert set(first) == {"centre", "score", "reasons", "staffed"}
    assert set(first["centre"]) == {"id", "acronym", "name", "url"}
    assert first["centre"]["acronym"] == "KUL"
    assert "serves Belgium" in first["reasons"]
    assert any("data management planning" in r for r in first["reasons"])
    scores = [c["score"] for c in candidates]
    assert scores == sorted(scores, reverse=True)
    assert Ticket.objects.count() == 0  # routing creates nothing


def test_language_and_country_named_in_the_text_count(db: Any) -> None:
    candidates = route(
        {
            "subject": "GPU access for deep learning",
            "body": "Our Italian group needs GPUs to train neural networks.",
            "language": "it",
        }
    ).json()["candidates"]
    assert candidates[0]["centre"]["acronym"] == "INFN"
    assert "answers in Italian" in candidates[0]["reasons"] and "serves Italy" in candidates[0]["reasons"]


def test_named_service_brings_its_centre(db: Any) -> None:
    from cchub.registry.models import Service

    service = Service.objects.filter(centres__slug="escape-cs").first()
    assert service is not None
    candidates = route(
        {"subject": "Question about the platform", "body": "It does not load.", "service": service.slug}
    ).json()["candidates"]
    assert candidates[0]["centre"]["acronym"] == "ESCAPE-CS"
    assert "provides the service you asked about" in candidates[0]["reasons"]


@pytest.mark.parametrize(
    "body,status,field",
    [
        ({"subject": "", "body": ""}, 422, "subject"),
        ({"subject": "x" * 201}, 413, "body"),
        ({"subject": "help", "service": "nope"}, 422, "service"),
        ({"subject": "help", "colour": "red"}, 422, "colour"),
        ({"body": "no subject"}, 422, "subject"),
    ],
)
def test_bad_route_requests(db: Any, body: dict[str, Any], status: int, field: str) -> None:
    response = route(body)
    assert response.status_code == status, response.content
    assert field in {e["field"] for e in response.json()["errors"]}


def test_malformed_json_is_a_clear_400(db: Any) -> None:
    response = Api().send("post", "/api/v1/support/route", raw="{not json")
    assert response.status_code == 400 and "JSON" in response.json()["detail"]


def test_router_learns_from_solved_tickets_and_transfers(desk: dict[str, Any]) -> None:
    question = routing.Question(
        subject="Calibrating the spectrograph of our laboratory",
        body="The wavelength calibration drifts between measurements.",
    )
    before = [c.acronym for c in routing.route(question)]
    ugot = Centre.objects.get(slug="ugot")
    assert "UGOT" not in before[:1]
    # UGOT answered three such questions (the network learned it, not the registry).
    for n in range(3):
        ticket = Ticket.objects.create(
            subject=f"Spectrograph calibration drifts {n}",
            body="Wavelength calibration of the laboratory spectrograph drifts.",
            requester_email="a@example.org",
            centre=ugot,
            state=SOLVED,
        )
        assert ticket.pk
    after = routing.route(question)
    assert after[0].acronym == "UGOT"
    assert any("solved 3 similar questions" in r for r in after[0].reasons)
    # Transfers away teach the opposite.
    for n in range(4):
        t = workflow.submit(
            Submission(
                subject=f"Spectrograph calibration drifts again {n}",
                body="Wavelength calibration of the laboratory spectrograph drifts.",
            ),
            desk["researcher"],
        )
        if t.centre_id != ugot.pk:
            Ticket.objects.filter(pk=t.pk).update(centre=ugot)
            t.refresh_from_db()
        workflow.transfer(t, desk["admin"], Centre.objects.get(slug="escape-vo").pk, "Observatory pipelines")
        Ticket.objects.filter(pk=t.pk).update(state=SOLVED)
    learned = routing.route(question)
    assert learned[0].acronym == "ESCAPE-VO"
    ugot_now = next((c for c in learned if c.acronym == "UGOT"), None)
    assert ugot_now is None or any("transferred away" in r for r in ugot_now.reasons)


def test_closed_desk_gets_no_tickets(db: Any) -> None:
    from cchub.support.models import Desk

    Desk.objects.create(centre=Centre.objects.get(slug="escape-vo"), accepts_tickets=False)
    candidates = route({"subject": "ADQL query to Gaia through TAP"}).json()["candidates"]
    assert "ESCAPE-VO" not in [c["centre"]["acronym"] for c in candidates]


def test_later_rebuilds_do_not_make_a_request_wait(db: Any, settings: Any, monkeypatch: Any) -> None:
    import threading

    first = routing.profile()
    settings.TASKS_INLINE = False
    started, release = threading.Event(), threading.Event()

    def slow_build(stamp: Any) -> Any:
        started.set()
        release.wait(5)
        return first.__class__(**{**first.__dict__, "stamp": stamp})

    monkeypatch.setattr(routing, "_build", slow_build)
    monkeypatch.setattr(routing, "_stamp", lambda: ("changed",))
    routing.changed()
    assert routing.profile() is first  # served at once, stale, while the rebuild runs
    assert started.wait(5)
    release.set()
    for _ in range(100):
        if routing._cache["profile"].stamp == ("changed",):
            break
        threading.Event().wait(0.02)
    assert routing._cache["profile"].stamp == ("changed",)
    routing._cache.clear()
