"""``cchub mail-server``: receive e-mail replies over SMTP."""

from __future__ import annotations

import argparse

from cchub.lib.commands import HubCommand
from cchub.support.mailserver import serve_forever


class Command(HubCommand):
    help = "receive e-mail replies over SMTP"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=2525)

    def run(self, args: argparse.Namespace) -> int:

        print(f"CC Hub receiving replies by SMTP on {args.host}:{args.port} (Ctrl-C to stop)", flush=True)
        serve_forever(args.host, args.port)
        return 0
