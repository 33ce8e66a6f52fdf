"""Federation at scale: a hub of N published records (default 100,000), served by `cchub serve`
(waitress, the production server); measured from outside, over HTTP:

* provider: ListRecords paged through to the end (cchub and oai_dc formats): records/s,
  page latency p50/p95;
* floor: the same responses downloaded and parsed (XML parsed, every record decoded),
  nothing written — what any harvester must at least spend;
* harvest: `cchub harvest` of a second, empty hub (SQLite, or PostgreSQL with --engine
  postgresql) — every record written through the apps' own write paths (validation,
  history, search index, provenance) — then the same harvest again with nothing changed.

    .venv/bin/python bench/federation.py --records 100000 [--engine sqlite|postgresql] [--write]

Hub A's records are synthetic but realistic: 2 % centres (competence offers, contacts,
clusters), 8 % services (linked to centres), 45 % training events, 45 % materials, with
titles and text drawn from the competence taxonomy; they are written straight into the
provider's item table (building 100k records through the write paths would take longer
than the harvest being measured).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/test"
CLUSTERS = [
    ("escape", "ESCAPE"),
    ("envri", "ENVRI"),
    ("lsri", "LS RI"),
    ("panosc", "PaNOSC"),
    ("sshoc", "SSHOC"),
]
COUNTRIES = ["DE", "IT", "FR", "ES", "NL", "PL", "SE", "BE", "GR", "EE", "PT", "FI", "AT", "CZ", "IE"]


def env(data: Path, port: int, database: str = "") -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith("CCHUB_")}
    out.update(
        CCHUB_DATA_DIR=str(data),
        CCHUB_DATABASE_URL=database,
        CCHUB_SITE_URL=f"http://127.0.0.1:{port}",
        CCHUB_SEMANTIC="0",
        CCHUB_DEBUG="0",
        CCHUB_LOG_LEVEL="ERROR",
        CCHUB_TASKS_INLINE="1",
        PYTHONPATH=str(ROOT),
    )
    return out


def cchub(environment: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "cchub.cli", *args], env=environment, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"cchub {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---------------------------------------------------------------- hub A's records


def records(n: int, repository: str, seed: int = 5) -> Any:
    """(kind, slug, record, dc, sets) for n synthetic records."""
    rng = random.Random(seed)
    taxonomy = json.loads((ROOT / "cchub/vocab/data/competences.json").read_text())["concepts"]
    notations = [c["notation"] for c in taxonomy if c["broader"]]
    pairs = [(c["pref_label"], c["definition"]) for c in taxonomy]
    words = sorted({w for _, d in pairs for w in d.lower().split() if len(w) > 4})
    centres: list[str] = []

    def ident(kind: str, slug: str) -> str:
        return f"oai:{repository}:{kind}/{slug}"

    def text(k: int) -> str:
        label, definition = rng.choice(pairs)
        return f"{definition} {' '.join(rng.choices(words, k=k))}"

    for i in range(n):
        roll = rng.random() if i >= 50 else 0.0  # the first 50 are centres: services need some
        cluster = rng.choice(CLUSTERS)
        sets = [f"cluster:{cluster[0]}"]
        if roll < 0.02:
            slug = f"centre-{i}"
            centres.append(ident("centre", slug))
            competences = rng.sample(notations, rng.randint(2, 6))
            record = {
                "slug": slug,
                "acronym": f"CC-{i}",
                "name": f"{rng.choice(pairs)[0]} centre {i}",
                "kind": "national",
                "status": "member",
                "description": text(40),
                "website": f"https://cc{i}.example.org",
                "helpdesk_email": f"help@cc{i}.example.org",
                "countries": rng.sample(COUNTRIES, 2),
                "languages": ["en"],
                "mou_date": None,
                "clusters": [{"slug": cluster[0], "acronym": cluster[1], "name": cluster[1], "website": ""}],
                "hosts": [],
                "offers": [
                    {
                        "competence": c,
                        "level": rng.choice(["expert", "hands-on", "training"]),
                        "evidence_url": "",
                        "evidence_note": "",
                        "evidence_service": "",
                    }
                    for c in competences
                ],
                "contacts": [
                    {"name": f"Person {i}", "role": "coordinator", "orcid": "", "email": "", "position": 0}
                ],
                "page": f"http://a/centres/{slug}/",
            }
            yield "centre", slug, record, {"title": [record["name"]]}, ["centre", *sets]
        elif roll < 0.10:
            slug = f"service-{i}"
            record = {
                "slug": slug,
                "name": f"{rng.choice(pairs)[0]} service {i}",
                "tagline": text(6),
                "description": text(30),
                "url": f"https://svc{i}.example.org",
                "standards": [],
                "helpdesk_email": "",
                "helpdesk_url": "",
                "terms_url": "",
                "centres": [rng.choice(centres)],
                "categories": [],
                "domains": [],
                "access_types": ["remote"],
                "target_users": ["researchers"],
                "trl": "trl-7",
                "page": f"http://a/services/{slug}/",
            }
            yield "service", slug, record, {"title": [record["name"]]}, ["service", *sets]
        elif roll < 0.55:
            slug = f"event-{i}"
            day = f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            record = {
                "slug": slug,
                "title": f"{rng.choice(pairs)[0]}: a workshop ({i})",
                "description": text(50),
                "url": f"https://events.example.org/{i}",
                "time_zone": "Europe/Brussels",
                "mode": "online",
                "venue": "",
                "city": "",
                "country": "",
                "language": "en",
                "level": "beginner",
                "audience": "",
                "capacity": 40,
                "cost": "free",
                "registration_url": "",
                "prerequisites": "",
                "learning_outcomes": [text(8)],
                "keywords": rng.sample(words, 3),
                "start": f"{day}T09:00:00+01:00",
                "end": f"{day}T17:00:00+01:00",
                "organisers": [rng.choice(centres)],
                "competences": rng.sample(notations, 2),
                "page": f"http://a/training/events/{slug}/",
            }
            yield "event", slug, record, {"title": [record["title"]]}, ["training", "training:event", *sets]
        else:
            slug = f"material-{i}"
            record = {
                "slug": slug,
                "title": f"{rng.choice(pairs)[0]}: a tutorial ({i})",
                "description": text(50),
                "url": f"https://materials.example.org/{i}",
                "doi": "",
                "licence": "CC-BY-4.0",
                "authors": [f"Author {i}"],
                "format": "tutorial",
                "language": "en",
                "level": "intermediate",
                "status": "active",
                "keywords": rng.sample(words, 3),
                "date": "2025-06-01",
                "centres": [rng.choice(centres)],
                "competences": rng.sample(notations, 2),
                "page": f"http://a/training/materials/{slug}/",
            }
            yield (
                "material",
                slug,
                record,
                {"title": [record["title"]]},
                ["training", "training:material", *sets],
            )


BUILD = """
import sys, json, datetime as dt
sys.path.insert(0, {root!r})
from bench.federation import records
from django.db import connection, transaction
from cchub.interop.models import Item, ItemSet
from cchub.interop.publish import repository_id
start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
items, sets = [], []
with transaction.atomic():
    for n, (kind, slug, record, dc, specs) in enumerate(records({n}, repository_id())):
        ident = f"oai:{{repository_id()}}:{{kind}}/{{slug}}"
        items.append(Item(kind=kind, object_id=10_000_000 + n, identifier=ident,
                          datestamp=start + dt.timedelta(seconds=n), record=record, dc=dc, checksum=str(n)))
        sets.append(specs)
        if len(items) == 2000:
            made = Item.objects.bulk_create(items)
            ItemSet.objects.bulk_create([ItemSet(item=i, spec=s) for i, ss in zip(made, sets) for s in ss])
            items, sets = [], []
    made = Item.objects.bulk_create(items)
    ItemSet.objects.bulk_create([ItemSet(item=i, spec=s) for i, ss in zip(made, sets) for s in ss])
print(Item.objects.count())
"""


# ---------------------------------------------------------------- measuring


def list_all(base: str, prefix: str, parse: bool) -> tuple[int, float, list[float]]:
    """(records, seconds, page latencies) paging through ListRecords."""
    from defusedxml.ElementTree import fromstring

    sys.path.insert(0, str(ROOT))
    from cchub.interop.xmlrecord import OAI, read_cchub, read_dc

    params = {"verb": "ListRecords", "metadataPrefix": prefix}
    count, pages = 0, []
    started = time.perf_counter()
    while True:
        t = time.perf_counter()
        data = urllib.parse.urlencode(params).encode()
        with urllib.request.urlopen(f"{base}/oai", data=data, timeout=120) as response:  # noqa: S310
            body = response.read()
        pages.append((time.perf_counter() - t) * 1000)
        if parse:
            root = fromstring(body)
            for record in root.iter(f"{{{OAI}}}record"):
                metadata = record.find(f"{{{OAI}}}metadata")
                if metadata is not None:
                    (read_cchub if prefix == "cchub" else read_dc)(metadata[0])
                count += 1
            token = root.find(f".//{{{OAI}}}resumptionToken")
            value = (token.text or "").strip() if token is not None else ""
        else:
            count += body.count(b"<record>")
            marker = body.rfind(b"<resumptionToken")
            value = ""
            if marker >= 0:
                end = body.find(b"</resumptionToken>", marker)
                value = body[body.find(b">", marker) + 1 : end].decode() if end > 0 else ""
        if not value:
            break
        params = {"verb": "ListRecords", "resumptionToken": value}
    return count, time.perf_counter() - started, pages


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def run(n: int, engine: str, page_size: int) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="cchub-fed-"))
    port = free_port()
    a = env(tmp / "a", port)
    a["CCHUB_OAI_PAGE_SIZE"] = str(page_size)
    cchub(a, "migrate")
    t = time.perf_counter()
    code = BUILD.format(root=str(ROOT), n=n)
    built = cchub(a, "manage", "shell", "-c", code).stdout.strip().splitlines()[-1]
    print(f"hub A: {built} records written in {time.perf_counter() - t:.0f} s", flush=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "cchub.cli", "serve", "--port", str(port)],
        env=a,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    result: dict[str, Any] = {"n": n, "engine": engine, "page": page_size}
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{base}/oai?verb=Identify", timeout=2).close()
                break
            except OSError:
                time.sleep(0.1)
        for prefix in ("cchub", "oai_dc"):
            count, seconds, pages = list_all(base, prefix, parse=False)
            result[f"provider_{prefix}"] = {
                "rate": count / seconds,
                "p50": statistics.median(pages),
                "p95": pct(pages, 0.95),
                "count": count,
            }
            print(f"provider {prefix}: {count} records, {count / seconds:,.0f}/s", flush=True)
        count, seconds, _ = list_all(base, "cchub", parse=True)
        result["floor"] = count / seconds
        print(f"floor (download + parse): {count / seconds:,.0f}/s", flush=True)

        database = ""
        if engine == "postgresql":
            import psycopg

            name = "cchub_bench_b"
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                conn.execute(f"CREATE DATABASE {name}")
            database = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
        b = env(tmp / "b", free_port(), database)
        cchub(b, "migrate")
        cchub(b, "source-add", "a", f"{base}/oai", "--allow-private")
        t = time.perf_counter()
        out = cchub(b, "harvest", "a").stdout
        seconds = time.perf_counter() - t
        result["harvest"] = n / seconds
        result["harvest_s"] = seconds
        print(f"harvest: {seconds:.0f} s, {n / seconds:,.0f}/s — {out.strip().splitlines()[-1]}", flush=True)
        t = time.perf_counter()
        cchub(b, "harvest", "a", "--full")
        seconds = time.perf_counter() - t
        result["again"] = n / seconds
        print(f"full harvest again, nothing changed: {seconds:.0f} s, {n / seconds:,.0f}/s", flush=True)
        rss = subprocess.run(
            ["ps", "-o", "rss=", "-p", str(server.pid)], capture_output=True, text=True
        ).stdout
        result["server_mb"] = int(rss.strip() or 0) // 1024
    finally:
        server.terminate()
        server.wait(timeout=10)
    return result


def table(results: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| hub B on | records | page | provider cchub rec/s (page p50 / p95 ms) | provider oai_dc rec/s | "
        "floor: download + parse rec/s | harvest rec/s (time) | harvest ÷ floor | again, unchanged rec/s | "
        "server RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        p, d = r["provider_cchub"], r["provider_oai_dc"]
        lines.append(
            f"| {r['engine']} | {r['n']:,} | {r['page']} "
            f"| {p['rate']:,.0f} ({p['p50']:.0f} / {p['p95']:.0f}) "
            f"| {d['rate']:,.0f} | {r['floor']:,.0f} | {r['harvest']:,.0f} ({r['harvest_s'] / 60:.1f} min) "
            f"| {r['harvest'] / r['floor']:.3f} | {r['again']:,.0f} | {r['server_mb']} |"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--page", type=int, default=100, help="records per ListRecords page")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    result = run(args.records, args.engine, args.page)
    lines = table([result])
    print("\n".join(lines))
    if args.write:
        machine = (
            f"{platform.node()} · {platform.machine()} · {os.cpu_count()} cores · "
            f"Python {platform.python_version()}"
        )
        with (ROOT / "docs" / "benchmarks.md").open("a", encoding="utf-8") as fh:
            fh.write(
                f"\n## {time.strftime('%Y-%m-%d')} — federation ({args.engine})\n\n"
                f"Machine: {machine}. Command: `python bench/federation.py --records {args.records} "
                f"--engine {args.engine} --page {args.page}`. "
                "Hub A serves N synthetic records (2 % centres, 8 % services, 45 % events, 45 % materials) "
                "with `cchub serve`; provider = ListRecords paged through over HTTP by one client; floor = "
                "the same cchub pages downloaded and parsed (every record decoded), nothing written; harvest "
                "= `cchub harvest` into an empty hub B, every record through the write paths; again = a "
                "full harvest with nothing changed.\n\n"
            )
            fh.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
