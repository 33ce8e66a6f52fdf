"""People and an API client for tests."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.test import Client

from cchub.accounts.models import ApiToken
from cchub.registry.models import Centre

PASSWORD = "a-Long-enough-passw0rd"


class Api:
    """A small JSON client for the API that sends a token when it has one."""

    def __init__(self, token: str | None = None):
        self.client = Client()
        self.token = token

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = dict(extra or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def get(self, path: str, headers: dict[str, str] | None = None) -> Any:
        return self.client.get(path, headers=self._headers(headers))

    def send(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
             raw: str | None = None) -> Any:
        data = raw if raw is not None else (json.dumps(body) if body is not None else "")
        return getattr(self.client, method)(path, data=data, content_type="application/json",
                                             headers=self._headers(headers))


def make_user(username: str, *, curates: list[str] | None = None) -> Any:
    user = get_user_model().objects.create_user(username, f"{username}@example.org", PASSWORD)
    for slug in curates or []:
        Centre.objects.get(slug=slug).curators.add(user)
    return user


def token_for(user: Any) -> str:
    return ApiToken.issue(user, "tests")[1]
