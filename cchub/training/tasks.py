"""Background ingestion: one source on demand, or every source that is due (hourly)."""

from __future__ import annotations

from django_tasks import task

from cchub.training.models import Source


@task()
def ingest_source(source_id: int, dry_run: bool = False) -> dict[str, object]:
    from cchub.training.ingest import REPORT_LINES, run_source

    source = Source.objects.select_related("centre").get(pk=source_id)
    return run_source(source, dry_run=dry_run).as_dict(limit=REPORT_LINES)


@task()
def ingest_due_sources() -> int:
    from cchub.training.ingest import run_source

    done = 0
    for source in Source.objects.filter(enabled=True).select_related("centre"):
        if source.is_due:
            run_source(source)
            done += 1
    return done
