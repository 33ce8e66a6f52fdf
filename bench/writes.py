"""What one write costs, with the views derived from it (the search index, the OAI-PMH items),
against the raw floor: the same row change as one SQL statement.

    .venv/bin/python bench/writes.py [--runs 200] [--code DIR] [--write]

On a fresh SQLite database holding the demo network it times, per write: a curator linked to
a centre (no public view shows curators), a centre's tagline-like field changed through the
write path, and an offer added. ``--code DIR`` runs another checkout's code (to compare with
an earlier commit in the same run). With --write the table is appended to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(code: Path) -> None:
    os.environ["CCHUB_DATA_DIR"] = tempfile.mkdtemp(prefix="cchub-bench-writes-")
    os.environ["CCHUB_DATABASE_URL"] = ""
    os.environ["CCHUB_LOG_LEVEL"] = "ERROR"
    os.environ["CCHUB_TASKS_INLINE"] = "1"
    os.environ["CCHUB_SEMANTIC"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "cchub.settings"
    sys.path.insert(0, str(code))
    if code != ROOT:  # the editable install's finder would load this checkout's code instead
        finders = [f for f in sys.meta_path if "editable" not in getattr(f, "__module__", "").lower()]
        sys.meta_path[:] = finders
    import django

    django.setup()
    from django.core.management import call_command

    from cchub.registry.demo import load_demo

    call_command("migrate", verbosity=0, interactive=False)
    load_demo()


def timed(runs: int, step: Callable[[int], None]) -> tuple[float, float]:
    samples = []
    for n in range(runs):
        started = time.perf_counter()
        step(n)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose code runs")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    setup(args.code.resolve())
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from cchub.registry.models import Centre, CompetenceOffer
    from cchub.vocab.models import Concept

    try:
        from cchub.records.writes import apply
    except ImportError:  # before the records layer
        from cchub.registry.writes import apply  # type: ignore[no-redef]

    centre = Centre.objects.get(slug="escape-vo")
    users = [get_user_model().objects.create_user(f"bench{n}") for n in range(args.runs)]
    through = Centre.curators.through._meta.db_table
    table = Centre._meta.db_table
    notations = list(
        Concept.objects.filter(scheme__slug="competences").exclude(offers__centre=centre)
        .values_list("notation", flat=True)
    )
    rows: list[tuple[str, float, float, float]] = []

    def curator(n: int) -> None:
        with transaction.atomic():
            centre.curators.add(users[n])

    def curator_floor(n: int) -> None:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(f"INSERT INTO {through} (centre_id, user_id) VALUES (%s, %s)",
                        [centre.pk, users[n].pk])

    def edit(n: int) -> None:
        apply(centre, {"description": f"{centre.description[:200]} {n}"}, None, partial=True)

    def edit_floor(n: int) -> None:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(f"UPDATE {table} SET description = %s WHERE id = %s", [f"text {n}", centre.pk])

    def offer(n: int) -> None:
        apply(CompetenceOffer(), {"centre": centre.slug, "competence": notations[n % len(notations)],
                                  "level": "referral"}, None)

    CompetenceOffer.objects.filter(centre=centre, level="referral").delete()
    runs = min(args.runs, len(notations))
    for label, step, floor, n in (
        ("link a curator to a centre", curator, curator_floor, args.runs),
        ("change a centre's description (write path)", edit, edit_floor, args.runs),
        ("add a competence offer (write path)", offer, edit_floor, runs),
    ):
        if floor is curator_floor:
            median, p95 = timed(n, step)
            Centre.curators.through.objects.filter(centre=centre, user__in=users).delete()
            floor_median, _ = timed(n, floor)
        else:
            median, p95 = timed(n, step)
            floor_median, _ = timed(n, floor)
        rows.append((label, median, p95, floor_median))

    machine = f"vm · {platform.machine()} · {os.cpu_count()} cores · Python {platform.python_version()}"
    other = "" if args.code.resolve() == ROOT else f" (another checkout's code: `--code {args.code.name}`)"
    lines = [
        f"Machine: {machine}. Command: `python bench/writes.py --runs {args.runs}`{other}.",
        "",
        "| write | median ms | p95 ms | raw floor ms |",
        "|---|---:|---:|---:|",
        *(f"| {label} | {m:.2f} | {p:.2f} | {f:.3f} |" for label, m, p, f in rows),
    ]
    print("\n".join(lines))
    if args.write:
        with (ROOT / "docs" / "benchmarks.md").open("a", encoding="utf-8") as out:
            out.write("\n" + "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
