"""``cchub glossary-import``: merge a SKOS file into the glossary (by URI)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cchub.glossary.skos import import_skos
from cchub.lib.commands import HubCommand


class Command(HubCommand):
    help = "merge a SKOS file into the glossary (by URI)"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="report what would change, write nothing")

    def run(self, args: argparse.Namespace) -> int:

        path = Path(args.file)
        if not path.is_file():
            print(f"No such file: {path}", file=sys.stderr)
            return 2
        report = import_skos(path.name, path.read_bytes(), None, dry_run=args.dry_run)
        for problem in report.problems:
            print(f"  {problem}")
        for label, uris in (("add", report.added), ("update", report.updated)):
            for uri in uris:
                print(f"  {label}: {uri}")
        print(report.summary())
        return 0 if report.ok else 1
