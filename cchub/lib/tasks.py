"""Background tasks of the helpers layer."""

from __future__ import annotations

from django_tasks import task

from cchub.lib.jobs import reap_tasks


@task()
def reap_stale_tasks() -> int:
    return reap_tasks()
