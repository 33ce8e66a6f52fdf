"""Run the whole suite on SQLite and, when a server answers, on PostgreSQL — at the same
time, each in its own process and data directory — and say which ran.

    python tests/run_suites.py [--pg-url postgres://postgres@127.0.0.1:5432/test] [--one-by-one] [pytest args]

SQLite's output is shown as it runs; PostgreSQL's is written to a file and shown when it is
done (``--one-by-one`` runs them one after the other instead, both shown as they run).

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


class Suite:
    """One run of the suite in a subprocess; ``log`` set: its output goes there."""

    def __init__(self, name: str, extra_env: dict[str, str], pytest_args: list[str], log: Path | None):
        self.name, self.log = name, log
        self.report = Path(tempfile.mkdtemp(prefix="cchub-junit-")) / "report.xml"
        env = {**os.environ, **extra_env, "CCHUB_DATA_DIR": tempfile.mkdtemp(prefix="cchub-data-")}
        command = [sys.executable, "-m", "pytest", f"--junitxml={self.report}", *pytest_args]
        if log is None:
            print(f"\n=== {name} ===", flush=True)
        self.out = log.open("wb") if log is not None else None
        joined = subprocess.STDOUT if log is not None else None
        self.process = subprocess.Popen(command, env=env, stdout=self.out, stderr=joined)

    def wait(self) -> dict[str, int]:
        code = self.process.wait()
        if self.out is not None and self.log is not None:
            self.out.close()
            print(f"\n=== {self.name} ===", flush=True)
            sys.stdout.write(self.log.read_text(errors="replace"))
            sys.stdout.flush()
        return counts(self.report, code)


def counts(report: Path, code: int) -> dict[str, int]:
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0, "exit": code}
    if report.exists():
        for suite in ET.parse(report).getroot().iter("testsuite"):
            for key in ("tests", "failures", "errors", "skipped"):
                counts[key] += int(suite.get(key, "0"))
    return counts


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/test")
    parser.add_argument("--one-by-one", action="store_true", help="run the suites one after the other")
    args, pytest_args = parser.parse_known_args()
    results: dict[str, dict[str, int]] = {}
    reason = postgres_answers(args.pg_url)
    pg_required = os.environ.get("CCHUB_REQUIRE_POSTGRES") == "1"
    sqlite = Suite("SQLite", {"CCHUB_DATABASE_URL": ""}, pytest_args, None)
    if args.one_by_one:
        results["SQLite"] = sqlite.wait()
    if reason is None:
        log = None if args.one_by_one else Path(tempfile.mkdtemp(prefix="cchub-pg-")) / "pytest.log"
        postgres = Suite("PostgreSQL", {"CCHUB_DATABASE_URL": args.pg_url}, pytest_args, log)
        if not args.one_by_one:
            results["SQLite"] = sqlite.wait()
        results["PostgreSQL"] = postgres.wait()
    elif not args.one_by_one:
        results["SQLite"] = sqlite.wait()
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
