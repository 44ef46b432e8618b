"""Background tasks of sending (thin: each calls a service in sending.py)."""

from __future__ import annotations

from django_tasks import task


@task()
def send_due_task() -> dict[str, int]:
    """The minutely run: start scheduled mailings whose time has come; resume interrupted sends."""
    from .sending import send_due

    return send_due()
