"""Who changed what and when, for every record of the hub."""

from __future__ import annotations

import difflib
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models


class Change(models.Model):
    CREATE, UPDATE, DELETE, APPROVE, REJECT = "create", "update", "delete", "approve", "reject"
    ACTIONS = [
        (CREATE, "created"),
        (UPDATE, "changed"),
        (DELETE, "deleted"),
        (APPROVE, "approved"),
        (REJECT, "rejected"),
    ]

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=300)
    # The centre a change belongs to, so a centre page lists its offers' and contacts' changes.
    centre_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    action = models.CharField(max_length=10, choices=ACTIONS)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # {field: [old, new]}
    changes = models.JSONField(default=dict)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id", "-at"])]

    def __str__(self) -> str:
        return f"{self.object_repr} {self.get_action_display()} at {self.at:%Y-%m-%d %H:%M}"

    def field_diffs(self) -> list[dict[str, Any]]:
        """Each changed field with its old and new value and, for long text, a line diff."""
        rows = []
        for field, (old, new) in sorted(self.changes.items()):
            row: dict[str, Any] = {"field": field.replace("_", " "), "old": old, "new": new}
            if isinstance(old, str) and isinstance(new, str) and ("\n" in old + new or len(old + new) > 160):
                row["lines"] = [
                    line
                    for line in difflib.unified_diff(
                        old.splitlines(), new.splitlines(), lineterm="", n=1
                    )
                    if not line.startswith(("---", "+++"))
                ]
            rows.append(row)
        return rows
