"""Start Django on a fresh SQLite database holding the demo network (for benchmarks that
measure quality on the demo data)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start(prefix: str) -> None:
    os.environ["CCHUB_DATA_DIR"] = tempfile.mkdtemp(prefix=prefix)
    os.environ["CCHUB_DATABASE_URL"] = ""
    os.environ["CCHUB_LOG_LEVEL"] = "ERROR"
    os.environ["DJANGO_SETTINGS_MODULE"] = "cchub.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from cchub.registry.demo import load_demo

    call_command("migrate", verbosity=0, interactive=False)
    load_demo()
