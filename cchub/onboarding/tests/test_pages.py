"""Onboarding's pages, API, feeds and command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cchub.cli import main
from cchub.onboarding.demo import load as load_demo
from cchub.onboarding.models import Output
from cchub.testing.helpers import PASSWORD, Api, token_for

DATA = Path(__file__).parent / "data" / "codemeta"


@pytest.fixture(autouse=True)
def inline(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def signed_in(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.mark.demo
def test_network_project_and_feeds_show_progress(db: Any) -> None:
    made = load_demo()
    assert made == {"projects": 3, "outputs": 5}
    assert load_demo() == {"projects": 0, "outputs": 0}  # idempotent
    page = Client().get("/onboarding/").content.decode()
    assert "OSCARS open call 1" in page and "GAMMALITE" in page and "AIRFLUX" in page
    assert Client().get("/onboarding/?cluster=sshoc").content.decode().count("<tr>") == 2  # header + TEXTLAB
    feed = Client().get("/onboarding/feed.json?cluster=escape").json()
    assert [p["acronym"] for p in feed["projects"]] == ["GAMMALITE"]
    states = sorted(o["state"] for o in feed["projects"][0]["outputs"])
    assert states == ["approved", "checks_failed"]
    progress = feed["projects"][0]["progress"]
    assert progress["outputs"] == 2 and progress["percent"] == round(100 * (4 + 1) / 12)
    embed = Client().get("/onboarding/embed/?call=oscars-open-call-1")
    assert embed.status_code == 200 and "X-Frame-Options" not in embed
    assert "<script" not in embed.content.decode() and "GAMMALITE" in embed.content.decode()
    project = Client().get("/onboarding/projects/gammalite/").content.decode()
    assert "gammapy-lite" in project and "Approved" in project and "demo-lead" not in project  # team private
    output = Output.objects.get(title="ctools-ng")
    public = Client().get(output.get_absolute_url()).content.decode()
    assert "Checks failed" in public and "FAIR assessment" in public
    assert "Timeline" not in public and "is not an SPDX id" not in public  # the case is for those taking part


def test_team_uploads_and_submits_through_the_page(onboarding: dict[str, Any]) -> None:
    o, output = onboarding, onboarding["output"]
    client = signed_in(o["lead"])
    upload = SimpleUploadedFile("codemeta.json", (DATA / "ossr-broken.json").read_bytes())
    response = client.post(f"/onboarding/outputs/{output.pk}/upload/", {"file": upload}, follow=True)
    page = response.content.decode()
    assert "8 error(s)" in page
    assert "&#x27;GPL&#x27; is not an SPDX id; did you mean GPL-3.0-only?" in page
    response = client.post(
        f"/onboarding/outputs/{output.pk}/metadata/", {"metadata": "{not json"}, follow=True
    )
    assert "The metadata is not valid JSON" in response.content.decode()
    client.post(
        f"/onboarding/outputs/{output.pk}/metadata/", {"metadata": (DATA / "ossr-v2-valid.json").read_text()}
    )
    client.post(f"/onboarding/outputs/{output.pk}/submit/")
    output.refresh_from_db()
    assert output.state == "checks_passed"
    # an outsider's post changes nothing and says why
    outsider = signed_in(o["outsider"])
    response = outsider.post(f"/onboarding/outputs/{output.pk}/approve/", follow=True)
    assert "Only community curators approve" in response.content.decode()
    assert Client().post(f"/onboarding/outputs/{output.pk}/submit/").status_code == 302  # to the login page
    mentor = signed_in(o["mentor"])
    mentor.post(f"/onboarding/outputs/{output.pk}/start_review/", {"reviewers": [o["community"].pk]})
    mentor.post(
        f"/onboarding/outputs/{output.pk}/override/",
        {"metric": "I1", "status": "pass", "justification": "Reads FITS event lists (see docs)."},
    )
    signed_in(o["community"]).post(f"/onboarding/outputs/{output.pk}/approve/", {"body": "ok"})
    output.refresh_from_db()
    assert output.state == "approved"
    page = mentor.get(output.get_absolute_url()).content.decode()
    assert "Overridden" in page and "Reads FITS event lists" in page and "Timeline" in page


@pytest.mark.demo
def test_new_project_form(onboarding: dict[str, Any]) -> None:
    client = signed_in(onboarding["ossr_curator"])
    response = client.post(
        "/onboarding/projects/new/", {"call": "oscars-1", "acronym": "", "title": "x", "mentor_centre": "kit"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "The acronym is required." in body and "a centre you curate" in body
    response = client.post(
        "/onboarding/projects/new/",
        {
            "call": "oscars-1",
            "acronym": "SKYLINE",
            "title": "Sky",
            "mentor_centre": "escape-ossr",
            "lead": "member",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/onboarding/projects/skyline/"
    assert signed_in(onboarding["outsider"]).get("/onboarding/projects/new/").status_code == 404


def test_api(onboarding: dict[str, Any]) -> None:
    o, output = onboarding, onboarding["output"]
    check = Api().send(
        "post", "/api/v1/onboarding/check", {"metadata": json.loads((DATA / "ossr-broken.json").read_text())}
    )
    assert check.status_code == 200 and check.json()["errors"] == 8
    bad = Api().send("post", "/api/v1/onboarding/check", {"metadata": {}, "kind": "poem"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "kind"
    assert Api().send("post", "/api/v1/onboarding/check", raw="{oops").status_code == 400
    lead, mentor = Api(token_for(o["lead"])), Api(token_for(o["mentor"]))
    refused = mentor.send(
        "put", f"/api/v1/onboarding/outputs/{output.pk}/metadata", {"metadata": {"name": "x"}}
    )
    assert refused.status_code == 403 and "Only the project's team" in refused.json()["detail"]
    put = lead.send(
        "put",
        f"/api/v1/onboarding/outputs/{output.pk}/metadata",
        {"metadata": json.loads((DATA / "ossr-v3-valid.json").read_text())},
    )
    assert put.status_code == 200 and put.json()["checks"]["passed"] is True
    done = lead.send("post", f"/api/v1/onboarding/outputs/{output.pk}/actions/submit", {})
    assert done.json()["state"] == "checks_passed" and done.json()["fair"]["framework"] == "FAIR4RS"
    wrong = lead.send("post", f"/api/v1/onboarding/outputs/{output.pk}/actions/approve", {})
    assert wrong.status_code == 403
    unknown = lead.send("post", f"/api/v1/onboarding/outputs/{output.pk}/actions/explode", {})
    assert unknown.status_code == 404
    public = Api().get(f"/api/v1/onboarding/outputs/{output.pk}").json()
    assert public["state"] == "checks_passed" and "metadata" not in public and "timeline" not in public
    mine = lead.get(f"/api/v1/onboarding/outputs/{output.pk}").json()
    assert mine["metadata"]["name"] == "virgo-pipe" and mine["timeline"][0]["kind"] == "metadata"
    comment = mentor.send(
        "post", f"/api/v1/onboarding/outputs/{output.pk}/comments", {"body": "Nice.", "field": "x"}
    )
    assert comment.status_code == 201
    assert (
        Api().send("post", f"/api/v1/onboarding/outputs/{output.pk}/comments", {"body": "x"}).status_code
        == 401
    )
    spec = Api().get("/api/v1/openapi.json").json()
    assert "/api/v1/onboarding/outputs/{pk}/actions/{action}" in spec["paths"]


def test_cli_check(capsys: Any) -> None:
    assert main(["onboarding", "check", str(DATA / "ossr-broken.json")]) == 1
    out = capsys.readouterr().out
    assert (
        out.startswith("FAILED — 8 error(s)")
        and "license: 'GPL' is not an SPDX id; did you mean GPL-3.0-only?" in out
    )
    assert main(["onboarding", "check", str(DATA / "ossr-v2-valid.json"), "--zenodo"]) == 0
    assert '"upload_type": "software"' in capsys.readouterr().out
    assert main(["onboarding", "check", str(DATA / "nothing-here.json")]) == 2
