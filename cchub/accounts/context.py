from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from cchub.accounts.permissions import is_network_admin


def site(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "SITE_NAME": settings.SITE_NAME,
        "is_network_admin": bool(user and is_network_admin(user)),
    }
