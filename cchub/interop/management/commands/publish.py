"""``cchub publish``: publish every record again for OAI-PMH (unchanged ones keep their date)."""

from __future__ import annotations

import argparse
import time

from cchub.interop.publish import rebuild
from cchub.lib.commands import HubCommand
from cchub.lib.progress import progress_line


class Command(HubCommand):
    help = "publish every record again for OAI-PMH (unchanged ones keep their date)"

    def run(self, args: argparse.Namespace) -> int:

        started = time.monotonic()
        counts = rebuild(progress=progress_line())
        print(f"Published for OAI-PMH in {time.monotonic() - started:.1f} s: "
              + ", ".join(f"{k} {v}" for k, v in counts.items()))
        return 0
