"""Who may do what with a ticket: every role against every action, over the API.

A refused action answers 403 (or 404 when the ticket is not even visible) and changes
nothing; an allowed one answers 200.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cchub.support import workflow
from cchub.support.models import Ticket, TicketEvent
from cchub.support.workflow import Submission
from cchub.testing import factories
from cchub.testing.helpers import Api, token_for

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "other", "requester", "supporter", "other_centre", "collaborator", "triager", "admin"]
Y, N = True, False
# action: allowed for the roles in ROLES' order
TABLE: dict[str, list[bool]] = {
    "view": [N, N, Y, Y, N, Y, Y, Y],
    "reply": [N, N, Y, Y, N, Y, Y, Y],
    "note": [N, N, N, Y, N, Y, Y, Y],
    "state": [N, N, N, Y, N, N, N, Y],
    "priority": [N, N, N, Y, N, N, Y, Y],
    "assign": [N, N, N, Y, N, N, N, Y],
    "transfer": [N, N, N, Y, N, N, Y, Y],
    "escalate": [N, N, N, Y, N, Y, N, Y],
    "invite": [N, N, N, Y, N, N, N, Y],
    "link": [N, N, N, Y, N, N, Y, Y],
}

ACTIONS: dict[str, Callable[[Api, int, dict[str, Any]], Any]] = {
    "view": lambda api, pk, d: api.get(f"/api/v1/support/tickets/{pk}"),
    "reply": lambda api, pk, d: api.send("post", f"/api/v1/support/tickets/{pk}/replies", {"body": "Hello"}),
    "note": lambda api, pk, d: api.send(
        "post", f"/api/v1/support/tickets/{pk}/replies", {"body": "internal", "public": False}
    ),
    "state": lambda api, pk, d: api.send("post", f"/api/v1/support/tickets/{pk}/state", {"state": "on-hold"}),
    "priority": lambda api, pk, d: api.send(
        "post", f"/api/v1/support/tickets/{pk}/priority", {"priority": "urgent"}
    ),
    "assign": lambda api, pk, d: api.send(
        "post", f"/api/v1/support/tickets/{pk}/assign", {"assignee": d["vo"].pk}
    ),
    "transfer": lambda api, pk, d: api.send(
        "post", f"/api/v1/support/tickets/{pk}/transfer", {"centre": "infn", "reason": "They run the GPUs"}
    ),
    "escalate": lambda api, pk, d: api.send(
        "post", f"/api/v1/support/tickets/{pk}/escalate", {"reason": "Needs the coordinators"}
    ),
    "invite": lambda api, pk, d: api.send("post", f"/api/v1/support/tickets/{pk}/invite", {"centre": "cnr"}),
    "link": lambda api, pk, d: api.send(
        "post", f"/api/v1/support/tickets/{pk}/links", {"target": d["other_ticket"].pk, "kind": "related"}
    ),
}


def snapshot(ticket: Ticket) -> tuple[Any, ...]:
    ticket.refresh_from_db()
    return (
        ticket.state,
        ticket.priority,
        ticket.centre_id,
        ticket.assignee_id,
        ticket.escalated,
        ticket.events.count(),
        ticket.collaborators.count(),
        ticket.links_out.count(),
    )


@pytest.fixture
def world(desk: dict[str, Any]) -> dict[str, Any]:
    ticket = workflow.submit(
        Submission(
            subject="Querying Gaia with ADQL through TAP", body="How do I write an ADQL query for Gaia?"
        ),
        desk["researcher"],
    )
    assert ticket.centre.slug == "escape-vo"
    workflow.invite(ticket, desk["admin"], factories.centre_named("kit").pk)
    people = {
        "anonymous": None,
        "other": desk["other"],
        "requester": desk["researcher"],
        "supporter": desk["vo"],
        "other_centre": desk["kit"],
        "triager": desk["triager"],
        "admin": desk["admin"],
    }
    # A supporter of another centre (INFN) who is not invited.
    from cchub.support.models import Supporter
    from cchub.testing.helpers import make_user

    outsider = make_user("infn-supporter")
    Supporter.objects.create(user=outsider, centre=factories.centre("INFN"))
    people["other_centre"] = outsider
    # A centre supporters may invite: someone answers there.
    Supporter.objects.create(user=make_user("cnr-supporter"), centre=factories.centre("CNR"))
    people["collaborator"] = desk["kit"]
    other_ticket = workflow.submit(
        Submission(subject="Another ADQL question", body="TAP async jobs?"), desk["researcher"]
    )
    return {"ticket": ticket, "people": people, "desk": {**desk, "other_ticket": other_ticket}}


@pytest.mark.parametrize("action", list(TABLE))
@pytest.mark.parametrize("role", ROLES)
def test_role_action(world: dict[str, Any], role: str, action: str) -> None:
    ticket = world["ticket"]
    user = world["people"][role]
    api = Api(token_for(user) if user is not None else None)
    before = snapshot(ticket)
    response = ACTIONS[action](api, ticket.pk, world["desk"])
    allowed = TABLE[action][ROLES.index(role)]
    if allowed:
        assert response.status_code == 200, (role, action, response.content)
        if action != "view":
            assert snapshot(ticket) != before
    else:
        assert response.status_code in (401, 403, 404), (role, action, response.status_code)
        assert response.json()["detail"]
        assert snapshot(ticket) == before


def test_requester_sees_no_internal_notes_or_routing(world: dict[str, Any]) -> None:
    ticket, people = world["ticket"], world["people"]
    workflow.reply(ticket, people["supporter"], "secret internal remark", public=False)
    workflow.reply(ticket, people["supporter"], "Public answer")
    data = Api(token_for(people["requester"])).get(f"/api/v1/support/tickets/{ticket.pk}").json()
    bodies = [e["body"] for e in data["timeline"]]
    assert "Public answer" in bodies and "secret internal remark" not in bodies
    assert "routing" not in data and "requester" not in data
    staff = Api(token_for(people["supporter"])).get(f"/api/v1/support/tickets/{ticket.pk}").json()
    assert "secret internal remark" in [e["body"] for e in staff["timeline"]]
    assert staff["requester"]["email"] == people["requester"].email


def test_queues_show_each_role_its_tickets(world: dict[str, Any]) -> None:
    people = world["people"]

    def refs(role: str, queue: str = "") -> set[str]:
        api = Api(token_for(people[role]))
        response = api.get(f"/api/v1/support/tickets?queue={queue}")
        assert response.status_code == 200, response.content
        return {t["reference"] for t in response.json()["results"]}

    ref = world["ticket"].reference
    assert ref in refs("requester", "requested")
    assert ref in refs("supporter", "centre") and ref in refs("supporter", "unassigned")
    assert ref not in refs("other_centre") and ref not in refs("other")
    assert ref in refs("collaborator", "collaborating")
    assert (
        Api(token_for(people["supporter"])).get("/api/v1/support/tickets?queue=nonsense").status_code == 400
    )
    assert Api().get("/api/v1/support/tickets").status_code == 401


def test_triage_placement_is_for_triagers(desk: dict[str, Any]) -> None:
    ticket = workflow.submit(
        Submission(subject="A question", body="Hello, I would like to talk about my work."),
        desk["researcher"],
    )
    assert ticket.centre is None
    body = {"centre": "kit"}
    for role, status in (("vo", 404), ("researcher", 403), ("other", 404), ("triager", 200)):
        response = Api(token_for(desk[role])).send("post", f"/api/v1/support/tickets/{ticket.pk}/place", body)
        assert response.status_code == status, (role, response.content)
    ticket.refresh_from_db()
    assert ticket.centre.slug == "kit"
    assert ticket.events.filter(kind=TicketEvent.ROUTED, actor=desk["triager"]).exists()
