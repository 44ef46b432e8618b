"""Thin task wrappers: load ids, call a service."""

from __future__ import annotations

from django_tasks import task


@task()
def license_reminders_task() -> dict[str, int]:
    from .lifecycle import license_reminders_send

    return {"sent": license_reminders_send()}
