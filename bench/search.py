"""Search at 10k, 100k and 1M records: indexing rate, service latency, HTTP under load,
the raw engine floor and tantivy as a peer.

    .venv/bin/python bench/search.py --sizes 10000 100000 1000000 --engine sqlite \
        [--queries 150] [--http-seconds 15] [--write]

For each engine and size: a fresh database, a synthetic corpus (titles and text drawn from
the competence taxonomy's words with a Zipf spread, facets spread like a network: a few
large clusters and countries, many small ones), indexed through the hub's own bulk path;
then a fixed mix of 1-, 2- and 3-word queries, half with a facet filter, timed
  * in-process through cchub.search.query.search (facets included),
  * straight against the engine (FTS5 MATCH + bm25 top 20 + count, or tsquery + ts_rank),
  * against a tantivy index of the same corpus (top 20 + count),
  * over HTTP: `cchub serve` (waitress, the production server) with 8 concurrent clients.
PostgreSQL runs use a database `cchub_bench` that the script drops and creates.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/test"
PG_BENCH = "postgres://postgres@127.0.0.1:5432/cchub_bench"
CLUSTERS = ["escape", "envri", "lsri", "panosc", "sshoc"]
CLUSTER_WEIGHTS = [30, 20, 25, 10, 15]
COUNTRIES = [
    "EU",
    "DE",
    "IT",
    "FR",
    "ES",
    "NL",
    "GB",
    "PL",
    "SE",
    "DK",
    "BE",
    "GR",
    "EE",
    "NO",
    "FI",
    "AT",
    "CZ",
    "PT",
    "IE",
    "CH",
    "RS",
    "HU",
    "RO",
    "SI",
    "HR",
    "SK",
    "LT",
    "LV",
    "BG",
    "CY",
]
LANGS = ["en", "de", "it", "fr", "es", "nl", "pl", "sv", "da", "el", "et", "nb", "pt", "fi", "cs"]
KINDS = ["cluster", "national", "thematic", "institutional", "ri-wg"]
LEVELS = ["expert", "hands-on", "training", "referral"]
CATEGORIES = [
    "compute",
    "storage",
    "data-management",
    "repository",
    "analysis",
    "discovery",
    "aai",
    "software-repo",
    "training",
    "consultancy",
    "networking",
    "citizen-science",
]
DOMAINS = [
    "astronomy",
    "particle-physics",
    "physics",
    "earth-environment",
    "biology",
    "social-sciences",
    "humanities",
    "medical-health",
    "engineering",
    "multidisciplinary",
]
STOP = {
    "and",
    "the",
    "for",
    "with",
    "from",
    "into",
    "that",
    "their",
    "them",
    "this",
    "what",
    "which",
    "other",
    "such",
    "about",
    "across",
    "over",
    "when",
    "where",
    "they",
    "have",
    "also",
}


def setup(database_url: str | None, data_dir: str) -> None:
    os.environ["CCHUB_DATA_DIR"] = data_dir
    os.environ["CCHUB_DATABASE_URL"] = database_url or ""
    os.environ["CCHUB_DEBUG"] = "0"
    os.environ["CCHUB_SEMANTIC"] = "0"
    os.environ["CCHUB_LOG_LEVEL"] = "ERROR"
    os.environ["DJANGO_SETTINGS_MODULE"] = "cchub.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def vocabulary() -> tuple[list[str], list[tuple[str, str]]]:
    """Words of the competence taxonomy (most frequent first) and its (label, definition) pairs."""
    import re
    from collections import Counter

    data = json.loads((ROOT / "cchub/vocab/data/competences.json").read_text())
    pairs = [(c["pref_label"], c["definition"]) for c in data["concepts"]]
    words: Counter[str] = Counter()
    for c in data["concepts"]:
        for text in [c["pref_label"], c["definition"], *c["alt_labels"]]:
            words.update(w for w in re.findall(r"[a-z]+", text.lower()) if len(w) >= 4 and w not in STOP)
    return [w for w, _ in words.most_common()], pairs


def corpus(n: int, seed: int = 7) -> Any:
    from cchub.search.index import DocumentData

    rng = random.Random(seed)
    words, pairs = vocabulary()
    zipf = [1 / (i + 1) ** 0.9 for i in range(len(words))]
    notations = [
        c["notation"]
        for c in json.loads((ROOT / "cchub/vocab/data/competences.json").read_text())["concepts"]
    ]
    for i in range(n):
        kind = "centre" if rng.random() < 0.12 else "service"
        label, definition = rng.choice(pairs)
        extra = rng.choices(words, weights=zipf, k=rng.randint(25, 70))
        title = f"{label} {rng.choice(words[:300]).capitalize()} {i}"
        body = f"{definition} {' '.join(extra)}"
        comp = rng.choices(notations, k=rng.randint(1, 5))
        facets: dict[str, list[str]] = {
            "cluster": rng.choices(CLUSTERS, weights=CLUSTER_WEIGHTS, k=rng.randint(0, 2)),
            "country": rng.choices(
                COUNTRIES, weights=[1 / (j + 1) for j in range(len(COUNTRIES))], k=rng.randint(1, 3)
            ),
            "competence": comp,
        }
        if kind == "centre":
            facets |= {
                "language": rng.sample(LANGS, rng.randint(1, 3)),
                "kind": [rng.choice(KINDS)],
                "level": rng.sample(LEVELS, rng.randint(1, 3)),
            }
        else:
            facets |= {"category": [rng.choice(CATEGORIES)], "domain": [rng.choice(DOMAINS)]}
        keywords = [label, *rng.choices(words[:400], k=5)]
        yield (
            kind,
            i,
            DocumentData(title=title, url=f"/bench/{kind}/{i}/", keywords=keywords, body=body, facets=facets),
        )


def query_mix(count: int, seed: int = 11) -> list[tuple[str, dict[str, list[str]]]]:
    rng = random.Random(seed)
    words, _ = vocabulary()
    common, rest = words[:60], words[60:600]
    mix = []
    for i in range(count):
        size = 1 + i % 3
        pool = common if rng.random() < 0.5 else rest
        q = " ".join(rng.sample(pool, size))
        filters = (
            {}
            if i % 2 == 0
            else (
                {"cluster": [rng.choice(CLUSTERS)]}
                if i % 4 == 1
                else {"country": [rng.choice(COUNTRIES[:8])]}
            )
        )
        mix.append((q, filters))
    return mix


def percentiles(samples: list[float]) -> dict[str, float]:
    s = sorted(samples)

    def p(x: float) -> float:
        return s[min(len(s) - 1, int(round(x * (len(s) - 1))))]

    return {"p50": p(0.50), "p95": p(0.95), "p99": p(0.99), "mean": statistics.fmean(s)}


def build_index(n: int) -> float:
    """Index n synthetic records through the hub's bulk path; returns seconds spent indexing
    (the synthetic generator's own time is not counted)."""
    from django.db import transaction

    from cchub.search.index import _bulk_write, bulk

    spent = 0.0
    batch: dict[str, list[Any]] = {"centre": [], "service": []}
    done = 0

    def flush(kind: str) -> float:
        started = time.perf_counter()
        with transaction.atomic():
            _bulk_write(kind, batch[kind])
        batch[kind] = []
        return time.perf_counter() - started

    with bulk():
        for kind, i, data in corpus(n):
            batch[kind].append((f"b{i}", data))
            if len(batch[kind]) >= 2000:
                done += len(batch[kind])
                spent += flush(kind)
                if done % 100_000 < 2000:
                    print(f"    indexed {done}/{n}", flush=True)
        for kind in list(batch):
            spent += flush(kind)
    return spent


def raw_floor(mix: list[tuple[str, dict[str, list[str]]]]) -> list[float]:
    """The engine alone: the words ANDed, ranked top 20, and the match count."""
    import re

    from django.db import connection

    samples = []
    with connection.cursor() as cur:
        for q, _ in mix:
            words = re.findall(r"[a-z]+", q)
            start = time.perf_counter()
            if connection.vendor == "postgresql":
                tsq = " & ".join(words)
                cur.execute(
                    "SELECT id, ts_rank('{0.02,0.1,0.3,1.0}', tsv, to_tsquery('english', %s), 0) AS s "
                    "FROM search_document WHERE tsv @@ to_tsquery('english', %s) ORDER BY s DESC LIMIT 20",
                    [tsq, tsq],
                )
                cur.fetchall()
                cur.execute(
                    "SELECT count(*) FROM search_document WHERE tsv @@ to_tsquery('english', %s)", [tsq]
                )
            else:
                match = " AND ".join(f'"{w}"' for w in words)
                cur.execute(
                    "SELECT rowid, bm25(search_fts, 25.0, 5.0, 1.0, 0.0) AS s FROM search_fts "
                    "WHERE search_fts MATCH %s ORDER BY s LIMIT 20",
                    [match],
                )
                cur.fetchall()
                cur.execute("SELECT count(*) FROM search_fts WHERE search_fts MATCH %s", [match])
            cur.fetchall()
            samples.append((time.perf_counter() - start) * 1000)
    return samples


def service(mix: list[tuple[str, dict[str, list[str]]]]) -> list[float]:
    from cchub.search.query import search

    samples = []
    for q, filters in mix:
        start = time.perf_counter()
        search(q, filters=filters, log=False, semantic=False)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def tantivy_peer(n: int, mix: list[tuple[str, dict[str, list[str]]]], path: str) -> tuple[float, list[float]]:
    import tantivy

    sb = tantivy.SchemaBuilder()
    for name in ("title", "keywords", "body"):
        sb.add_text_field(name, tokenizer_name="en_stem")
    sb.add_integer_field("id", stored=True, fast=True)
    schema = sb.build()
    index = tantivy.Index(schema, path=path)
    writer = index.writer(heap_size=200_000_000, num_threads=1)
    started = time.perf_counter()
    for _, i, data in corpus(n):
        writer.add_document(
            tantivy.Document(title=data.title, keywords=" ; ".join(data.keywords), body=data.body, id=i)
        )
    writer.commit()
    writer.wait_merging_threads()
    seconds = time.perf_counter() - started
    index.reload()
    searcher = index.searcher()
    samples = []
    for q, _ in mix:
        start = time.perf_counter()
        query = index.parse_query(
            q,
            ["title", "keywords", "body"],
            field_boosts={"title": 25.0, "keywords": 5.0, "body": 1.0},
            conjunction_by_default=True,
        )
        searcher.search(query, 20, count=True)
        samples.append((time.perf_counter() - start) * 1000)
    return seconds, samples


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_load(
    mix: list[tuple[str, dict[str, list[str]]]], seconds: float, clients: int = 8
) -> dict[str, Any]:
    port = free_port()
    env = {**os.environ}
    server = subprocess.Popen(
        [sys.executable, "-m", "cchub.cli", "serve", "--port", str(port), "--threads", "8"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        paths = []
        for q, filters in mix:
            params = [("q", q)] + [(k, v) for k, vs in filters.items() for v in vs]
            paths.append("/api/v1/search?" + urllib.parse.urlencode(params))
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", paths[0])
        conn.getresponse().read()  # warm up
        latencies: list[float] = []
        errors = [0]
        lock = threading.Lock()
        stop = time.perf_counter() + seconds

        def client(offset: int) -> None:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            i = offset
            while time.perf_counter() < stop:
                start = time.perf_counter()
                try:
                    c.request("GET", paths[i % len(paths)])
                    r = c.getresponse()
                    r.read()
                    ok = r.status == 200
                except (OSError, http.client.HTTPException):
                    ok = False
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                elapsed = (time.perf_counter() - start) * 1000
                with lock:
                    latencies.append(elapsed)
                    errors[0] += 0 if ok else 1
                i += clients

        threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
        status = Path(f"/proc/{server.pid}/status").read_text()
        rss = {
            line.split(":")[0]: int(line.split()[1]) // 1024
            for line in status.splitlines()
            if line.startswith(("VmRSS", "VmHWM"))
        }
        return {
            **percentiles(latencies),
            "rps": len(latencies) / wall,
            "errors": errors[0],
            "requests": len(latencies),
            "rss_mb": rss.get("VmRSS", 0),
            "peak_mb": rss.get("VmHWM", 0),
        }
    finally:
        server.terminate()
        server.wait(timeout=20)


def run(engine: str, n: int, queries: int, http_seconds: float) -> dict[str, Any]:
    print(f"== {engine}, {n} records", flush=True)
    data_dir = tempfile.mkdtemp(prefix="cchub-bench-search-")
    url = None
    if engine == "postgresql":
        import psycopg

        with psycopg.connect("host=127.0.0.1 user=postgres dbname=test", autocommit=True) as c:
            c.execute("DROP DATABASE IF EXISTS cchub_bench")
            c.execute("CREATE DATABASE cchub_bench")
        url = PG_BENCH
    code = subprocess.call(
        [
            sys.executable,
            __file__,
            "--child",
            engine,
            str(n),
            str(queries),
            str(http_seconds),
            data_dir,
            url or "",
        ]
    )
    result = json.loads((Path(data_dir) / "result.json").read_text()) if code == 0 else {}
    shutil.rmtree(data_dir, ignore_errors=True)
    return result


def child(engine: str, n: int, queries: int, http_seconds: float, data_dir: str, url: str) -> None:
    setup(url or None, data_dir)
    from django.core.management import call_command
    from django.db import connection

    from cchub.search import synonyms
    from cchub.vocab.loading import ensure_builtin_vocabularies

    call_command("migrate", verbosity=0, interactive=False)
    ensure_builtin_vocabularies()
    # What the worker does after the vocabularies load: the phrases of the vocabularies
    # loaded after the first one given to the competences already indexed (80 records).
    synonyms.synonyms()
    synonyms.backfill()
    seconds = build_index(n)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE") if connection.connection.autocommit else None
    else:
        with connection.cursor() as cur:
            cur.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
            cur.execute("ANALYZE")
    mix = query_mix(queries)
    service(mix[:10])  # warm up caches
    result: dict[str, Any] = {"engine": engine, "n": n, "index_rate": n / seconds}
    result["service"] = percentiles(service(mix))
    result["service_nofacet"] = percentiles(service([(q, {}) for q, _ in mix]))
    result["floor"] = percentiles(raw_floor(mix))
    tantivy_dir = tempfile.mkdtemp(prefix="tantivy-", dir=data_dir)
    t_seconds, t_samples = tantivy_peer(n, mix, tantivy_dir)
    result["tantivy_rate"] = n / t_seconds
    result["tantivy"] = percentiles(t_samples)
    os.environ["CCHUB_DATA_DIR"] = data_dir
    os.environ["CCHUB_DATABASE_URL"] = url
    result["http"] = http_load(mix, http_seconds)
    (Path(data_dir) / "result.json").write_text(json.dumps(result))


def table(results: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| engine | records | index rec/s | service p50 / p95 / p99 ms | no facets p95 | raw floor p95 | "
        "service ÷ floor (p95) | tantivy p95 (idx rec/s) | service ÷ tantivy | HTTP p50 / p95 / p99 ms | "
        "HTTP req/s | server RSS / peak MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        s, f, t, h = r["service"], r["floor"], r["tantivy"], r["http"]
        lines.append(
            f"| {r['engine']} | {r['n']:,} | {r['index_rate']:,.0f} "
            f"| {s['p50']:.1f} / {s['p95']:.1f} / {s['p99']:.1f} "
            f"| {r['service_nofacet']['p95']:.1f} | {f['p95']:.2f} | {s['p95'] / max(f['p95'], 1e-6):.1f}× "
            f"| {t['p95']:.2f} ({r['tantivy_rate']:,.0f}) | {s['p95'] / max(t['p95'], 1e-6):.0f}× "
            f"| {h['p50']:.0f} / {h['p95']:.0f} / {h['p99']:.0f} | {h['rps']:.1f} "
            f"| {h['rss_mb']} / {h['peak_mb']} |"
        )
    return lines


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _, _, engine, n, queries, http_seconds, data_dir, url = sys.argv
        child(engine, int(n), int(queries), float(http_seconds), data_dir, url)
        return 0
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--queries", type=int, default=150)
    parser.add_argument("--http-seconds", type=float, default=15)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    results = []
    for engine in engines:
        for n in args.sizes:
            r = run(engine, n, args.queries, args.http_seconds)
            if r:
                results.append(r)
                print("\n".join(table([r])), flush=True)
    lines = table(results)
    print("\n".join(lines))
    if args.write:
        machine = (
            f"{platform.node()} · {platform.machine()} · {os.cpu_count()} cores · "
            f"Python {platform.python_version()}"
        )
        with (ROOT / "docs" / "benchmarks.md").open("a", encoding="utf-8") as fh:
            fh.write(
                f"\n## {time.strftime('%Y-%m-%d')} — search ({', '.join(engines)})\n\n"
                f"Machine: {machine}. Command: `python bench/search.py --sizes "
                f"{' '.join(map(str, args.sizes))} --engine {args.engine} --queries {args.queries} "
                f"--http-seconds {args.http_seconds:g}`. {args.queries} queries (1-, 2- and 3-word, half "
                "with a facet filter); service = `cchub.search.query.search` in-process with every "
                "facet's counts; raw floor = the same words ANDed straight against the engine "
                "(ranked top 20 + count); tantivy = the same corpus and queries (top 20 + count, "
                "no facets); HTTP = `/api/v1/search` on `cchub serve` (waitress, 8 threads) with 8 "
                "concurrent clients.\n\n"
            )
            fh.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
