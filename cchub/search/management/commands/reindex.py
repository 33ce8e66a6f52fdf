"""``cchub reindex``: rebuild the search index."""

from __future__ import annotations

import argparse
import sys
import time

from cchub.lib.commands import HubCommand
from cchub.lib.progress import progress_line
from cchub.search import semantic, synonyms
from cchub.search.index import TYPES, rebuild


class Command(HubCommand):
    help = "rebuild the search index"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--type", action="append", default=[], help="only this type (repeatable)")
        parser.add_argument("--no-vectors", action="store_true", help="skip semantic embeddings")

    def run(self, args: argparse.Namespace) -> int:

        unknown = [t for t in args.type if t not in TYPES]
        if unknown:
            print(f"Unknown type(s): {', '.join(unknown)}; known: {', '.join(TYPES)}", file=sys.stderr)
            return 2
        started = time.monotonic()
        counts = rebuild(args.type or None, progress=progress_line())
        seconds = time.monotonic() - started
        total = sum(counts.values())
        print(f"Indexed {total} records in {seconds:.1f} s ({total / max(seconds, 1e-9):.0f}/s): "
              + ", ".join(f"{k} {v}" for k, v in counts.items()))

        # Synonym phrases registered since some records were indexed (SQLite): their tokens.
        line = progress_line()
        changed = synonyms.backfill(progress=lambda done, total: line("synonym phrases", done, total))
        if changed:
            print(f"Synonym phrases: {changed} record(s) given their phrase tokens")

        if semantic.available() and not args.no_vectors:
            started = time.monotonic()
            made = semantic.embed_missing(progress=progress_line())
            print(f"Semantic search: {made} new vector(s) in {time.monotonic() - started:.1f} s "
                  "(unchanged texts keep theirs).")
        return 0
