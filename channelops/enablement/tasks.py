"""Thin task wrappers of the enablement app: load ids, call a service."""

from __future__ import annotations

from django_tasks import task


@task()
def partner_certifications_daily_task() -> dict[str, int]:
    from .awards import partner_certifications_daily

    return partner_certifications_daily()
