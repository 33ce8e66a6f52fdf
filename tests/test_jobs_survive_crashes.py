"""Jobs and deposits survive crashes: work left "running" by a process that died is marked
failed (and never blocks "Harvest now"); a deposit whose process died is resumed with its
draft, not started again."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import sys
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cchub.interop import harvest
from cchub.interop.models import Harvest, Source
from cchub.lib import jobs
from cchub.registry.models import ImportJob
from cchub.registry.tasks import reap_imports

pytestmark = pytest.mark.django_db


def dead_runner() -> str:
    """The runner id of a process on this machine that has ended."""
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    return f"{socket.gethostname()[:50]}:{child.stdout.strip()}"


def test_a_runner_is_known_dead_only_when_it_is() -> None:
    assert jobs.process_gone(dead_runner())
    assert not jobs.process_gone(jobs.runner_id())  # this very process
    assert not jobs.process_gone("another-machine:12345")  # unknown: not declared dead
    long_ago = timezone.now() - jobs.STALE_AFTER - dt.timedelta(minutes=1)
    assert jobs.is_stale("another-machine:12345", long_ago)
    assert not jobs.is_stale("another-machine:12345", timezone.now())


def source() -> Source:
    return Source.objects.create(slug="peer", name="Peer hub", url="https://peer.example.org/oai")


def test_a_harvest_whose_worker_died_never_blocks_harvest_now(admin_user: Any) -> None:
    peer = source()
    stuck = Harvest.objects.create(source=peer, state=Harvest.RUNNING, runner=dead_runner(),
                                   heartbeat_at=timezone.now(), token="page-11")
    alive = Harvest.objects.create(source=source_two(), state=Harvest.RUNNING, runner=jobs.runner_id(),
                                   heartbeat_at=timezone.now())
    admin = Client()
    admin.force_login(admin_user)
    answer = admin.post(f"/federation/{peer.slug}/harvest/")
    assert answer.status_code == 302
    stuck.refresh_from_db()
    assert stuck.state == Harvest.FAILED and "stopped" in stuck.error and stuck.finished_at
    newest = peer.harvests.exclude(pk=stuck.pk).get()
    assert newest.pk != stuck.pk and answer["Location"].endswith(f"/{newest.pk}/")
    assert newest.token == "page-11"  # it resumes where the dead run stopped
    # A run whose worker is alive is left alone.
    assert harvest.reap() == 0
    alive.refresh_from_db()
    assert alive.state == Harvest.RUNNING


def source_two() -> Source:
    return Source.objects.create(slug="peer-two", name="Peer two", url="https://two.example.org/oai")


def test_an_import_whose_worker_died_is_marked_failed(admin_user: Any) -> None:
    running = {"stored_path": "/nonexistent", "state": ImportJob.RUNNING}
    stuck = ImportJob.objects.create(file_name="big.json", runner=dead_runner(), heartbeat_at=timezone.now(),
                                     created_by=admin_user, **running)
    quiet = ImportJob.objects.create(file_name="old.json", runner="other-host:1", **running,
                                     heartbeat_at=timezone.now() - jobs.STALE_AFTER - dt.timedelta(hours=1))
    assert reap_imports() == 2
    for job in (stuck, quiet):
        job.refresh_from_db()
        assert job.state == ImportJob.FAILED and "Start the import again" in job.report["summary"]
    admin = Client()
    admin.force_login(admin_user)
    assert "Start the import again" in admin.get(stuck.get_absolute_url()).content.decode()


def test_queue_tasks_left_running_by_a_dead_worker_are_failed() -> None:
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    def running(worker: str) -> DBTaskResult:
        return DBTaskResult.objects.create(
            task_path="cchub.lib.tasks.reap_stale_tasks", args_kwargs={"args": [], "kwargs": {}},
            queue_name="default", backend_name="default", priority=0, status=TaskResultStatus.RUNNING,
            worker_ids=[worker], started_at=timezone.now())

    dead, alive = running(dead_runner()), running(jobs.runner_id())
    assert jobs.reap_tasks() == 1
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == TaskResultStatus.FAILED and "stopped" in dead.traceback
    assert alive.status == TaskResultStatus.RUNNING


def test_a_deposit_whose_process_died_resumes_its_draft(
    onboarding: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    """The review's M5: kill -9 after the draft was created, then deposit again."""
    from cchub.lib.api import Refused
    from cchub.onboarding import deposit
    from cchub.onboarding.tests.invenio_server import invenio
    from cchub.onboarding.tests.test_workflow import approved, make_target

    o = onboarding
    output = approved(o, django_capture_on_commit_callbacks)
    with invenio() as (base, server):
        target = make_target(base)
        first = deposit.start(output, target, o["community"])
        # As if a process had created the draft and been killed before going on.
        made = deposit.Client(target).call("POST", "/api/records", "Creating the draft",
                                           payload=deposit.invenio_record(output, has_files=False), once=True)
        type(first).objects.filter(pk=first.pk).update(
            step="draft", record_id=made["id"], runner=dead_runner(), heartbeat_at=timezone.now())
        again = deposit.start(output, target, o["community"])
        assert again.pk == first.pk and output.deposits.count() == 1
        done = deposit.run(again)
        assert not done.failed and done.step == "submitted", done.error
        assert server.count("POST", "/api/records") == 1  # no second draft
        # While a deposit's process is alive, another one is refused rather than doubled.
        type(first).objects.filter(pk=first.pk).update(step="metadata", runner=jobs.runner_id())
        with pytest.raises(Refused) as busy:
            deposit.start(output, target, o["community"])
        assert busy.value.status == 409
