"""Token authentication for the API: ``Authorization: Bearer cch_...``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from cchub.accounts.models import ApiToken, hash_token


def user_for_token(raw: str) -> Any:
    if not raw or len(raw) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(raw)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


def optional_user(request: HttpRequest) -> Any:
    """The token's user on a read, if a valid token was sent; else the session's user."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user = user_for_token(header[7:].strip())
        if user is not None:
            return user
    return request.user


def token_user(request: HttpRequest) -> Any:
    """The token's user, or an anonymous user: for API writes open to guests, which never
    act on a session cookie (a cross-site form could send it, and the API has no CSRF)."""
    from django.contrib.auth.models import AnonymousUser

    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user = user_for_token(header[7:].strip())
        if user is not None:
            return user
    return AnonymousUser()
