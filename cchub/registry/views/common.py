"""Shared by the registry's pages: who is signed in, who is an administrator."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from cchub.accounts.permissions import is_network_admin


def signed_in(request: HttpRequest) -> Any:
    return request.user if request.user.is_authenticated else None


def require_admin(request: HttpRequest) -> None:
    if not is_network_admin(request.user):
        raise PermissionDenied
