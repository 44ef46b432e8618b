"""Thin task wrappers: call a service."""

from __future__ import annotations

from django_tasks import task


@task()
def overdue_tasks_escalate_task() -> dict[str, int]:
    from .services.escalation import overdue_tasks_escalate

    return overdue_tasks_escalate()
