from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from .services import partner_months_refresh


@task()
def refresh_current_month() -> int:
    return partner_months_refresh(months=[timezone.localdate().replace(day=1)])


@task()
def refresh_recent_months() -> int:
    return partner_months_refresh()
