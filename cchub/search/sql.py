"""The search layer's lowest pieces: what a word is, and raw reads of the index's tables."""

from __future__ import annotations

import re
from typing import Any

from django.db import connection

WORD = re.compile(r"[^\W_]+", re.UNICODE)


def rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Every row of one SQL statement: the search layer's raw reads."""
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return list(cur.fetchall())
