"""``cchub support-round``: send SLA warnings and close solved tickets now."""

from __future__ import annotations

import argparse

from cchub.lib.commands import HubCommand
from cchub.support.workflow import tick


class Command(HubCommand):
    help = "send SLA warnings and close solved tickets now"

    def run(self, args: argparse.Namespace) -> int:

        counts = tick()
        print("Support round: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        return 0
