"""Admin pieces shared by the apps."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


class HarvestedReadOnly:
    """A harvested record can be viewed in the admin, not changed or deleted: it is
    changed at its origin and comes back with the next harvest."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and getattr(obj, "origin_id", None) is not None:
            return False
        return super().has_change_permission(request, obj)  # type: ignore[misc,no-any-return]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and getattr(obj, "origin_id", None) is not None:
            return False
        return super().has_delete_permission(request, obj)  # type: ignore[misc,no-any-return]
