"""Reads of the search's own records that other apps may make (through ``cchub.search``)."""

from __future__ import annotations

import datetime as dt

from cchub.search.models import ZeroResultQuery


def zero_result_queries(start: dt.datetime, end: dt.datetime) -> list[tuple[str, list[str]]]:
    """(query, types searched) of every search in [start, end) that found nothing."""
    rows = ZeroResultQuery.objects.filter(at__gte=start, at__lt=end).values_list("query", "doc_types")
    return [(query, list(types)) for query, types in rows]
