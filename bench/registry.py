"""Registry read paths at N× the demo network, against the raw floor.

    .venv/bin/python bench/registry.py [--scale 10] [--runs 30] [--database-url URL] [--write]

Builds a fresh database (SQLite in a temporary data dir, or --database-url), loads the demo
network, multiplies its centres, offers and services by --scale, then times each request
in-process (Django test client, median and 95th percentile of --runs) next to the
same data read straight from the engine with one SQL query (the floor). With --write the
table is appended to docs/benchmarks.md with the machine and the date.
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


def setup(database_url: str | None) -> None:
    os.environ["CCHUB_DATA_DIR"] = tempfile.mkdtemp(prefix="cchub-bench-")
    os.environ["CCHUB_DATABASE_URL"] = database_url or ""
    os.environ["CCHUB_DEBUG"] = "0"
    os.environ["CCHUB_LOG_LEVEL"] = "ERROR"
    os.environ.setdefault("CCHUB_ALLOWED_HOSTS", "testserver")
    os.environ["DJANGO_SETTINGS_MODULE"] = "cchub.settings"
    sys.path.insert(0, str(ROOT))
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()


def build(scale: int) -> dict[str, int]:
    from django.core.management import call_command
    from django.db import transaction

    from cchub.registry.demo import load_demo
    from cchub.registry.models import Centre, CompetenceOffer, Service

    call_command("migrate", verbosity=0, interactive=False)
    if Centre.objects.filter(slug__endswith="-x2").exists():
        call_command("flush", verbosity=0, interactive=False)
        call_command("migrate", verbosity=0, interactive=False)
    load_demo()
    originals = list(Centre.objects.prefetch_related("clusters", "hosts", "offers", "services"))
    with transaction.atomic():
        for copy in range(2, scale + 1):
            for c in originals:
                clone = Centre.objects.create(
                    slug=f"{c.slug}-x{copy}", acronym=f"{c.acronym}-x{copy}", name=f"{c.name} {copy}",
                    kind=c.kind, countries=c.countries, languages=c.languages,
                    description=c.description, status=c.status, website=c.website)
                clone.clusters.set(c.clusters.all())
                clone.hosts.set(c.hosts.all())
                CompetenceOffer.objects.bulk_create([
                    CompetenceOffer(centre=clone, competence_id=o.competence_id, level=o.level)
                    for o in c.offers.all()])
                for s in c.services.all()[:2]:
                    svc = Service.objects.create(slug=f"{s.slug}-x{copy}-{clone.pk}", name=f"{s.name} {copy}",
                                                 tagline=s.tagline, description=s.description)
                    svc.centres.add(clone)
    return {"centres": Centre.objects.count(), "offers": CompetenceOffer.objects.count(),
            "services": Service.objects.count()}


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    fn()  # warm up
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def floor(sql: str) -> Callable[[], object]:
    from django.db import connection

    def run() -> object:
        with connection.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()

    return run


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    setup(args.database_url)
    from django.db import connection
    from django.test import Client

    from cchub.registry.models import Centre

    sizes = build(args.scale)
    client = Client()
    kit = Centre.objects.get(slug="kit-x2")

    def get(path: str, **headers: str) -> Callable[[], object]:
        def run() -> object:
            response = client.get(path, headers=headers)
            assert response.status_code == 200, (path, response.status_code)
            return response
        return run

    def as_text(column: str) -> str:
        return f"{column}::text" if connection.vendor == "postgresql" else column

    public = "select id, slug, acronym, name, kind, status, countries from registry_centre " \
             "where review_state = 'approved'"
    cases = [
        ("API: list centres (page of 50)", get("/api/v1/centres?page_size=50"),
         floor(public + " order by acronym limit 50")),
        ("API: list centres in a cluster and country", get("/api/v1/centres?cluster=escape&country=EU"),
         floor("select c.id from registry_centre c join registry_centre_clusters cc on cc.centre_id = c.id "
               "join registry_cluster k on k.id = cc.cluster_id where k.slug = 'escape' "
               f"and {as_text('c.countries')} like '%\"EU\"%' order by c.acronym limit 50")),
        ("API: read one centre", get(f"/api/v1/centres/{kit.pk}"),
         floor(public + f" and id = {kit.pk}")),
        ("API: offers of one competence", get("/api/v1/offers?competence=dmp&page_size=200"),
         floor("select o.id from registry_competenceoffer o join vocab_concept v on v.id = o.competence_id "
               "where v.notation = 'dmp'")),
        ("Page: centres with facet counts", get("/centres/?cluster=escape"),
         floor(public + " order by acronym limit 30")),
        ("Page: centres, htmx partial", get("/centres/?kind=national", **{"HX-Request": "true"}),
         floor(public + " and kind = 'national' order by acronym limit 30")),
        ("Page: a centre", get(f"/centres/{kit.slug}/"),
         floor(f"select * from registry_competenceoffer where centre_id = {kit.pk}")),
        ("Page: home (network at a glance)", get("/"),
         floor("select kind, count(*) from registry_centre group by kind")),
        ("Page: a competence", get("/vocabularies/competences/dmp/"),
         floor("select o.id from registry_competenceoffer o join vocab_concept v on v.id = o.competence_id "
               "where v.notation = 'dmp'")),
    ]
    rows = []
    for name, fn, raw in cases:
        median, p95 = timed(fn, args.runs)
        raw_median, _ = timed(raw, args.runs)
        rows.append((name, median, p95, raw_median))
    engine = connection.vendor
    header = (f"Registry reads at {args.scale}× the demo ({sizes['centres']} centres, "
              f"{sizes['offers']} offers, {sizes['services']} services), {engine}, {args.runs} runs")
    lines = [header, "", "| request | median ms | p95 ms | raw floor ms |", "|---|---:|---:|---:|"]
    lines += [f"| {n} | {m:.1f} | {p:.1f} | {r:.2f} |" for n, m, p, r in rows]
    print("\n".join(lines))
    if args.write:
        machine = (f"{platform.node()} · {platform.machine()} · {os.cpu_count()} cores · "
                   f"Python {platform.python_version()}")
        with (ROOT / "docs" / "benchmarks.md").open("a", encoding="utf-8") as fh:
            fh.write(f"\n## {time.strftime('%Y-%m-%d')} — registry reads ({engine})\n\n")
            fh.write(f"Machine: {machine}. Command: `python bench/registry.py --scale {args.scale} "
                     f"--runs {args.runs}{' --database-url …' if args.database_url else ''}`.\n\n")
            fh.write("\n".join(lines[2:]) + "\n\n" + header + ".\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
