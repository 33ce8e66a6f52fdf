"""The API keeps the promises of its OpenAPI document: Schemathesis generates requests for
every operation, anonymous and with an administrator's token, and each answer must be no
server error, have a status the document declares for that operation, and a content type
and body the document describes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cchub.testing.helpers import token_for
from cchub.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = settings(max_examples=3, deadline=None, database=None, derandomize=True,
                    phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))

pytestmark = [pytest.mark.django_db, pytest.mark.demo]


@pytest.fixture(autouse=True)
def one_connection() -> Iterator[None]:
    """The WSGI app is called directly (not through Django's test client, which does the
    same): it must not close the test's database connection after each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@EXAMPLES
def test_every_operation_anonymous_and_as_administrator(case: Any, admin_user: Any) -> None:
    """Anonymous for every operation; as an administrator too for those a token opens
    (writes and private reads; a public read answers the same)."""
    case.call_and_validate(checks=CHECKS)
    if case.method != "GET" or case.operation.definition.raw.get("security"):
        case.call_and_validate(checks=CHECKS, headers={"Authorization": f"Bearer {admin_token(admin_user)}"})


def admin_token(user: Any) -> str:
    if not hasattr(user, "_contract_token"):
        user._contract_token = token_for(user)
    return str(user._contract_token)


def test_the_document_declares_real_answers() -> None:
    from django.test import Client

    document = Client().get("/api/v1/openapi.json").json()
    paths = document["paths"]
    assert set(paths["/api/v1/centres"]["post"]["responses"]) >= {"201", "400", "401", "403", "422"}
    assert set(paths["/api/v1/centres/{ref}"]["patch"]["responses"]) >= {"200", "404", "412", "428"}
    assert set(paths["/api/v1/centres/{ref}"]["delete"]["responses"]) >= {"204", "412"}
    assert "429" in paths["/api/v1/support/tickets"]["post"]["responses"]
    page = next(p for p in paths["/api/v1/centres"]["get"]["parameters"] if p["name"] == "page_size")
    assert page["schema"]["minimum"] == 1 and page["schema"]["maximum"] == 200
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["detail", "errors"]
    assert len({op["operationId"] for ops in paths.values() for op in ops.values()}) == sum(
        len(ops) for ops in paths.values())  # every operation has its own id
