"""Reading spreadsheet rows with bounds: a small compressed XLSX (or a long CSV) cannot make
a worker hold millions of rows or giant cells."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class TableTooLarge(ValueError):
    """The table is past one of the bounds; the message says which, and where."""


def bounded_rows(
    rows: Iterable[Iterable[Any]], origin: str, *,
    max_rows: int, max_columns: int = 200, max_cell: int = 100_000,
) -> list[list[Any]]:
    """The rows, read one at a time (trailing empty cells dropped), refused past ``max_rows``
    rows after the header, ``max_columns`` columns or ``max_cell`` characters in a cell."""
    found: list[list[Any]] = []
    for number, row in enumerate(rows, start=1):
        if number > max_rows + 1:
            raise TableTooLarge(f"{origin}: more than {max_rows:,} rows; split the file.")
        cells = list(row)
        while cells and cells[-1] in (None, ""):
            cells.pop()
        if len(cells) > max_columns:
            raise TableTooLarge(f"{origin}, line {number}: more than {max_columns} columns.")
        for cell in cells:
            if isinstance(cell, str) and len(cell) > max_cell:
                raise TableTooLarge(f"{origin}, line {number}: a cell longer than {max_cell:,} characters.")
        found.append(cells)
    return found
