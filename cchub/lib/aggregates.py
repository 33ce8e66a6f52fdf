"""Figures the database computes for a period: hours between two stamps, their median, the
month of a stamp (SQLite and PostgreSQL each in their own way)."""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Any

from django.db import connection
from django.db.models import CharField, ExpressionWrapper, F, FloatField, Func, Value
from django.db.models.functions import TruncMonth


def hours_between(start_field: str, end_field: str) -> Any:
    """The hours between two stamps of a row, computed by the database."""
    if connection.vendor == "sqlite":
        days = Func(F(end_field), function="julianday", output_field=FloatField()) - Func(
            F(start_field), function="julianday", output_field=FloatField()
        )
        return ExpressionWrapper(days * 24, output_field=FloatField())
    seconds = Func(
        F(end_field) - F(start_field),
        template="EXTRACT(EPOCH FROM %(expressions)s)",
        output_field=FloatField(),
    )
    return ExpressionWrapper(seconds / 3600, output_field=FloatField())


def median_hours(qs: Any, start_field: str, end_field: str) -> float | None:
    """The median of the hours between two stamps, over the rows that have both: the
    database sorts, and only the middle row (or two) comes back."""
    rows = qs.filter(**{f"{end_field}__isnull": False}).annotate(took=hours_between(start_field, end_field))
    n = rows.count()
    if not n:
        return None
    middle = list(rows.order_by("took").values_list("took", flat=True)[(n - 1) // 2 : n // 2 + 1])
    return round(statistics.fmean(middle), 1)


def month_key(month: Any) -> str:
    if isinstance(month, str):
        return month[:7]
    return (month.date() if isinstance(month, dt.datetime) else month).strftime("%Y-%m")


def month_of(field_name: str) -> Any:
    """The (UTC) month of a timestamp, computed by the database: SQLite's own strftime (its
    time-zone aware truncation calls Python for every row), PostgreSQL's date_trunc."""
    if connection.vendor == "sqlite":
        return Func(Value("%Y-%m"), F(field_name), function="strftime", output_field=CharField())
    return TruncMonth(field_name, tzinfo=dt.UTC)
