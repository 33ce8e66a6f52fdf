"""Abuse has limits: new questions are rate-limited per address and per e-mail (and per
account), bots filling the hidden field get nothing, guests neither pick the top priority
nor store files before confirming, unconfirmed questions are purged, and the API never
takes a session cookie for a guest's question."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from cchub.support import workflow
from cchub.support.attachments import Upload
from cchub.support.models import Ticket
from cchub.support.workflow import Submission, TicketError
from cchub.testing.helpers import Api, make_user, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(settings: Any) -> Iterator[None]:
    settings.RATELIMIT_ENABLE = True
    settings.SUPPORT_RATE_GUEST_IP = "3/h"
    settings.SUPPORT_RATE_GUEST_EMAIL = "2/h"
    settings.SUPPORT_RATE_USER = "4/h"
    cache.clear()
    yield
    cache.clear()


def guest_question(email: str, n: int = 0) -> dict[str, str]:
    return {"subject": f"Question {n}", "body": "How do I make my data FAIR?", "email": email}


def test_guests_are_limited_per_address_of_origin(limits: None) -> None:
    api = Api()
    codes = [api.send("post", "/api/v1/support/tickets", guest_question(f"p{n}@example.org", n)).status_code
             for n in range(5)]
    assert codes == [201, 201, 201, 429, 429]
    assert Ticket.objects.filter(requester_email__startswith="p").count() == 3
    refused = api.send("post", "/api/v1/support/tickets", guest_question("late@example.org"))
    assert refused.status_code == 429 and "wait" in refused.json()["detail"]
    # Another address of origin is not held back by the first one.
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert other.post("/api/v1/support/tickets", guest_question("q@example.org"),
                      content_type="application/json").status_code == 201


def test_nobody_can_flood_one_mailbox(limits: None) -> None:
    victim = "victim@spam.example"
    codes = [Client(REMOTE_ADDR=f"198.51.100.{n}").post(
        "/api/v1/support/tickets", guest_question(victim, n), content_type="application/json").status_code
        for n in range(1, 5)]
    assert codes == [201, 201, 429, 429]
    assert Ticket.objects.filter(requester_email=victim).count() == 2


def test_the_web_form_is_limited_too_and_says_why(limits: None) -> None:
    client = Client()
    answers = [client.post("/support/", {**guest_question("w@example.org", n), "priority": "less-urgent"})
               for n in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert "please wait" in answers[-1].content.decode()
    assert Ticket.objects.filter(requester_email="w@example.org").count() == 2


def test_signed_in_people_are_limited_per_account(limits: None) -> None:
    api = Api(token_for(make_user("busy")))
    codes = [api.send("post", "/api/v1/support/tickets", {"subject": f"Q{n}", "body": "b"}).status_code
             for n in range(5)]
    assert codes == [201, 201, 201, 201, 429]


def test_a_bot_filling_the_hidden_field_gets_nothing() -> None:
    form = Client().get("/support/").content.decode()
    assert 'name="website"' in form and 'class="hp" aria-hidden="true"' in form
    answer = Client().post("/support/", {**guest_question("bot@example.org"), "priority": "less-urgent",
                                         "website": "http://spam.example"})
    assert answer.status_code == 200 and "Check your mailbox" in answer.content.decode()
    assert not Ticket.objects.filter(requester_email="bot@example.org").exists()


def test_guests_do_not_pick_the_top_priority_nor_store_files(desk: dict[str, Any]) -> None:
    form = Client().get("/support/").content.decode()
    assert 'value="top"' not in form and 'name="attachments"' not in form
    signed_in = Client()
    signed_in.force_login(desk["researcher"])
    assert 'value="top"' in signed_in.get("/support/").content.decode()
    top = {**guest_question("g@example.org"), "priority": "top"}
    refused = Api().send("post", "/api/v1/support/tickets", top)
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "priority"
    with pytest.raises(TicketError) as files:
        workflow.submit(Submission(subject="s", body="b", email="g@example.org",
                                   uploads=[Upload(name="a.txt", content=b"x")]), None)
    assert files.value.field == "attachments"
    assert not Ticket.objects.filter(requester_email="g@example.org").exists()
    mine = Api(token_for(desk["researcher"])).send(
        "post", "/api/v1/support/tickets", {"subject": "Urgent", "body": "b", "priority": "top"})
    assert mine.status_code == 201


def test_unconfirmed_questions_are_purged(desk: dict[str, Any], settings: Any) -> None:
    old = workflow.submit(Submission(subject="Old", body="b", email="old@example.org"), None)
    fresh = workflow.submit(Submission(subject="Fresh", body="b", email="fresh@example.org"), None)
    confirmed = workflow.submit(Submission(subject="Confirmed", body="b", email="c@example.org"), None)
    workflow.confirm(confirmed)
    mine = workflow.submit(Submission(subject="Mine", body="b"), desk["researcher"])
    long_ago = timezone.now() - dt.timedelta(days=settings.SUPPORT_UNCONFIRMED_DAYS + 1)
    Ticket.objects.filter(pk__in=[old.pk, confirmed.pk, mine.pk]).update(created_at=long_ago)
    assert workflow.tick()["purged"] == 1
    assert set(Ticket.objects.filter(pk__in=[old.pk, fresh.pk, confirmed.pk, mine.pk])
               .values_list("subject", flat=True)) == {"Fresh", "Confirmed", "Mine"}


def test_the_api_takes_no_session_cookie_for_a_question(desk: dict[str, Any]) -> None:
    """The review's L4: a cross-site form could send the cookie; the API has no CSRF."""
    browser = Client()
    browser.force_login(desk["researcher"])
    answer = browser.post("/api/v1/support/tickets", {"subject": "Cross-site", "body": "b"},
                          content_type="application/json", headers={"Origin": "https://evil.example"})
    assert answer.status_code == 400 and answer.json()["errors"][0]["field"] == "email"
    assert not Ticket.objects.filter(subject="Cross-site").exists()
