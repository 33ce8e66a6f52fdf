"""Nothing private in any anonymous answer.

The demo network is given private values of every kind the hub keeps — a contact's
unpublished address (before and after an edit), pending and rejected centre proposals with
their descriptions, helpdesk and contact addresses, the notes administrators gave when
deciding, a proposed glossary term, guests' and signed-in requesters' names, addresses and
questions, a draft knowledge-base article — and a release is published after them. Then an
anonymous client crawls every page it can reach from ``/``, every API list endpoint of the
OpenAPI document, every page again as JSON-LD (and a sample as Turtle, which is the same
data through rdflib), the OAI-PMH lists in every format
(following resumption tokens), the DCAT catalogue, the exports, feeds and reports, and a
search for each private value; no answer may contain any of them.
"""

from __future__ import annotations

import json
import re
import sys
from collections import deque
from typing import Any
from urllib.parse import unquote_plus, urljoin, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from cchub.history.recorder import tracked
from cchub.records.writes import apply
from cchub.registry.models import Centre, ContactPoint
from cchub.registry.releases import publish_release
from cchub.support.models import Article
from cchub.testing.helpers import PASSWORD, Api, make_user, token_for

pytestmark = [pytest.mark.django_db, pytest.mark.demo]

# Every private value carries a marker no demo text has, so a hit is a leak.
SECRETS = {
    "contact address": "paula.zqa1@escape.example",
    "contact address, edited": "paula.zqa2@escape.example",
    "pending centre's description": "pendingdesczqb1",
    "pending centre's helpdesk": "helpdesk.zqb2@pending.example",
    "pending centre's contact": "contact.zqb3@pending.example",
    "pending centre's contact name": "Zqbfour Pendingperson",
    "pending centre's name": "Zqpendname",
    "rejected centre's description": "rejecteddesczqc1",
    "rejected centre's name": "Zqrejname",
    "rejection note": "rejectnotezqc2",
    "approval note": "approvenotezqc3",
    "proposed term": "proposedtermzqd1",
    "proposed term's definition": "proposeddefzqd2",
    "guest's address": "guest.zqe1@example.org",
    "guest's name": "Zqetwo Guestname",
    "guest's subject": "guestsubjectzqe3",
    "guest's question": "guestbodyzqe4",
    "requester's address": "signed.zqf1@example.org",
    "requester's subject": "signedsubjectzqf2",
    "draft article's title": "Draftzqg1 article",
    "draft article's body": "draftbodyzqg2",
}

SKIP = ("/admin/", "/static/", "/media/", "/accounts/logout")
# Every page again as JSON-LD; Turtle is the same data through rdflib, asked of the
# machine-readable start addresses (catalogue, SKOS, releases) and of a sample of pages.
FORMATS = ("jsonld",)
TURTLE_SAMPLE = ("/centres/escape-cc/", "/services/", "/glossary/", "/training/",
                 "/vocabularies/competences/")
MAX_VARIANTS = 3  # query-string variants crawled per path (facets multiply without end)


def _load_whole_demo() -> None:
    """The demo of every part of the hub (helpdesk, glossary, training, onboarding), not only
    the registry the other tests share."""
    from cchub.glossary.demo import load_glossary
    from cchub.onboarding.demo import load as load_onboarding
    from cchub.support.demo import load as load_helpdesk
    from cchub.training.demo import load as load_training

    load_helpdesk()
    load_glossary()
    assert load_training()[0].ok
    load_onboarding()


def _demo_secrets() -> dict[str, str]:
    """The private values the demo itself holds: requesters' addresses and full names, and
    contacts' unpublished addresses."""
    from cchub.support.models import Ticket

    found: dict[str, str] = {}
    for n, (email, name) in enumerate(Ticket.objects.values_list("requester_email", "requester_name")):
        if email:
            found[f"demo requester {n}'s address"] = email
        if name and " " in name.strip():
            found[f"demo requester {n}'s name"] = name.strip()
    for n, email in enumerate(ContactPoint.objects.filter(email_public=False).exclude(email="")
                              .values_list("email", flat=True)):
        found[f"demo contact {n}'s unpublished address"] = email
    return found


def _seed(admin: Any, whole: bool = True) -> None:
    if whole:
        _load_whole_demo()
    admin_api = Api(token_for(admin))
    researcher = make_user("zq-researcher")
    researcher.email = SECRETS["requester's address"]
    researcher.save()
    proposer = Api(token_for(researcher))

    contact = apply(ContactPoint(), {"centre": "escape-cc", "name": "Private Paula", "email_public": False,
                                     "email": SECRETS["contact address"]}, admin)
    apply(contact, {"email": SECRETS["contact address, edited"]}, admin, partial=True)

    def propose(acronym: str, name: str, description: str, helpdesk: str = "") -> str:
        answer = proposer.send("post", "/api/v1/centres", {
            "acronym": acronym, "name": name, "kind": "national",
            "description": description, "helpdesk_email": helpdesk,
        })
        assert answer.status_code == 201, answer.content
        return str(answer.json()["slug"])

    pending = propose("ZQPEND", SECRETS["pending centre's name"], SECRETS["pending centre's description"],
                      SECRETS["pending centre's helpdesk"])
    apply(ContactPoint(), {"centre": pending, "name": SECRETS["pending centre's contact name"],
                           "email": SECRETS["pending centre's contact"], "email_public": True}, admin)
    rejected = propose("ZQREJ", SECRETS["rejected centre's name"], SECRETS["rejected centre's description"])
    approved = propose("ZQOK", "Approved centre", "A centre approved in the test.")
    browser = Client()
    assert browser.login(username=admin.username, password=PASSWORD)
    for slug, decision, note in ((rejected, "reject", SECRETS["rejection note"]),
                                 (approved, "approve", SECRETS["approval note"])):
        answer = browser.post(f"/centres/{slug}/decide/", {"decision": decision, "note": note})
        assert answer.status_code == 302
    assert Centre.objects.get(slug=rejected).review_state == Centre.REJECTED

    answer = proposer.send("post", "/api/v1/glossary/terms", {
        "pref_label": SECRETS["proposed term"], "definition": SECRETS["proposed term's definition"]})
    assert answer.status_code in (200, 201), answer.content

    answer = Api().send("post", "/api/v1/support/tickets", {
        "email": SECRETS["guest's address"], "name": SECRETS["guest's name"],
        "subject": SECRETS["guest's subject"], "body": SECRETS["guest's question"]})
    assert answer.status_code == 201, answer.content
    answer = proposer.send("post", "/api/v1/support/tickets", {
        "subject": SECRETS["requester's subject"], "body": "A question from a signed-in researcher."})
    assert answer.status_code == 201, answer.content

    article = Article(slug="zq-draft", title=SECRETS["draft article's title"],
                      body=SECRETS["draft article's body"], centre=Centre.objects.get(slug="escape-vo"))
    with tracked(article, admin, "written from a ticket"):
        article.save()
    assert admin_api.token
    publish_release("zq.1", "Registry updated", "", admin)


def _links(base: str, body: str) -> list[str]:
    site = settings.SITE_URL
    found = []
    for raw in re.findall(r'''(?:href|src|action)=["']([^"'#]+)''', body):
        found.append(urljoin(base, raw.replace("&amp;", "&")))
    for raw in re.findall(re.escape(site) + r'''(/[^"'<>\s\\]*)''', body):
        found.append(raw.replace("&amp;", "&"))
    return found


def _local(url: str) -> str | None:
    parts = urlsplit(url)
    site = urlsplit(settings.SITE_URL)
    if parts.scheme and parts.scheme not in ("http", "https"):
        return None
    if parts.netloc and parts.netloc not in (site.netloc, "testserver"):
        return None
    path = parts.path or "/"
    if not path.startswith("/") or path.startswith(SKIP):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def _api_lists(client: Client) -> list[str]:
    schema = client.get("/api/v1/openapi.json").json()
    return [f"/api/v1{path}" if not path.startswith("/api/") else path
            for path, ops in schema["paths"].items() if "get" in ops and "{" not in path]


def _oai(client: Client, leaks: list[str]) -> int:
    prefixes = re.findall(r"<metadataPrefix>([^<]+)<",
                          client.get("/oai?verb=ListMetadataFormats").content.decode())
    assert "oai_dc" in prefixes
    fetched = 0
    for verb in ("ListRecords", "ListIdentifiers"):
        for prefix in prefixes:
            url = f"/oai?verb={verb}&metadataPrefix={prefix}"
            while url:
                body = client.get(url).content.decode()
                fetched += 1
                leaks.extend(_leaks(url, body))
                token = re.search(r"<resumptionToken[^>]*>([^<]+)<", body)
                url = f"/oai?verb={verb}&resumptionToken={token.group(1)}" if token else ""
    return fetched


def _leaks(url: str, body: str) -> list[str]:
    """The private values in ``body``, less one the URL itself asked for (a search echoes
    its query; what it finds shows by the other values, such as the record's name)."""
    text = body.lower()
    # JSON may escape "@" or non-ASCII; undo the usual escapes before looking.
    text = text.replace("\\u0040", "@")
    asked = unquote_plus(url).lower()
    return [f"{url}: {what}" for what, value in SECRETS.items()
            if value.lower() in text and value.lower() not in asked]


def _body(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    content = response.content
    if response.get("Content-Type", "").startswith("application/pdf"):
        from io import BytesIO

        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(BytesIO(content)).pages)
    return content.decode("utf-8", "replace")


def test_no_private_value_in_any_anonymous_answer(admin_user: Any, monkeypatch: Any) -> None:
    _seed(admin_user)
    demo = _demo_secrets()
    assert any("requester" in k for k in demo), "the demo helpdesk holds requesters"
    monkeypatch.setattr(sys.modules[__name__], "SECRETS", {**SECRETS, **demo})
    assert get_user_model().objects.filter(email=SECRETS["requester's address"]).exists()
    client = Client()
    start = ["/", *_api_lists(client), "/catalog", "/catalog?format=ttl", "/export/registry.json",
             "/glossary/skos.ttl", "/glossary/skos.rdf", "/training/calendar.ics",
             "/landscape/report/?format=csv", "/landscape/report/?format=pdf",
             "/landscape/gaps/?format=csv", "/releases/zq.1/", "/releases/zq.1.json"]
    for value in SECRETS.values():
        start += [f"/search/?q={value}", f"/api/v1/search?q={value}", f"/glossary/?q={value}"]
    start += ["/support/articles/", "/training/calendar.ics?centre=escape-vo", "/onboarding/embed/"]
    start += [f"{path}?format=ttl" for path in TURTLE_SAMPLE]
    # The error pages of private records (a pending centre, a proposed term, a draft article).
    start += ["/centres/zqpend/", "/centres/zqpend/history/", "/api/v1/centres/zqpend", "/centres/zqrej/",
              "/support/articles/zq-draft/", "/api/v1/support/articles/zq-draft", "/api/v1/glossary/terms/"
              + SECRETS["proposed term"].lower()]
    queue: deque[str] = deque(start)
    seen: set[str] = set(start)
    variants: dict[str, int] = {}
    leaks: list[str] = []
    statuses: dict[int, int] = {}
    while queue:
        url = queue.popleft()
        response = client.get(url)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        assert response.status_code < 500, url
        if 300 <= response.status_code < 400:
            continue
        body = _body(response)
        leaks.extend(_leaks(url, body))  # error pages too
        if response.status_code >= 400:
            continue
        content_type = response.get("Content-Type", "")
        if not any(kind in content_type for kind in ("html", "json", "xml", "turtle")):
            continue
        for link in _links(url, body):
            local = _local(link)
            if local is None or local in seen:
                continue
            path = local.split("?", 1)[0]
            if "?" in local:
                if variants.get(path, 0) >= MAX_VARIANTS:
                    continue
                variants[path] = variants.get(path, 0) + 1
            seen.add(local)
            queue.append(local)
            if "?" not in local and not path.startswith("/api/"):
                for fmt in FORMATS:
                    seen.add(f"{path}?format={fmt}")
                    queue.append(f"{path}?format={fmt}")
    oai_pages = _oai(client, leaks)
    print(f"crawled {len(seen)} addresses and {oai_pages} OAI-PMH pages: {statuses}")
    assert len(seen) > 300 and oai_pages >= 4, (len(seen), oai_pages)
    assert not leaks, "\n".join(sorted(set(leaks)))


def test_the_crawl_would_see_a_leak(admin_user: Any) -> None:
    """The check itself: a private value made public is found where it then appears."""
    _seed(admin_user, whole=False)
    ContactPoint.objects.filter(email=SECRETS["contact address, edited"]).update(email_public=True)
    page = Client().get("/centres/escape-cc/").content.decode()
    assert _leaks("/centres/escape-cc/", page) == ["/centres/escape-cc/: contact address, edited"]
    assert json.dumps(SECRETS)  # the markers are plain strings
