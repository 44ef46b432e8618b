"""Thin task wrappers: load ids, call a service."""

from __future__ import annotations

from django_tasks import task


@task()
def digests_send_task() -> dict[str, int]:
    from .services import digests_send

    return digests_send()
