"""Relevance of search on the demo network: recall@10 and MRR for keyword and hybrid search.

    .venv/bin/python bench/relevance.py [--write]

bench/relevance_queries.json holds labelled queries: each with the records that should
come first. A query's recall@10 is the share of its expected records in the first ten
results; its reciprocal rank is 1/rank of the first expected record (0 if none in the
first 50). A misspelled query is answered with the spelling suggestion when there is one,
as the search page offers it. Hybrid needs the `semantic` extra.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import demo_network

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    demo_network.start("cchub-relevance-")
    from cchub.search import semantic
    from cchub.search.query import search

    modes = ["keyword"]
    if semantic.available():
        semantic.embed_missing()
        modes.append("hybrid")
    labelled = json.loads((ROOT / "bench" / "relevance_queries.json").read_text())
    rows = []
    for mode in modes:
        recalls, rrs, misses = [], [], []
        for q, expected in labelled:
            results = search(q, page_size=50, log=False, semantic=(mode == "hybrid"))
            if results.suggestion:  # the page offers it; a user who misspelled follows it
                results = search(results.suggestion, page_size=50, log=False, semantic=(mode == "hybrid"))
            urls = [h.url for h in results.hits]
            recalls.append(len(set(expected) & set(urls[:10])) / len(expected))
            rank = next((i + 1 for i, u in enumerate(urls) if u in expected), None)
            rrs.append(1 / rank if rank else 0.0)
            if not rank or rank > 3:
                misses.append(f"{q!r} (first expected at {rank or '>50'})")
        rows.append((mode, statistics.fmean(recalls), statistics.fmean(rrs), misses))
    lines = [f"{len(labelled)} labelled queries on the demo network (bench/relevance_queries.json)",
             "", "| mode | recall@10 | MRR |", "|---|---:|---:|"]
    lines += [f"| {mode} | {recall:.3f} | {mrr:.3f} |" for mode, recall, mrr, _ in rows]
    for mode, _, _, misses in rows:
        lines.append(f"\n{mode}: first expected record below rank 3 for {len(misses)} queries: "
                     + "; ".join(misses))
    print("\n".join(lines))
    if args.write:
        machine = f"{platform.node()} · {platform.machine()} · Python {platform.python_version()}"
        with (ROOT / "docs" / "benchmarks.md").open("a", encoding="utf-8") as fh:
            fh.write(f"\n## {time.strftime('%Y-%m-%d')} — search relevance\n\nMachine: {machine}. "
                     "Command: `python bench/relevance.py`.\n\n" + "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
