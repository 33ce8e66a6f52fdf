"""``cchub import``: import a registry export (.json) or a survey (.csv/.xlsx)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cchub.lib.commands import HubCommand
from cchub.lib.progress import progress_line
from cchub.registry.exchange import import_file


class Command(HubCommand):
    help = "import a registry export (.json) or a survey (.csv/.xlsx)"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="report problems, write nothing")

    def run(self, args: argparse.Namespace) -> int:

        path = Path(args.file)
        if not path.is_file():
            print(f"No such file: {path}", file=sys.stderr)
            return 2
        print(f"Reading {path} ...", flush=True)
        report = import_file(path, None, dry_run=args.dry_run, progress=progress_line())
        for problem in report.problems:
            print(f"  {problem}")
        print(report.summary())
        return 0 if report.ok else 1
