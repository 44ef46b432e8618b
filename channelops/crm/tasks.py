"""Thin task: the scheduled incremental sync (does nothing when no CRM is connected)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from .auth import configured


@task()
def crm_sync_task() -> dict[str, Any]:
    if not configured():
        return {"skipped": "no CRM connected"}
    from .services import crm_sync

    run = crm_sync()
    return {"run": run.pk, "status": run.status, "out": run.records_out, "in": run.records_in}
