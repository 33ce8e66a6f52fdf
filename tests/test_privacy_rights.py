"""GDPR: a person downloads what the hub holds about them, and can be erased — account,
name and address on tickets, contacts and history — while the tickets' technical content
stays for the centres."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from cchub.accounts.models import ApiToken
from cchub.cli import main as cli
from cchub.glossary import workflow as glossary
from cchub.history.models import Change
from cchub.records.writes import apply
from cchub.registry.models import Centre, ContactPoint
from cchub.support import workflow
from cchub.support.models import InboundMail, Ticket, TicketEvent
from cchub.support.workflow import Submission
from cchub.testing.helpers import PASSWORD, make_user, token_for

pytestmark = [pytest.mark.django_db, pytest.mark.demo]

EMAIL, NAME = "claire.dubois@example.org", "Claire Dubois"


@pytest.fixture
def claire(desk: dict[str, Any], admin_user: Any) -> dict[str, Any]:
    user = make_user("claire", curates=["kit"])
    user.email, user.first_name, user.last_name = EMAIL, "Claire", "Dubois"
    user.save()
    token_for(user)
    mine = workflow.submit(Submission(subject="ADQL cone search on Gaia fails",
                                      body=f"I am {NAME} ({EMAIL}); my ADQL query times out."), user)
    workflow.reply(mine, desk["vo"], f"Dear {NAME}, add TOP 1000 to your ADQL query.")
    guest = workflow.submit(Submission(subject="TAP upload limit", body="Is there a TAP upload limit?",
                                       email=EMAIL.upper(), name="Claire D."), None)
    contact = apply(ContactPoint(), {"centre": "kit", "name": NAME, "email": EMAIL, "role": "Data steward"},
                    admin_user)
    apply(contact, {"role": "Data steward, FAIR lead"}, admin_user, partial=True)
    glossary.propose(user, {"pref_label": "Data lakehouse", "definition": "A data lake with tables."})
    InboundMail.objects.create(message_id="<m1@example.org>", sender=EMAIL, subject="Re: ADQL",
                               outcome="added to the ticket", ticket=mine)
    return {"user": user, "mine": mine, "guest": guest}


def test_a_person_downloads_what_the_hub_holds(claire: dict[str, Any], capsys: Any) -> None:
    browser = Client()
    assert browser.get("/accounts/my-data.json").status_code == 302  # sign in first
    browser.force_login(claire["user"])
    response = browser.get("/accounts/my-data.json")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["email"] == EMAIL and data["account"]["api_tokens"][0]["name"] == "tests"
    assert "key" not in json.dumps(data["account"]["api_tokens"])
    asked = {claire["mine"].reference, claire["guest"].reference}
    assert {q["reference"] for q in data["questions"]} == asked
    assert data["contact_points"][0]["centre"] == "kit" and data["curator_of"] == ["KIT"]
    assert data["terms_proposed"] == [{"term": "Data lakehouse", "status": "proposed"}]
    assert data["mail_received_from_you"][0]["subject"] == "Re: ADQL"
    # The administrators' command gives the same, for a guest too.
    assert cli(["privacy", "export", EMAIL]) == 0
    assert json.loads(capsys.readouterr().out)["account"]["username"] == "claire"


def test_a_person_erases_their_account_and_the_centres_keep_the_technical_content(
    claire: dict[str, Any], desk: dict[str, Any]
) -> None:
    user = claire["user"]
    browser = Client()
    browser.force_login(user)
    wrong = browser.post("/accounts/erase/", {"password": "not mine", "confirm": "on"})
    assert wrong.status_code == 400 and get_user_model().objects.get(pk=user.pk).email == EMAIL
    done = browser.post("/accounts/erase/", {"password": PASSWORD, "confirm": "on"})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.username == f"erased-{user.pk}" and not user.email and not user.is_active
    assert not user.has_usable_password() and not ApiToken.objects.filter(user=user).exists()
    assert not Centre.objects.filter(curators=user).exists()
    assert "_auth_user_id" not in browser.session
    for ticket in Ticket.objects.filter(pk__in=[claire["mine"].pk, claire["guest"].pk]):
        assert ticket.requester is None and ticket.requester_email == "" and ticket.requester_name == ""
        assert "ADQL" in ticket.body or "TAP" in ticket.body  # the technical content stays
        texts = [ticket.subject, ticket.body, *ticket.events.values_list("body", flat=True)]
        assert not any(EMAIL in t.lower() or NAME.lower() in t.lower() for t in texts), texts
    answer = TicketEvent.objects.get(ticket=claire["mine"], kind="reply")
    assert answer.body == "Dear [removed], add TOP 1000 to your ADQL query." and answer.actor == desk["vo"]
    assert not ContactPoint.objects.filter(email=EMAIL).exists()
    assert not InboundMail.objects.filter(sender__iexact=EMAIL).exists()
    history = json.dumps(list(Change.objects.values("object_repr", "note", "changes"))).lower()
    assert EMAIL not in history and NAME.lower() not in history
    # The centre still works the ticket.
    staff = Client()
    staff.force_login(desk["vo"])
    assert staff.get(claire["mine"].get_absolute_url()).status_code == 200
    # Nobody can sign in as the erased person.
    assert not Client().login(username="claire", password=PASSWORD)


def test_a_guest_is_erased_by_their_address(desk: dict[str, Any], capsys: Any) -> None:
    guest = workflow.submit(Submission(subject="Help", body="From ana@example.org: help with DMP",
                                       email="ana@example.org", name="Ana Guest"), None)
    assert cli(["privacy", "erase", "ana@example.org"]) == 2  # asks for --yes
    assert cli(["privacy", "erase", "ana@example.org", "--yes"]) == 0
    assert "1 questions" in capsys.readouterr().out
    guest.refresh_from_db()
    assert guest.requester_email == "" and "ana@example.org" not in guest.body and "DMP" in guest.body
    assert cli(["privacy", "export", "nobody-by-that-name"]) == 2


def test_the_account_page_offers_both_rights(claire: dict[str, Any]) -> None:
    browser = Client()
    browser.force_login(claire["user"])
    page = browser.get("/accounts/").content.decode()
    assert "<title>Your account · CC Hub</title>" in page.replace("\n", "")
    assert page.count('href="/accounts/my-data.json"') == 1 and page.count('href="/accounts/erase/"') == 1


def test_erasing_a_person_leaves_other_peoples_history_alone(admin_user: Any, capsys: Any) -> None:
    """A user name that is a common word ("fair"), or a one-word name, is taken out of the
    person's own questions, never out of everyone's history."""
    person = make_user("fair")
    person.first_name = "Ada"
    person.save()
    centre = Centre.objects.get(slug="kit")
    apply(centre, {"description": centre.description + "\n\nFAIR data stewardship by Ada."}, admin_user,
          partial=True)
    assert cli(["privacy", "erase", "fair", "--yes"]) == 0
    change = Change.objects.filter(object_id=str(centre.pk), action="update").latest("at")
    assert "FAIR data stewardship by Ada." in json.dumps(change.changes)
