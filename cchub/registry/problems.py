"""What an import found: each problem where it is (line, or sheet cell), and the counts
of what was added, changed and left as it was."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Problem:
    where: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.where}, {self.field}" if self.field else self.where
        return f"{where}: {self.message}"


@dataclass
class Report:
    dry_run: bool
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # Called with (what, done, total) as records are read; the CLI prints a progress line.
    progress: Callable[[str, int, int], None] | None = field(default=None, repr=False)

    def step(self, what: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(what, done, total)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def count(self, kind: str, created: bool) -> None:
        bucket = self.created if created else self.updated
        bucket[kind] = bucket.get(kind, 0) + 1

    def summary(self) -> str:
        parts = [f"{k}: {self.created.get(k, 0)} new, {self.updated.get(k, 0)} updated"
                 for k in sorted(set(self.created) | set(self.updated))]
        state = (
            f"{len(self.problems)} problem(s); nothing was written"
            if self.problems
            else ("dry run, nothing was written" if self.dry_run else "written")
        )
        return "; ".join(parts + [state])

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "dry_run": self.dry_run, "written": self.written,
            "created": self.created, "updated": self.updated,
            "problems": [{"where": p.where, "field": p.field, "message": p.message}
                         for p in self.problems],
        }


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
