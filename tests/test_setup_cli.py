"""The console script, production-mode refusals, and the background worker."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings

from cchub.cli import main as cli
from cchub.registry.models import ImportJob

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCHUB_")}
    env.update({"CCHUB_DATA_DIR": str(tmp_path / "data")}, **extra)
    return env


def settings_import(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = "import os; os.environ['DJANGO_SETTINGS_MODULE']='cchub.settings'; import cchub.settings"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)


@pytest.mark.parametrize("extra,refused", [
    ({"CCHUB_MODE": "production"}, "CCHUB_SECRET_KEY"),
    ({"CCHUB_MODE": "production", "CCHUB_SECRET_KEY": "short"}, "CCHUB_SECRET_KEY"),
    ({"CCHUB_MODE": "production", "CCHUB_SECRET_KEY": "a" * 60}, "trivial"),
    ({"CCHUB_MODE": "production", "CCHUB_SECRET_KEY": "k3y-Xq9z" * 8, "CCHUB_DEBUG": "1"}, "CCHUB_DEBUG"),
    ({"CCHUB_MODE": "staging"}, "CCHUB_MODE"),
    ({"CCHUB_MODE": "production", "CCHUB_SECRET_KEY": "k3y-Xq9z" * 8, "CCHUB_DEBUG": "0"}, None),
])
def test_production_mode_refuses_insecure_settings(tmp_path: Path, extra: dict[str, str],
                                                   refused: str | None) -> None:
    result = settings_import(clean_env(tmp_path, **extra))
    if refused is None:
        assert result.returncode == 0, result.stderr
    else:
        assert result.returncode != 0 and refused in result.stderr


def test_cli_refuses_to_start_in_insecure_production(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "cchub.cli", "migrate"],
                            env=clean_env(tmp_path, CCHUB_MODE="production"),
                            capture_output=True, text=True)
    assert result.returncode == 2 and "refuses to start" in result.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_fresh_data_dir_migrate_load_demo_and_serve(tmp_path: Path) -> None:
    """What `make demo` does, on a fresh SQLite data directory, with the real console script."""
    env = clean_env(tmp_path)
    exe = [sys.executable, "-m", "cchub.cli"]
    assert subprocess.run([*exe, "migrate"], env=env, capture_output=True).returncode == 0
    loaded = subprocess.run([*exe, "load-demo"], env=env, capture_output=True, text=True)
    assert loaded.returncode == 0 and "centres: 29 new" in loaded.stdout, loaded.stdout + loaded.stderr
    assert (tmp_path / "data" / "cchub.sqlite3").exists()
    port = free_port()
    server = subprocess.Popen([*exe, "serve", "--port", str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        body = ""
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/centres/escape-cc/", timeout=2) as r:
                    body = r.read().decode()
                break
            except OSError:
                time.sleep(0.1)
        assert "competence.centre@projectescape.eu" in body
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/cchub/site.css", timeout=2) as r:
            assert r.status == 200
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.django_db
def test_createadmin(monkeypatch: Any, capsys: Any) -> None:
    monkeypatch.setenv("CCHUB_ADMIN_PASSWORD", "123")
    assert cli(["createadmin", "--username", "boss"]) == 2
    assert "too short" in capsys.readouterr().err
    monkeypatch.setenv("CCHUB_ADMIN_PASSWORD", "Correct-horse-battery-9")
    assert cli(["createadmin", "--username", "boss"]) == 0
    from django.contrib.auth import get_user_model

    from cchub.accounts.permissions import is_network_admin
    assert is_network_admin(get_user_model().objects.get(username="boss"))


@pytest.mark.django_db(transaction=True)
def test_tasks_wait_in_the_database_queue_until_the_worker_runs_them(tmp_path: Path) -> None:
    from cchub.registry.demo import load_demo
    from cchub.registry.tasks import run_import

    load_demo()
    path = tmp_path / "s.csv"
    path.write_bytes(b"acronym,name,kind\nQ-CC,Queued centre,national\n")
    job = ImportJob.objects.create(file_name="s.csv", stored_path=str(path), dry_run=False)
    with override_settings(TASKS=DB_QUEUE):
        result = run_import.enqueue(job.pk)
        job.refresh_from_db()
        assert job.state == "queued"
        from django_tasks_db.models import DBTaskResult

        assert DBTaskResult.objects.filter(id=result.id).exists()
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    job.refresh_from_db()
    assert job.state == "done" and job.report["ok"], job.report
