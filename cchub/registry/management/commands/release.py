"""``cchub release``: publish a dated, frozen release of the registry."""

from __future__ import annotations

import argparse
import sys

from cchub.lib.commands import HubCommand
from cchub.registry.releases import ReleaseError, publish_release


class Command(HubCommand):
    help = "publish a dated, frozen release of the registry"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("version")
        parser.add_argument("--title", required=True)
        parser.add_argument("--notes", default="")

    def run(self, args: argparse.Namespace) -> int:

        try:
            release = publish_release(args.version, args.title, args.notes, None)
        except ReleaseError as exc:
            print(str(exc), file=sys.stderr)
            return 2
        print(f"Published release {release.version}: {release.counts}")
        return 0
