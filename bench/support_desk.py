"""The helpdesk's queue pages and reports at scale.

    .venv/bin/python bench/support_desk.py [--tickets 100000] [--centres 1000] [--postgres] [--write]

Builds a network of ``--centres`` centres (50 of them staffed) and ``--tickets`` tickets
spread over twelve months (a tenth open, some past a service level, some handed over, some
rated), then times, in-process through Django's test client, each page 20 times: the triage
queue, all open tickets, a word search and the most-urgent sort for a triager; a busy centre's
queue for its supporter; the month's report for the network and for one centre, as a page
and as XLSX. Floors measured in the same run: a bare WSGI app called the same way, and the
raw database counting the open tickets.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def build(centres: int, tickets: int) -> dict[str, object]:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from cchub.registry.models import Centre
    from cchub.support.models import Supporter, Ticket, TicketEvent

    rng = random.Random(11)
    made = Centre.objects.bulk_create(
        [
            Centre(
                slug=f"desk-{i}",
                acronym=f"DESK-{i}",
                name=f"Desk centre {i}",
                kind="institutional",
                countries=["DE"],
                languages=["en"],
                status="active",
            )
            for i in range(centres)
        ],
        batch_size=1000,
    )
    users = get_user_model().objects
    triager = users.create_user("bench-triager", "triager@bench.example")
    triager.groups.add(Group.objects.get_or_create(name="Triagers")[0])
    staff = []
    for i, centre in enumerate(made[:50]):
        user = users.create_user(f"agent-{i}", f"agent{i}@bench.example")
        Supporter.objects.create(user=user, centre=centre, is_lead=i % 5 == 0)
        staff.append(user)
    busy = made[0]
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    words = (
        "rucio upload fails",
        "dmp review",
        "adql query empty",
        "hpc allocation",
        "gdpr interviews",
        "zenodo doi",
        "jupyter spawn timeout",
        "nexus conversion",
    )
    rows = []
    for i in range(tickets):
        created = start + dt.timedelta(minutes=rng.randrange(0, 335 * 24 * 60))
        centre = busy if i % 20 == 0 else (made[rng.randrange(centres)] if i % 9 else None)
        open_ = rng.random() < 0.1
        answered = (
            None if open_ and rng.random() < 0.5 else created + dt.timedelta(hours=rng.expovariate(1 / 8))
        )
        solved = None if open_ else (answered or created) + dt.timedelta(hours=rng.expovariate(1 / 40))
        topic = words[i % len(words)]
        rows.append(
            Ticket(
                subject=f"{topic} #{i}",
                body=f"Question {i} about {topic}.",
                requester_email=f"r{i % 5000}@bench.example",
                centre=centre,
                state=("in-progress" if centre else "new") if open_ else "closed",
                priority=rng.choice(["less-urgent", "urgent", "very-urgent", "top"]),
                created_at=created,
                routed_at=created,
                first_response_at=answered,
                solved_at=solved,
                rating=rng.choice([None, None, None, 3, 4, 5, 2]),
                confirmed=True,
                assignee=staff[i % len(staff)] if centre is busy else None,
            )
        )
    Ticket.objects.bulk_create(rows, batch_size=5000)
    ids = list(Ticket.objects.values_list("pk", "centre_id"))
    events = []
    for pk, centre_id in ids:
        if pk % 7 == 0:
            events.append(
                TicketEvent(
                    ticket_id=pk,
                    kind=TicketEvent.SLA,
                    public=False,
                    data={"clock": "first response", "state": "breached"},
                )
            )
        if pk % 25 == 0 and centre_id:
            events.append(
                TicketEvent(
                    ticket_id=pk,
                    kind=TicketEvent.TRANSFER,
                    public=False,
                    data={"from": made[1].pk, "to": centre_id},
                )
            )
        if pk % 3 == 0:
            events.append(
                TicketEvent(ticket_id=pk, kind=TicketEvent.REPLY, body=f"Answer to {pk}: try again.")
            )
    TicketEvent.objects.bulk_create(events, batch_size=5000)
    # Each event happens when its ticket does (bulk_create stamps them all "now").
    from django.db.models import OuterRef, Subquery

    TicketEvent.objects.update(
        created_at=Subquery(Ticket.objects.filter(pk=OuterRef("ticket_id")).values("created_at")[:1])
    )
    return {"triager": triager, "agent": staff[0], "busy": busy}


def time_pages(people: dict[str, object]) -> list[tuple[str, list[float]]]:
    from django.test import Client

    triager, agent = Client(), Client()
    triager.force_login(people["triager"])  # type: ignore[arg-type]
    agent.force_login(people["agent"])  # type: ignore[arg-type]
    month = "2026-10"
    pages = [
        ("triage queue (triager)", triager, "/support/queue/?queue=triage"),
        ("all open tickets (triager)", triager, "/support/queue/?queue=open"),
        ("search 'rucio upload' (triager)", triager, "/support/queue/?queue=open&q=rucio+upload"),
        ("open, most urgent first (triager)", triager, "/support/queue/?queue=open&sort=priority"),
        ("a busy centre's queue (supporter)", agent, "/support/queue/?queue=centre"),
        ("report, network, one month", triager, f"/support/reports/?month={month}"),
        ("report, one centre, one month", agent, f"/support/reports/?month={month}"),
        ("report, network, XLSX", triager, f"/support/reports/?month={month}&format=xlsx"),
    ]
    results = []
    for label, client, path in pages:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        times = []
        for _ in range(20):
            started = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - started) * 1000)
        results.append((label, times))
    return results


def floors() -> list[tuple[str, list[float]]]:
    from django.db import connection
    from django.test import Client

    from cchub.support.models import OPEN_STATES, Ticket

    bare, raw = [], []
    client = Client()
    for _ in range(20):
        started = time.perf_counter()
        client.get("/support/assist/")
        bare.append((time.perf_counter() - started) * 1000)
    placeholders = ",".join(["%s"] * len(OPEN_STATES))
    sql = f"SELECT count(*) FROM {Ticket._meta.db_table} WHERE state IN ({placeholders})"
    for _ in range(20):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql, list(OPEN_STATES))
            cursor.fetchone()
        raw.append((time.perf_counter() - started) * 1000)
    return [
        ("floor: the smallest helpdesk answer through the whole stack (/support/assist/, no text)", bare),
        ("floor: the raw database counting open tickets", raw),
    ]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--centres", type=int, default=1000)
    parser.add_argument("--postgres", action="store_true", help="use CCHUB_DATABASE_URL's PostgreSQL")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    import tempfile

    os.environ["CCHUB_DATA_DIR"] = tempfile.mkdtemp(prefix="cchub-desk-")
    if not args.postgres:
        os.environ["CCHUB_DATABASE_URL"] = ""
    os.environ["CCHUB_LOG_LEVEL"] = "ERROR"
    os.environ["CCHUB_SEMANTIC"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "cchub.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.ALLOWED_HOSTS = ["*"]
    if args.postgres:
        call_command("flush", verbosity=0, interactive=False)
    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    people = build(args.centres, args.tickets)
    built = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    results = time_pages(people) + floors()
    lines = [
        f"{args.tickets:,} tickets over twelve months, {args.centres:,} centres (50 staffed), "
        f"{connection.vendor}; built in {built:.0f} s. In-process (Django test client), 20 runs each.",
        "",
        "| page | p50 ms | p95 ms | max ms |",
        "|---|---:|---:|---:|",
    ]
    lines += [
        f"| {label} | {statistics.median(t):.1f} | {percentile(t, 95):.1f} | {max(t):.1f} |"
        for label, t in results
    ]
    lines.append("\nTarget: queue page and reports p95 ≤ 300 ms at 100,000 tickets and 1,000 centres.")
    print("\n".join(lines))
    if args.write:
        machine = f"{platform.node()} · {platform.machine()} · Python {platform.python_version()}"
        with (ROOT / "docs" / "benchmarks.md").open("a", encoding="utf-8") as fh:
            fh.write(
                f"\n## {time.strftime('%Y-%m-%d')} — helpdesk queues and reports at scale "
                f"({connection.vendor})\n\n"
                f"Machine: {machine}. Command: `python bench/support_desk.py"
                f"{' --postgres' if args.postgres else ''}`.\n\n" + "\n".join(lines) + "\n"
            )
    if args.postgres:
        call_command("flush", verbosity=0, interactive=False)
    worst = max(percentile(t, 95) for label, t in results if not label.startswith("floor"))
    return 0 if worst <= 300 else 1


if __name__ == "__main__":
    sys.exit(main())
