"""``cchub export``: export the registry as JSON and CSV."""

from __future__ import annotations

import argparse
from pathlib import Path

from cchub.lib.commands import HubCommand
from cchub.registry.exchange import write_export


class Command(HubCommand):
    help = "export the registry as JSON and CSV"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("directory", nargs="?", default="export")

    def run(self, args: argparse.Namespace) -> int:

        for path in write_export(Path(args.directory)):
            print(f"wrote {path}")
        return 0
