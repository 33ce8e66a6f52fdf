"""The landscape at scale: 1,000 centres and 100,000 tickets (by default), against the raw
floor.

    .venv/bin/python bench/landscape.py [--centres 1000] [--tickets 100000] [--runs 15]
        [--database-url URL] [--write]

Builds a fresh database (SQLite in a temporary data dir, or --database-url) with the demo
network grown to --centres centres (their offers copied), --tickets helpdesk tickets spread
over three years (most answered, many solved, some transferred, some past their service
level), 20,000 searches that found nothing and 5,000 training events; then times, in-process
(Django test client; median and 95th percentile of --runs, after a first warm-up request
whose time is shown too), the dashboard page, the coverage matrix, the gaps page, a chart, and
the report in each format — next to the raw floor: the dashboard's ticket figures read
straight from the engine in one SQL statement each. Targets (issue 7): dashboard page
≤ 300 ms, report ≤ 10 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from registry import ROOT, floor, setup  # noqa: E402


def build(centres: int, tickets: int) -> dict[str, int]:
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from cchub.registry.demo import load_demo
    from cchub.registry.models import Centre, CompetenceOffer
    from cchub.search.models import ZeroResultQuery
    from cchub.support.models import Ticket, TicketEvent
    from cchub.training.models import Event
    from cchub.vocab.models import Concept

    call_command("migrate", verbosity=0, interactive=False)
    load_demo()
    rng = random.Random(3)
    originals = list(Centre.objects.prefetch_related("clusters", "offers"))
    areas = list(Concept.objects.filter(scheme__slug="competences", broader__isnull=True))
    words = list(Concept.objects.filter(scheme__slug="competences").values_list("pref_label", flat=True))
    now = timezone.now()
    # auto_now_add would stamp every row with now: the bench sets its own dates
    for model in (Ticket, TicketEvent, ZeroResultQuery):
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now_add", False):
                f.auto_now_add = False  # type: ignore[attr-defined]
    with transaction.atomic():
        copy = 0
        while Centre.objects.count() < centres:
            copy += 1
            for c in originals:
                if Centre.objects.count() >= centres:
                    break
                clone = Centre.objects.create(
                    slug=f"{c.slug}-x{copy}",
                    acronym=f"{c.acronym}-x{copy}",
                    name=f"{c.name} {copy}",
                    kind=c.kind,
                    countries=c.countries,
                    status=c.status,
                    description=c.description,
                )
                clone.clusters.set(c.clusters.all())
                CompetenceOffer.objects.bulk_create(
                    [
                        CompetenceOffer(centre=clone, competence_id=o.competence_id, level=o.level)
                        for o in c.offers.all()
                    ]
                )
        ids = list(Centre.objects.values_list("pk", flat=True))
        batch: list[Ticket] = []
        for n in range(tickets):
            created = now - dt.timedelta(days=rng.uniform(0, 3 * 365))
            answered = created + dt.timedelta(hours=rng.expovariate(1 / 8)) if rng.random() < 0.9 else None
            solved = (
                answered + dt.timedelta(hours=rng.expovariate(1 / 60))
                if answered and rng.random() < 0.8
                else None
            )
            batch.append(
                Ticket(
                    subject=f"Question {n}",
                    body="?",
                    requester_email=f"r{n}@example.org",
                    stage=rng.choice(areas),
                    centre_id=rng.choice(ids),
                    created_at=created,
                    first_response_at=answered,
                    solved_at=solved,
                    state="solved" if solved else "in-progress",
                )
            )
            if len(batch) == 5000:
                Ticket.objects.bulk_create(batch)
                batch = []
        Ticket.objects.bulk_create(batch)
        ticket_ids = list(Ticket.objects.values_list("pk", "created_at"))
        events = []
        for pk, created in rng.sample(ticket_ids, min(len(ticket_ids), tickets // 10)):
            kind = rng.choice([TicketEvent.SLA, TicketEvent.TRANSFER])
            data = {"clock": "resolution", "state": "breached"} if kind == TicketEvent.SLA else {}
            events.append(
                TicketEvent(ticket_id=pk, kind=kind, data=data, created_at=created + dt.timedelta(days=1))
            )
        TicketEvent.objects.bulk_create(events, batch_size=5000)
        ZeroResultQuery.objects.bulk_create(
            [
                ZeroResultQuery(
                    query=f"{rng.choice(words)} help",
                    doc_types=rng.choice([[], ["event"]]),
                    filters={},
                    at=now - dt.timedelta(days=rng.uniform(0, 730)),
                )
                for _ in range(20000)
            ],
            batch_size=5000,
        )
        Event.objects.bulk_create(
            [
                Event(
                    slug=f"bench-{n}",
                    title=f"{rng.choice(words)} workshop {n}",
                    start=(start := now + dt.timedelta(days=rng.uniform(-700, 200))),
                    end=start + dt.timedelta(hours=8),
                )
                for n in range(5000)
            ],
            batch_size=2000,
        )
    return {
        "centres": Centre.objects.count(),
        "offers": CompetenceOffer.objects.count(),
        "tickets": Ticket.objects.count(),
    }


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float, float]:
    """(first, median, p95) in ms."""
    start = time.perf_counter()
    fn()
    first = (time.perf_counter() - start) * 1000
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return first, statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--centres", type=int, default=1000)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    os.environ["CCHUB_SEMANTIC"] = "0"
    setup(args.database_url)
    from django.db import connection
    from django.test import Client

    started = time.perf_counter()
    sizes = build(args.centres, args.tickets)
    print(f"built {sizes} in {time.perf_counter() - started:.0f} s", flush=True)
    client = Client()

    def get(path: str) -> Callable[[], object]:
        def run() -> object:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            return response

        return run

    year_ago = (
        "now() - interval '1 year'" if connection.vendor == "postgresql" else "datetime('now', '-1 year')"
    )
    cases = [
        (
            "Page: dashboard (all figures, trends, series)",
            get("/landscape/"),
            floor(f"select count(*), count(solved_at) from support_ticket where created_at >= {year_ago}"),
        ),
        (
            "Chart: questions per month (SVG)",
            get("/landscape/charts/tickets.svg"),
            floor(f"select count(*) from support_ticket where created_at >= {year_ago}"),
        ),
        (
            "Page: coverage matrix by cluster",
            get("/landscape/coverage/"),
            floor("select competence_id, centre_id, level from registry_competenceoffer"),
        ),
        (
            "Page: coverage matrix by country",
            get("/landscape/coverage/?by=country"),
            floor("select competence_id, centre_id, level from registry_competenceoffer"),
        ),
        (
            "Page: gaps",
            get("/landscape/gaps/"),
            floor(
                "select stage_id, count(*) from support_ticket "
                f"where created_at >= {year_ago} group by stage_id"
            ),
        ),
        ("Report: HTML page", get("/landscape/report/"), None),
        ("Report: PDF", get("/landscape/report/?format=pdf"), None),
        ("Report: CSV tables (zip)", get("/landscape/report/?format=csv"), None),
    ]
    rows = []
    for name, fn, raw in cases:
        runs = args.runs if name.startswith(("Page", "Chart")) else max(3, args.runs // 5)
        first, median, p95 = timed(fn, runs)
        raw_median = timed(raw, runs)[1] if raw else None
        rows.append((name, first, median, p95, raw_median))
        print(f"{name}: first {first:.0f} ms, median {median:.0f} ms, p95 {p95:.0f} ms", flush=True)
    engine = connection.vendor
    header = (
        f"Landscape at {sizes['centres']:,} centres, {sizes['offers']:,} competence offers and "
        f"{sizes['tickets']:,} tickets, {engine}"
    )
    lines = [
        header,
        "",
        "| request | first ms | median ms | p95 ms | raw floor ms |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {n} | {f:.0f} | {m:.0f} | {p:.0f} | {'' if r is None else f'{r:.1f}'} |" for n, f, m, p, r in rows
    ]
    print("\n".join(lines))
    if args.write:
        machine = (
            f"{platform.node()} · {platform.machine()} · {os.cpu_count()} cores · "
            f"Python {platform.python_version()}"
        )
        with (ROOT / "docs" / "benchmarks.md").open("a", encoding="utf-8") as fh:
            fh.write(f"\n## {time.strftime('%Y-%m-%d')} — landscape ({engine})\n\n")
            fh.write(
                f"Machine: {machine}. Command: `python bench/landscape.py --centres {args.centres} "
                f"--tickets {args.tickets} --runs {args.runs}"
                f"{' --database-url …' if args.database_url else ''}`. "
                "In-process (Django test client); *first* is the first request (charts not yet drawn, "
                "nothing cached), median and p95 of the repeated ones; raw floor = the page's core "
                "figures read straight from the engine. Targets: dashboard ≤ 300 ms, report ≤ 10 s.\n\n"
            )
            fh.write("\n".join(lines[2:]) + "\n\n" + header + ".\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
