"""Two hubs on 127.0.0.1 with separate databases: hub A serves the demo network over
OAI-PMH; hub B harvests it through a proxy that breaks one response midway. The broken
harvest resumes where it stopped and ends identical to A; records created, changed and
deleted on A then appear, change and vanish on B. Nothing lost, nothing duplicated.

Hub B's database is PostgreSQL when the suite runs on PostgreSQL (a database of its own on
the same server), else a SQLite file."""

from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
DUMP_A = """
import json
from cchub.interop.models import Item
from cchub.interop.harvest import _checksum
print(json.dumps({i.identifier: _checksum(i.kind, i.record) for i in Item.objects.filter(deleted=False)}))
"""
DUMP_B = """
import json
from cchub.interop.models import Harvest, HarvestedRecord
from cchub.registry.models import Centre, Service
from cchub.training.models import Event, Material
from cchub.glossary.models import Term
print(json.dumps({
    "linked": {r.identifier: r.checksum for r in HarvestedRecord.objects.filter(state="linked")},
    "states": sorted({r.state for r in HarvestedRecord.objects.all()}),
    "rows": HarvestedRecord.objects.count(),
    "local": {m.__name__: m.objects.filter(origin__isnull=False).count()
              for m in (Centre, Service, Event, Material, Term)},
    "names": {c.slug: c.name for c in Centre.objects.filter(origin__isnull=False)},
    "problems": [p for h in Harvest.objects.all() for p in h.problems],
}))
"""
CHANGE_A = """
from cchub.registry.models import Centre, Service
from cchub.records.writes import apply, delete
from cchub.glossary.models import Term
apply(Centre.objects.get(slug="kit"), {"name": "KIT, renamed on hub A"}, None, partial=True)
delete(Service.objects.get(slug="reana"), None)
apply(Centre(), {"acronym": "NEW-CC", "name": "A centre made on hub A", "kind": "national",
                 "countries": ["PT"], "clusters": ["sshoc"]}, None)
Term.objects.get(slug="container").delete()
print("changed")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def environment(data: Path, port: int, database: str = "") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCHUB_")}
    env.update(
        CCHUB_DATA_DIR=str(data), CCHUB_DATABASE_URL=database, CCHUB_SITE_URL=f"http://127.0.0.1:{port}",
        CCHUB_SEMANTIC="0", CCHUB_TASKS_INLINE="1", CCHUB_OAI_PAGE_SIZE="20", PYTHONPATH=str(ROOT),
    )  # fmt: skip
    return env


def cchub(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "cchub.cli", *args], env=env, capture_output=True, text=True, timeout=600
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def shell(env: dict[str, str], code: str) -> Any:
    out = cchub(env, "manage", "shell", "-c", code).stdout.strip().splitlines()
    return json.loads(out[-1]) if out[-1].startswith(("{", "[")) else out[-1]


class Proxy(http.server.BaseHTTPRequestHandler):
    """Forwards to hub A; the request numbered ``break_at`` gets half a response, then the
    connection is cut (a network failure midway through a harvest)."""

    def forward(self) -> None:
        server: Any = self.server
        server.count += 1
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        request = urllib.request.Request(server.target + self.path, data=body, method=self.command)
        if body:
            request.add_header("Content-Type", self.headers.get("Content-Type", ""))
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 (127.0.0.1)
            content = answer.read()
        self.send_response(200)
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if server.count == server.break_at:
            self.wfile.write(content[: len(content) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(content)

    do_GET = do_POST = forward  # noqa: N815

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def hub_a(tmp_path: Path) -> Iterator[dict[str, str]]:
    port = free_port()
    env = environment(tmp_path / "a", port)
    cchub(env, "migrate")
    cchub(env, "load-demo")
    server = subprocess.Popen(
        [sys.executable, "-m", "cchub.cli", "serve", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/oai?verb=Identify", timeout=2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield {**env, "url": f"http://127.0.0.1:{port}"}
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def b_database() -> Iterator[str]:
    """A PostgreSQL database of its own for hub B when the suite runs on PostgreSQL."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        yield ""
        return
    import psycopg

    name = f"cchub_e2e_{uuid.uuid4().hex[:10]}"
    admin = dict(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], dbname="postgres")
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://{db['USER']}@{admin['host']}:{admin['port']}/{name}"
    finally:
        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_two_hubs_stay_in_step(hub_a: dict[str, str], b_database: str, tmp_path: Path) -> None:
    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    proxy.target, proxy.count, proxy.break_at = hub_a["url"], 0, 4  # type: ignore[attr-defined]
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        b = environment(tmp_path / "b", free_port(), b_database)
        cchub(b, "migrate")
        url = f"http://127.0.0.1:{proxy.server_address[1]}/oai"
        cchub(b, "source-add", "hub-a", url, "--name", "Hub A", "--allow-private")
        shell(b, "from cchub.interop.models import Source; Source.objects.update(retries=1); print('ok')")
        a_records = shell(hub_a, DUMP_A)
        assert len(a_records) > 150

        # 1. The connection breaks in the middle of the third page (request 4, after Identify).
        broken = cchub(b, "harvest", "hub-a", check=False)
        assert broken.returncode == 1 and "failed" in broken.stdout, broken.stdout + broken.stderr
        partial = shell(b, DUMP_B)
        assert 0 < len(partial["linked"]) < len(a_records)

        # 2. Harvested again, it resumes where it stopped and ends identical to hub A.
        cchub(b, "harvest", "hub-a")
        state = shell(b, DUMP_B)
        assert state["linked"] == a_records, "B's records differ from A's"
        assert state["rows"] == len(a_records)  # nothing duplicated
        kinds = [i.split(":")[-1].split("/")[0] for i in a_records]
        assert state["local"] == {
            "Centre": kinds.count("centre"), "Service": kinds.count("service"), "Event": kinds.count("event"),
            "Material": kinds.count("material"), "Term": kinds.count("term"),
        }  # fmt: skip
        assert state["names"]["kit"] == "KIT Research Data Competence Centre"

        # 3. Changes on A reach B with the next (incremental) harvest.
        assert shell(hub_a, CHANGE_A) == "changed"
        time.sleep(1.1)  # A lists what was stamped before the second it is asked in
        a_records = shell(hub_a, DUMP_A)
        done = cchub(b, "harvest", "hub-a")
        assert "added 1" in done.stdout and "deleted 2" in done.stdout, done.stdout
        state = shell(b, DUMP_B)
        assert state["linked"] == a_records
        assert state["names"]["kit"] == "KIT, renamed on hub A" and "new-cc" in state["names"]
        assert state["local"]["Service"] == kinds.count("service") - 1
        assert state["local"]["Term"] == kinds.count("term") - 1

        # 4. Nothing new: nothing written.
        again = cchub(b, "harvest", "hub-a")
        assert "added" not in again.stdout and "updated" not in again.stdout, again.stdout
    finally:
        proxy.shutdown()
