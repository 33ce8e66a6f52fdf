"""The helpdesk's pages: asking (signed in and as a guest), attachments, the ticket page,
queues, one-click triage and the knowledge base."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cchub.support import workflow
from cchub.support.models import SOLVED, Article, Attachment, Ticket
from cchub.support.workflow import Submission
from cchub.testing.helpers import PASSWORD

pytestmark = pytest.mark.django_db

QUESTION = {
    "subject": "Querying Gaia with ADQL through TAP",
    "body": "How do I select nearby stars?",
    "priority": "less-urgent",
}


def client_for(user: Any) -> Client:
    client = Client()
    if user is not None:
        assert client.login(username=user.username, password=PASSWORD)
    return client


def test_ask_page_is_labelled_and_routes(desk: dict[str, Any]) -> None:
    client = client_for(desk["researcher"])
    page = client.get("/support/").content.decode()
    for label in ('for="id_subject"', 'for="id_body"', 'for="id_stage"', 'for="id_attachments"'):
        assert label in page
    response = client.post(
        "/support/",
        {
            **QUESTION,
            "attachments": [SimpleUploadedFile("query.txt", b"SELECT TOP 10 * FROM gaiadr3.gaia_source")],
        },
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert response["Location"] == ticket.get_absolute_url() and ticket.centre.slug == "escape-vo"
    assert ticket.attachments.get().name == "query.txt"
    shown = client.get(ticket.get_absolute_url()).content.decode()
    assert "ESCAPE-VO" in shown and "query.txt" in shown


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("page.html", b"<script>alert(1)</script>", "may not be attached"),
        ("tool.exe", b"MZ\x90\x00", "may not be attached"),
        ("fake.pdf", b"not a pdf at all", "not a PDF"),
        ("big.txt", b"a" * (5 * 1024 * 1024 + 1), "larger than the limit"),
    ],
)
def test_bad_attachments_are_refused_and_nothing_is_written(
    desk: dict[str, Any], name: str, content: bytes, message: str
) -> None:
    response = client_for(desk["researcher"]).post(
        "/support/", {**QUESTION, "attachments": [SimpleUploadedFile(name, content)]}
    )
    assert response.status_code == 400 and message in response.content.decode()
    assert Ticket.objects.count() == 0 and Attachment.objects.count() == 0


def test_fifty_megabytes_are_refused_before_reading(desk: dict[str, Any]) -> None:
    response = client_for(desk["researcher"]).post(
        "/support/",
        {**QUESTION, "attachments": [SimpleUploadedFile("huge.zip", b"PK\x03\x04" + b"0" * 50_000_000)]},
    )
    assert response.status_code == 413
    assert Ticket.objects.count() == 0


@pytest.mark.demo
def test_guest_asks_confirms_and_follows_by_private_link(
    desk: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    guest = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = guest.post("/support/", {**QUESTION, "name": "Ana Lopez", "email": "ana@example.org"})
    assert response.status_code == 200 and "Check your mailbox" in response.content.decode()
    ticket = Ticket.objects.get()
    assert not ticket.confirmed and ticket.centre is None
    link = re.search(r"http://[^\s]+/support/confirm/[^\s]+", mail.outbox[0].body).group(0)  # type: ignore[union-attr]
    path = link.split("8000", 1)[1]
    assert "Confirm and send" in guest.get(path).content.decode()  # a GET changes nothing
    ticket.refresh_from_db()
    assert not ticket.confirmed
    with django_capture_on_commit_callbacks(execute=True):
        response = guest.post(path)
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.confirmed and ticket.centre.slug == "escape-vo"
    assert guest.get(ticket.get_absolute_url()).status_code == 200  # remembered in the session
    # Another browser needs the private link; with it, the key leaves the address bar.
    other = Client()
    assert other.get(ticket.get_absolute_url()).status_code == 404
    assert other.get(f"{ticket.get_absolute_url()}?key=wrong").status_code == 404
    response = other.get(f"{ticket.get_absolute_url()}?key={ticket.key}")
    assert response.status_code == 302 and "key=" not in response["Location"]
    assert other.get(ticket.get_absolute_url()).status_code == 200
    assert Client().get("/support/confirm/forged/").status_code == 400


def test_ticket_page_hides_notes_and_internal_files_from_the_requester(desk: dict[str, Any]) -> None:
    ticket = workflow.submit(Submission(**{k: QUESTION[k] for k in ("subject", "body")}), desk["researcher"])
    vo = client_for(desk["vo"])
    response = vo.post(
        f"/support/tickets/{ticket.pk}/reply/",
        {
            "body": "Internal: check the archive logs",
            "public": "",
            "state": "",
            "attachments": [SimpleUploadedFile("logs.txt", b"internal log")],
        },
    )
    assert response.status_code == 302
    vo.post(
        f"/support/tickets/{ticket.pk}/reply/",
        {"body": "Try the TAP async endpoint", "public": "on", "state": "waiting"},
    )
    requester = client_for(desk["researcher"])
    page = requester.get(ticket.get_absolute_url()).content.decode()
    assert "Try the TAP async endpoint" in page and "archive logs" not in page and "logs.txt" not in page
    internal = Attachment.objects.get(name="logs.txt")
    assert requester.get(f"/support/tickets/{ticket.pk}/files/{internal.pk}/").status_code == 404
    download = vo.get(f"/support/tickets/{ticket.pk}/files/{internal.pk}/")
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert client_for(desk["other"]).get(ticket.get_absolute_url()).status_code == 404
    ticket.refresh_from_db()
    assert ticket.state == "waiting"


def test_page_actions_show_errors_and_change_nothing(desk: dict[str, Any]) -> None:
    ticket = workflow.submit(
        Submission(subject=QUESTION["subject"], body=QUESTION["body"]), desk["researcher"]
    )
    vo = client_for(desk["vo"])
    response = vo.post(f"/support/tickets/{ticket.pk}/transfer/", {"centre": "", "reason": "x"})
    assert response.status_code == 400 and "Choose a centre" in response.content.decode()
    response = vo.post(f"/support/tickets/{ticket.pk}/transfer/", {"centre": "99999", "reason": "x"})
    assert response.status_code == 400
    # A forged transfer by someone outside the centre.
    response = client_for(desk["kit"]).post(
        f"/support/tickets/{ticket.pk}/transfer/", {"centre": str(ticket.centre_id), "reason": "mine"}
    )
    assert response.status_code == 404
    ticket.refresh_from_db()
    assert ticket.centre.slug == "escape-vo" and ticket.events.count() == 2  # created, routed


def test_queue_shows_sla_and_filters(desk: dict[str, Any]) -> None:
    workflow.submit(
        Submission(subject=QUESTION["subject"], body=QUESTION["body"], priority="top"), desk["researcher"]
    )
    vo = client_for(desk["vo"])
    page = vo.get("/support/queue/").content.decode()
    assert "Querying Gaia" in page and "sla-" in page
    partial = vo.get("/support/queue/?queue=centre&priority=urgent", headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode() and "No tickets here" in partial.content.decode()
    assert Client().get("/support/queue/").status_code == 302  # sign in first


def test_triage_one_click(desk: dict[str, Any]) -> None:
    ticket = workflow.submit(
        Submission(subject="A question", body="Hello, I would like to talk about my work."),
        desk["researcher"],
    )
    triager = client_for(desk["triager"])
    page = triager.get(ticket.get_absolute_url()).content.decode()
    assert "Suggested centres" in page or "triage" in page
    kit_id = str(desk["kit"].support_roles.get().centre_id)
    assert triager.post(f"/support/tickets/{ticket.pk}/place/", {"centre": kit_id}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.centre.slug == "kit"


@pytest.mark.demo
def test_assist_suggests_centres_while_typing(db: Any) -> None:
    response = Client().get("/support/assist/", {"subject": "ADQL query for Gaia", "body": "TAP service"})
    assert response.status_code == 200 and "ESCAPE-VO" in response.content.decode()
    assert "Tell us a little more" in Client().get("/support/assist/", {"subject": "hi"}).content.decode()


@pytest.mark.demo
def test_solved_ticket_becomes_a_published_searchable_article(desk: dict[str, Any]) -> None:
    from cchub.search.query import search

    ticket = workflow.submit(
        Submission(
            subject="Selecting nearby stars in Gaia with ADQL",
            body="I am Maria Rossi (maria.rossi@example.org, +39 06 1234 5678). "
            "How do I select stars within 100 pc?",
        ),
        desk["researcher"],
    )
    Ticket.objects.filter(pk=ticket.pk).update(requester_name="Maria Rossi")
    workflow.reply(ticket, desk["vo"], "Use WHERE parallax > 10 on gaiadr3.gaia_source.")
    workflow.change_state(ticket, desk["vo"], SOLVED)
    vo = client_for(desk["vo"])
    form = vo.get(f"/support/tickets/{ticket.pk}/article/").content.decode()
    assert "maria.rossi@example.org" not in form and "Rossi" not in form and "1234" not in form
    assert "parallax" in form
    response = vo.post(
        f"/support/tickets/{ticket.pk}/article/",
        {
            "title": "Selecting nearby stars in Gaia",
            "competences": ["ivoa-tap-adql"],
            "body": "Query gaiadr3.gaia_source with WHERE parallax > 10 through the TAP service.",
        },
    )
    assert response.status_code == 302
    article = Article.objects.get()
    assert article.status == Article.DRAFT
    assert Client().get(article.get_absolute_url()).status_code == 404  # drafts are private
    assert search("parallax", types=["article"]).total == 0
    vo.post(f"/support/articles/{article.slug}/approve/")
    article.refresh_from_db()
    assert article.status == Article.DRAFT  # only a lead approves
    client_for(desk["vo_lead"]).post(f"/support/articles/{article.slug}/approve/")
    article.refresh_from_db()
    assert article.status == Article.APPROVED and article.approved_by == desk["vo_lead"]
    assert Client().get(article.get_absolute_url()).status_code == 200
    assert search("parallax", types=["article"]).hits[0].url == article.get_absolute_url()
    suggested = Client().get("/api/v1/support/suggest", {"q": "nearby stars gaia"}).json()["articles"]
    assert suggested and suggested[0]["url"] == article.get_absolute_url()
    assert "Selecting nearby stars" in Client().get("/support/articles/").content.decode()
    # Writing an article from an open ticket is refused.
    open_ticket = workflow.submit(Submission(subject="Another", body="question"), desk["researcher"])
    assert vo.post(
        f"/support/tickets/{open_ticket.pk}/article/", {"title": "x", "body": "y"}
    ).status_code in (400, 404)
