"""Thin task wrappers of the enablement app: load ids, call a service."""

from __future__ import annotations

from django_tasks import task


@task()
def partner_certifications_daily_task() -> dict[str, int]:
    from .services.awards import partner_certifications_daily

    return partner_certifications_daily()


@task()
def practitioner_import_task(run_id: int) -> dict[str, int]:
    """Background import of a stored file (thin: load the run, call the service)."""
    from .models import ImportRun, ImportStatus
    from .services.importing import import_run_execute

    run = ImportRun.objects.get(pk=run_id)
    if run.status not in (ImportStatus.QUEUED,):
        return {"skipped": 1}
    result = import_run_execute(run)
    return {"created": result.created, "updated": result.updated, "errors": result.error_count}
