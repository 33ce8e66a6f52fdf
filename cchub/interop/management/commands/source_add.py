"""``cchub source-add``: register (or change) a source to harvest."""

from __future__ import annotations

import argparse
import sys

from django.core.exceptions import ValidationError

from cchub.interop.models import Source
from cchub.lib.commands import HubCommand


class Command(HubCommand):
    help = "register (or change) a source to harvest"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("url", help="OAI-PMH base URL, or a page or sitemap with JSON-LD")
        parser.add_argument("--name", default="")
        parser.add_argument("--kind", default="cchub", choices=["cchub", "oai-pmh", "jsonld"])
        parser.add_argument("--set", default="", help="harvest only this OAI-PMH set")
        parser.add_argument("--every-hours", type=int, default=24)
        parser.add_argument("--allow-private", action="store_true",
                            help="allow loopback and private addresses")
        parser.add_argument("--reexport", action="store_true",
                            help="publish its records again, with provenance")

    def run(self, args: argparse.Namespace) -> int:


        source = Source.objects.filter(slug=args.slug).first() or Source(slug=args.slug)
        source.url, source.kind, source.name = args.url, args.kind, args.name or source.name or args.slug
        source.set_spec, source.every_hours = args.set, args.every_hours
        source.allow_private, source.reexport = args.allow_private, args.reexport
        try:
            source.full_clean()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                print(f"{field}: {' '.join(messages)}", file=sys.stderr)
            return 2
        source.save()
        print(f"Source {source.slug}: {source.get_kind_display()} at {source.url}")
        return 0
