"""Background tasks of the registry (run by ``cchub worker``; inline in tests)."""

from __future__ import annotations

import traceback
from pathlib import Path

from django.utils import timezone
from django_tasks import task

from cchub.registry.exchange import import_bytes
from cchub.registry.models import ImportJob


@task()
def run_import(job_id: int) -> str:
    job = ImportJob.objects.get(pk=job_id)
    ImportJob.objects.filter(pk=job_id).update(state=ImportJob.RUNNING)
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
