"""Harvests in the background: one run on demand, and every due source (the worker's
scheduler asks every ten minutes)."""

from __future__ import annotations

from django_tasks import task

from cchub.interop.models import Harvest, Source


@task()
def harvest_run(harvest_id: int) -> dict[str, object]:
    from cchub.interop.harvest import run

    done = run(Harvest.objects.select_related("source").get(pk=harvest_id))
    return {"state": done.state, "counts": done.counts, "error": done.error}


@task()
def harvest_due_sources() -> int:
    from cchub.interop.harvest import reap, run, start

    reap()
    started = 0
    for source in Source.objects.filter(enabled=True):
        if source.is_due():
            run(start(source))
            started += 1
    return started


@task()
def reap_stale_harvests() -> int:
    from cchub.interop.harvest import reap

    return reap()
