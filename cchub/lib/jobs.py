"""Noticing background work whose process died.

A job records who runs it (``runner_id()``: host name and process id) and, while it works,
a heartbeat. A job still marked running is *stale* when its runner was on this machine and
that process is gone, or when its heartbeat is older than ``STALE_AFTER`` (a runner on
another machine that stopped answering). The apps' reapers mark stale jobs failed, so that
nothing waits for ever on a worker that was killed; the worker runs them when it starts and
every minute after, and pages that would wait on a job check first.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from typing import Any

from django.utils import timezone

STALE_AFTER = dt.timedelta(hours=6)


def runner_id() -> str:
    """This process, as a job records it: ``host:pid`` (at most 64 characters)."""
    return f"{socket.gethostname()[:50]}:{os.getpid()}"


def process_gone(runner: str) -> bool:
    """Whether ``runner`` was a process on this machine that no longer runs (unknown, and so
    False, for another machine's)."""
    host, _, pid = runner.rpartition(":")
    if not pid.isdigit() or host != socket.gethostname()[:50]:
        return False
    if int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # it exists, under another user
        return False
    return False


def is_stale(runner: str, heartbeat: Any, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    if runner and process_gone(runner):
        return True
    return heartbeat is not None and now - heartbeat > STALE_AFTER


def reap_tasks() -> int:
    """Mark failed the queue's tasks still running in a worker process that is gone."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    count = 0
    for result in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING):
        worker = (result.worker_ids or [""])[-1]
        if process_gone(worker) or (result.started_at and timezone.now() - result.started_at > STALE_AFTER):
            DBTaskResult.objects.filter(pk=result.pk, status=TaskResultStatus.RUNNING).update(
                status=TaskResultStatus.FAILED, finished_at=timezone.now(),
                exception_class_path="cchub.lib.jobs.WorkerGone",
                traceback=f"The worker {worker or '(unknown)'} stopped while running this task.",
            )
            count += 1
    return count


class WorkerGone(Exception):
    """The worker process that ran a task stopped (killed or crashed)."""
