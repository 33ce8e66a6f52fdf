"""Routing accuracy and latency on the demo network.

    .venv/bin/python bench/routing.py [--write] [--show-misses]

bench/routing_questions.jsonl holds labelled questions (subject, body, optional language
and country) with the centre(s) that should answer. A question counts as routed right at
top-1 when the first candidate is one of its expected centres, at top-3 when one of the
first three is. Latency is the time of one ``route()`` call once the profile is warm.
Modes: keyword alone, and keyword + semantic when the ``semantic`` extra is installed.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import demo_network

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true", help="append the table to docs/benchmarks.md")
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument(
        "--centres", type=int, default=1000, help="synthetic centres for the latency run at scale"
    )
    parser.add_argument("--tickets", type=int, default=20000, help="synthetic solved tickets at scale")
    args = parser.parse_args()
    demo_network.start("cchub-routing-")
    from django.conf import settings

    from cchub.registry.models import Centre
    from cchub.search import semantic
    from cchub.support import routing

    slugs = dict(Centre.objects.values_list("pk", "slug"))
    questions = [json.loads(line) for line in (ROOT / "bench" / "routing_questions.jsonl").open()]
    modes = [("keyword", False)] + ([("keyword + semantic", True)] if semantic.available() else [])
    rows, misses = [], {}
    for mode, use_semantic in modes:
        settings.SEMANTIC_SEARCH = use_semantic
        routing._cache.clear()
        routing.route(routing.Question(subject="warm up"))
        top1 = top3 = 0
        missed = []
        times, answers = route_all(questions)
        for q, found in zip(questions, answers, strict=True):
            got = [slugs[c.centre_id] for c in found]
            expected = set(q["expect"])
            top1 += bool(got[:1]) and got[0] in expected
            top3 += bool(expected & set(got[:3]))
            if not got or got[0] not in expected:
                missed.append(f"{q['subject']!r}: expected {sorted(expected)}, got {got}")
        misses[mode] = missed
        n = len(questions)
        rows.append((mode, top1 / n, top3 / n, percentile(times, 50), percentile(times, 95), max(times)))
    lines = [
        f"{len(questions)} labelled questions across 14 workflow stages and all five clusters "
        "(bench/routing_questions.jsonl), 29 demo centres",
        "",
        "| mode | top-1 | top-3 | p50 ms | p95 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {m} | {t1:.1%} | {t3:.1%} | {p50:.1f} | {p95:.1f} | {mx:.1f} |"
        for m, t1, t3, p50, p95, mx in rows
    ]
    scale = at_scale(questions, args.centres, args.tickets, modes)
    lines += [
        "",
        f"Latency at scale: {args.centres} more centres (5 competence offers each) and {args.tickets} "
        "solved tickets the router learns from",
        "",
        "| mode | first build s | rebuild s | p50 ms | p95 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {m} | {build:.1f} | {again:.1f} | {p50:.1f} | {p95:.1f} | {mx:.1f} |"
        for m, build, again, p50, p95, mx in scale
    ]
    lines.append(
        "\nThe first build embeds every text once (semantic mode); later rebuilds, after a change, reuse "
        "the stored vectors and run in the background while requests use the previous profile."
    )
    lines.append("\nTargets: top-3 ≥ 90 %, top-1 ≥ 75 %, p95 ≤ 50 ms once warm.")
    print("\n".join(lines))
    if args.show_misses:
        for mode, missed in misses.items():
            print(f"\n{mode}: {len(missed)} not first\n  " + "\n  ".join(missed))
    if args.write:
        machine = f"{platform.node()} · {platform.machine()} · Python {platform.python_version()}"
        with (ROOT / "docs" / "benchmarks.md").open("a", encoding="utf-8") as fh:
            fh.write(
                f"\n## {time.strftime('%Y-%m-%d')} — support routing\n\nMachine: {machine}. "
                "Command: `python bench/routing.py`.\n\n" + "\n".join(lines) + "\n"
            )
    return 0


def route_all(questions: list[dict]) -> tuple[list[float], list[list]]:
    """Route every question once: milliseconds each, and the candidates found."""
    from cchub.support import routing

    times, answers = [], []
    for q in questions:
        question = routing.Question(
            subject=q["subject"], body=q["body"], language=q.get("language", ""), country=q.get("country", "")
        )
        started = time.perf_counter()
        answers.append(routing.route(question, limit=3))
        times.append((time.perf_counter() - started) * 1000)
    return times, answers


def at_scale(questions: list[dict], centres: int, tickets: int, modes: list[tuple[str, bool]]) -> list[tuple]:
    """Grow the network with synthetic centres and solved tickets; time route() again."""
    import random

    from django.conf import settings

    from cchub.registry.models import COMPETENCES, Centre, CompetenceOffer
    from cchub.support import routing
    from cchub.support.models import Ticket
    from cchub.vocab.models import Concept

    rng = random.Random(7)
    concepts = list(Concept.objects.filter(scheme__slug=COMPETENCES).values_list("pk", flat=True))
    countries = ["DE", "FR", "IT", "ES", "PL", "NL", "BE", "SE", "DK", "FI", "AT", "CZ", "PT", "GR", "IE"]
    made = Centre.objects.bulk_create(
        [
            Centre(
                slug=f"syn-{i}",
                acronym=f"SYN-{i}",
                name=f"Synthetic centre {i}",
                kind="institutional",
                countries=[rng.choice(countries)],
                languages=["en"],
            )
            for i in range(centres)
        ]
    )
    CompetenceOffer.objects.bulk_create(
        [
            CompetenceOffer(
                centre=c, competence_id=k, level=rng.choice(["expert", "hands-on", "training", "referral"])
            )
            for c in made
            for k in rng.sample(concepts, 5)
        ]
    )
    ids = [c.pk for c in Centre.objects.all()]
    Ticket.objects.bulk_create(
        [
            Ticket(
                subject=q["subject"],
                body=" ".join(rng.sample(q["body"].split(), k=len(q["body"].split()) // 2)),
                requester_email="bench@example.org",
                centre_id=rng.choice(ids),
                state="solved",
            )
            for q in (rng.choice(questions) for _ in range(tickets))
        ],
        batch_size=2000,
    )
    rows = []
    for mode, use_semantic in modes:
        settings.SEMANTIC_SEARCH = use_semantic
        routing._cache.clear()
        started = time.perf_counter()
        routing.profile()
        build = time.perf_counter() - started
        times, _ = route_all(questions)
        routing._cache.clear()  # a rebuild after a change: stored vectors are reused
        started = time.perf_counter()
        routing.profile()
        rebuild = time.perf_counter() - started
        rows.append((mode, build, rebuild, percentile(times, 50), percentile(times, 95), max(times)))
    return rows


if __name__ == "__main__":
    sys.exit(main())
