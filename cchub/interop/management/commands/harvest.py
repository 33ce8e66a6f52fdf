"""``cchub harvest``: harvest the sources (or the named ones) now."""

from __future__ import annotations

import argparse
import sys

from cchub.interop.harvest import run, start
from cchub.interop.models import Harvest, Source
from cchub.lib.commands import HubCommand


class Command(HubCommand):
    help = "harvest the sources (or the named ones) now"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("source", nargs="*", help="source slug(s); default: every enabled source")
        parser.add_argument("--full", action="store_true", help="everything, not only what changed")

    def run(self, args: argparse.Namespace) -> int:

        sources = Source.objects.filter(enabled=True)
        if args.source:
            sources = Source.objects.filter(slug__in=args.source)
            missing = set(args.source) - set(sources.values_list("slug", flat=True))
            if missing:
                print(f"Unknown source(s): {', '.join(sorted(missing))}", file=sys.stderr)
                return 2
        def show(h: Harvest) -> None:
            done = ", ".join(f"{k} {v}" for k, v in sorted(h.counts.items()))
            print(f"\r{h.source.slug}: page {h.pages} — {done}", end="", flush=True)

        ok = True
        for source in sources:
            harvest = run(start(source, full=args.full), progress=show)
            print()
            print(f"{source.slug}: {harvest.get_state_display().lower()}"
                  + (f" — {harvest.error}" if harvest.error else ""))
            for problem in harvest.problems[:50]:
                print(f"  {problem['identifier']}: {problem['message']}")
            ok = ok and harvest.state == Harvest.DONE
        return 0 if ok else 1
