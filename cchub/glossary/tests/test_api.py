"""The glossary's API: reading terms, proposing one, and its refusals, one behaviour a test."""

from __future__ import annotations

from typing import Any

import pytest

from cchub.glossary.demo import load_glossary
from cchub.testing.helpers import Api, make_user, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def terms(db: Any) -> dict[str, int]:
    return load_glossary()


@pytest.fixture
def author(db: Any) -> Api:
    return Api(token_for(make_user("author")))


TERMS = "/api/v1/glossary/terms"


def propose(api: Api) -> Any:
    return api.send("post", TERMS, {"pref_label": "Data space", "definition": "Shared data."})


def test_the_list_counts_every_public_term(terms: dict[str, int]) -> None:
    listed = Api().get("/api/v1/glossary/terms?page_size=200").json()
    assert listed["count"] == terms["terms"]


def test_a_term_reads_with_its_acronyms_and_its_uri(terms: dict[str, int]) -> None:
    tap = Api().get("/api/v1/glossary/terms/table-access-protocol").json()
    assert tap["acronyms"] == ["TAP"] and tap["uri"].endswith("/glossary/table-access-protocol")


def test_a_proposal_enters_as_proposed_and_is_not_public(author: Api) -> None:
    created = propose(author)
    assert created.status_code == 201 and created.json()["status"] == "proposed"
    assert Api().get(f"{TERMS}/{created.json()['slug']}").status_code == 404


def test_unknown_fields_and_an_empty_definition_are_refused(author: Api) -> None:
    bad = author.send("post", TERMS, {"pref_label": "X", "definition": "", "colour": "red"})
    assert bad.status_code == 422
    fields = {e["field"] for e in bad.json()["errors"]}
    assert "colour" in fields


def test_the_proposer_may_not_approve(author: Api) -> None:
    slug = propose(author).json()["slug"]
    assert author.send("post", f"{TERMS}/{slug}/approve", {"decision": "ok"}).status_code == 403


def test_the_proposer_submits_for_review(author: Api) -> None:
    slug = propose(author).json()["slug"]
    assert author.send("post", f"{TERMS}/{slug}/submit", {}).json()["status"] == "in-review"


def test_an_unknown_step_is_not_found(author: Api) -> None:
    slug = propose(author).json()["slug"]
    assert author.send("post", f"{TERMS}/{slug}/dance", {}).status_code == 404


def test_proposing_needs_a_token(db: Any) -> None:
    assert Api().send("post", TERMS, {"pref_label": "A", "definition": "B"}).status_code == 401
