"""``cchub ingest``: read training sources (or one file) into the catalogue."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cchub.lib.commands import HubCommand
from cchub.lib.progress import progress_line
from cchub.registry.models import Centre
from cchub.training.ingest import IngestError, read, run_source, write
from cchub.training.models import Source


class Command(HubCommand):
    help = "read training sources (or one file) into the catalogue"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--source", type=int, action="append", default=[],
                            help="only this source id (repeatable)")
        parser.add_argument("--file", help="a local file instead of the registered sources")
        parser.add_argument("--centre", help="with --file: the organising centre's slug")
        parser.add_argument("--kind", help="with --file: ical, csv or bioschemas")
        parser.add_argument("--dry-run", action="store_true", help="report, write nothing")

    def run(self, args: argparse.Namespace) -> int:

        if args.file:
            centre = Centre.objects.filter(slug=args.centre).first()
            if centre is None or args.kind not in dict(Source.KINDS):
                print("With --file give --centre SLUG and --kind ical|csv|bioschemas.", file=sys.stderr)
                return 2
            path = Path(args.file)
            try:
                report = write(read(args.kind, path.read_bytes(), path.name), centre, dry_run=args.dry_run)
            except (OSError, IngestError) as exc:
                print(str(exc), file=sys.stderr)
                return 1
            reports = [(path.name, report)]
        else:
            sources = Source.objects.filter(enabled=True).select_related("centre")
            if args.source:
                sources = sources.filter(pk__in=args.source)
            reports = []
            total = sources.count()
            for n, source in enumerate(sources, start=1):
                progress_line()("sources", n, total)
                reports.append((str(source), run_source(source, dry_run=args.dry_run)))
        ok = True
        for name, report in reports:
            print(f"{name}: {report.summary()}")
            for line in report.rejected:
                print(f"  rejected: {line}")
            ok = ok and report.ok
        return 0 if ok else 1
