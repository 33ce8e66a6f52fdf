"""``cchub createadmin``: create a network administrator."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from cchub.accounts.admins import create_admin
from cchub.lib.commands import HubCommand


class Command(HubCommand):
    help = "create a network administrator"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--username", default="admin")
        parser.add_argument("--email", default="")

    def run(self, args: argparse.Namespace) -> int:


        password = os.environ.get("CCHUB_ADMIN_PASSWORD") or ""
        if not password:
            if not sys.stdin.isatty():
                print("Set CCHUB_ADMIN_PASSWORD or run interactively.", file=sys.stderr)
                return 2
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                print("Passwords differ.", file=sys.stderr)
                return 2
        try:
            user = create_admin(args.username, args.email, password)
        except ValueError as exc:
            print(f"Cannot create administrator: {exc}", file=sys.stderr)
            return 2
        print(f"Network administrator '{user.username}' is ready.")
        return 0
