"""Progress on the command line for long operations (imports, reindexing, embeddings)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable


def progress_line() -> Callable[[str, int, int], None]:
    """A progress printer for long operations: one updating line on a terminal."""
    tty = sys.stderr.isatty()
    last_what = [""]
    last_at = [0.0]

    def show(what: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done != total and what == last_what[0] and now - last_at[0] < 0.2:
            return
        last_what[0], last_at[0] = what, now
        line = f"  {what}: {done}/{total}"
        if tty:
            sys.stderr.write(f"\r{line:<40}" + ("\n" if done == total else ""))
        elif done == total:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    return show
