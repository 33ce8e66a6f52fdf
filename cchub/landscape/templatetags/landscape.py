"""Filters for the coverage matrix."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()
LETTERS = {"expert": "E", "hands-on": "H", "training": "T", "referral": "R"}


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    return mapping.get(key) if mapping else None


@register.filter
def level_letters(levels: Any) -> str:
    """{"expert": 2, "training": 1} -> "2E 1T" (the order of the levels)."""
    return " ".join(f"{levels[k]}{letter}" for k, letter in LETTERS.items() if levels and levels.get(k))


@register.filter
def cell_shade(count: int) -> int:
    """A shade class from 1 to 4, for a cell's number of centres."""
    return 1 if count <= 1 else 2 if count <= 3 else 3 if count <= 6 else 4
