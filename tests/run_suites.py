"""Run the whole suite on SQLite and, when a server answers, on PostgreSQL; say which ran.

    python tests/run_suites.py [--pg-url postgres://postgres@127.0.0.1:5432/test] [pytest args]

With CCHUB_REQUIRE_POSTGRES=1 (set by .ci/run) a PostgreSQL server that does not answer is a
failure, never a silent skip.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlparse


def postgres_answers(url: str) -> str | None:
    """None when the server answers, else the reason."""
    import psycopg

    parts = urlparse(url)
    try:
        with psycopg.connect(
            host=parts.hostname or "127.0.0.1", port=parts.port or 5432,
            user=parts.username or "postgres", password=parts.password or None,
            dbname=(parts.path or "/test").lstrip("/") or "test", connect_timeout=3,
        ) as conn:
            conn.execute("select 1")
    except Exception as exc:  # any failure means "not available"; we report why
        return f"{exc.__class__.__name__}: {str(exc).strip().splitlines()[0] if str(exc) else ''}"
    return None


def run(name: str, extra_env: dict[str, str], pytest_args: list[str]) -> dict[str, int]:
    print(f"\n=== {name} ===", flush=True)
    report = Path(tempfile.mkdtemp(prefix="cchub-junit-")) / "report.xml"
    env = {**os.environ, **extra_env, "CCHUB_DATA_DIR": tempfile.mkdtemp(prefix="cchub-data-")}
    code = subprocess.call([sys.executable, "-m", "pytest", f"--junitxml={report}", *pytest_args], env=env)
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0, "exit": code}
    if report.exists():
        for suite in ET.parse(report).getroot().iter("testsuite"):
            for key in ("tests", "failures", "errors", "skipped"):
                counts[key] += int(suite.get(key, "0"))
    return counts


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/test")
    args, pytest_args = parser.parse_known_args()
    results: dict[str, dict[str, int]] = {}
    results["SQLite"] = run("SQLite", {"CCHUB_DATABASE_URL": ""}, pytest_args)
    reason = postgres_answers(args.pg_url)
    pg_required = os.environ.get("CCHUB_REQUIRE_POSTGRES") == "1"
    if reason is None:
        results["PostgreSQL"] = run("PostgreSQL", {"CCHUB_DATABASE_URL": args.pg_url}, pytest_args)
    print("\n=== Summary ===")
    ok = True
    passed = failed = 0
    for name, c in results.items():
        bad = c["failures"] + c["errors"]
        good = c["tests"] - bad - c["skipped"]
        passed, failed = passed + good, failed + bad
        status = "OK" if c["exit"] == 0 and c["tests"] > 0 else "FAILED"
        ok = ok and status == "OK"
        print(f"{name}: ran {c['tests']} tests, {good} passed, {bad} failed, "
              f"{c['skipped']} skipped — {status}")
    if reason is not None:
        print(f"PostgreSQL: NOT RUN — no server answered at {args.pg_url} ({reason})")
        if pg_required:
            print("PostgreSQL is required here (CCHUB_REQUIRE_POSTGRES=1): failing.")
            ok = False
    print(f"{passed} passed, {failed} failed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
