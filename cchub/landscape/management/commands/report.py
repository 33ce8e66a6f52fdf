"""``cchub report``: the landscape report for a period (html, pdf, or csv tables in a zip)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from cchub.landscape import report
from cchub.lib.commands import HubCommand


class Command(HubCommand):
    help = "the landscape report for a period (html, pdf, or csv tables in a zip)"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--from", dest="start",
                            help="first day, YYYY-MM-DD (default: a year before --to)")
        parser.add_argument("--to", dest="end", help="last day, YYYY-MM-DD (default: today)")
        parser.add_argument("--format", choices=["html", "pdf", "csv"], default="html")
        parser.add_argument("--output", help="file to write (default: cchub-landscape-FROM-TO.EXT)")

    def run(self, args: argparse.Namespace) -> int:


        try:
            start = dt.date.fromisoformat(args.start) if args.start else None
            end = dt.date.fromisoformat(args.end) if args.end else None
        except ValueError as exc:
            print(f"--from and --to take dates as YYYY-MM-DD ({exc}).", file=sys.stderr)
            return 2
        if start and end and start > end:
            print("--from is later than --to.", file=sys.stderr)
            return 2
        started = time.monotonic()
        built = report.build(start, end)
        body: bytes
        if args.format == "pdf":
            body, suffix = report.pdf(built), "pdf"
        elif args.format == "csv":
            body, suffix = report.csv_zip(built), "zip"
        else:
            body, suffix = report.html(built).encode(), "html"
        first, last = built.period.start.date(), (built.period.end - dt.timedelta(days=1)).date()
        path = Path(args.output or f"cchub-landscape-{first}-{last}.{suffix}")
        path.write_bytes(body)
        print(f"{built.title}: {path} ({len(body) // 1024} KB, {time.monotonic() - started:.1f} s; "
              f"{len(built.gaps)} gaps, {built.board.figures['centres'].value} centres)")
        return 0
