"""``cchub mail-in``: take one e-mail reply on standard input (for an MTA pipe)."""

from __future__ import annotations

import argparse
import sys

from cchub.lib.commands import HubCommand
from cchub.support.mailin import receive


class Command(HubCommand):
    help = "take one e-mail reply on standard input (for an MTA pipe)"

    def run(self, args: argparse.Namespace) -> int:

        outcome = receive(sys.stdin.buffer.read())
        print(outcome)
        return 0 if outcome.startswith(("added", "ignored", "dropped")) else 1
