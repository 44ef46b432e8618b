"""Background tasks of the platform (thin: each calls a service)."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_outbox() -> dict[str, int]:
    from .outbox import outbox_deliver_due

    return outbox_deliver_due()


@task()
def prune_schedule_runs() -> int:
    from .schedules import schedule_runs_prune

    return schedule_runs_prune()


@task()
def database_analyze() -> str:
    from .maintenance import database_analyze as run

    return run()


@task()
def files_sweep() -> dict[str, int]:
    from .files import files_sweep as run

    return run()
