"""The demo network: facts from the seed documents, in the registry's export format."""

from __future__ import annotations

import json
from pathlib import Path

from cchub.lib.progress import progress_line
from cchub.registry.exchange import import_registry_json
from cchub.registry.problems import Report
from cchub.vocab.loading import ensure_builtin_vocabularies

NETWORK = Path(__file__).resolve().parent / "network.json"


def load_demo(progress: bool = False) -> Report:
    if progress:
        print("Loading vocabularies ...", flush=True)
    ensure_builtin_vocabularies()
    if progress:
        print(f"Loading the demo network from {NETWORK.name} ...", flush=True)
    data = json.loads(NETWORK.read_text(encoding="utf-8"))
    report = import_registry_json(data, None, note="demo network",
                                  progress=progress_line() if progress else None)
    for problem in report.problems:
        print(f"  {problem}")
    return report
