"""Thin task wrappers: load ids, call a service."""

from __future__ import annotations

from django_tasks import task


@task()
def reaccept_reminders_task() -> dict[str, int]:
    from .services import reaccept_reminders

    return reaccept_reminders()


@task()
def compliance_refresh_task() -> int:
    from .compliance import compliance_refresh

    return compliance_refresh()
