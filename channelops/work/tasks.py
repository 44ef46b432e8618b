"""Thin task wrappers: call a service."""

from __future__ import annotations

from django_tasks import task


@task()
def overdue_tasks_escalate_task() -> dict[str, int]:
    """The daily escalation job: overdue tasks and every registered escalator (overdue questions)."""
    from .services.escalation import escalations_run

    return escalations_run()


@task()
def escalators_run_task() -> dict[str, int]:
    """The hourly escalation job: the registered escalators (targets measured in hours)."""
    from .services.escalation import escalators_run

    return escalators_run()
