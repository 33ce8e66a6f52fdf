"""Background tasks of the registry (run by ``cchub worker``; inline in tests)."""

from __future__ import annotations

import traceback
from pathlib import Path

from django.utils import timezone
from django_tasks import task

from cchub.lib.jobs import is_stale, runner_id
from cchub.registry.exchange import import_bytes
from cchub.registry.models import ImportJob


@task()
def run_import(job_id: int) -> str:
    job = ImportJob.objects.get(pk=job_id)
    ImportJob.objects.filter(pk=job_id).update(state=ImportJob.RUNNING, runner=runner_id(),
                                               heartbeat_at=timezone.now())
    try:
        content = Path(job.stored_path).read_bytes()
        report = import_bytes(job.file_name, content, job.created_by, dry_run=job.dry_run)
        job.report = {**report.as_dict(), "summary": report.summary()}
        job.state = ImportJob.DONE
    except Exception as exc:  # the job must end in a state a person can read
        job.report = {"ok": False, "summary": f"The import stopped: {exc}",
                      "trace": traceback.format_exc(limit=5)}
        job.state = ImportJob.FAILED
    job.finished_at = timezone.now()
    job.save(update_fields=["report", "state", "finished_at"])
    return job.state


def reap_imports() -> int:
    """Mark failed the imports whose worker died: nothing of them was written (an import is
    all or nothing), and the page says to start again."""
    count = 0
    for stale in ImportJob.objects.filter(state=ImportJob.RUNNING):
        if is_stale(stale.runner, stale.heartbeat_at):
            ImportJob.objects.filter(pk=stale.pk, state=ImportJob.RUNNING).update(
                state=ImportJob.FAILED, finished_at=timezone.now(),
                report={"ok": False, "summary": "The worker running this import stopped (killed or "
                        "crashed); nothing was written. Start the import again."})
            count += 1
    return count


@task()
def reap_stale_imports() -> int:
    return reap_imports()
