"""Thin task wrappers: load ids, call a service."""

from __future__ import annotations

from django_tasks import task


@task()
def access_grants_expire_task() -> int:
    from .services import access_grants_expire

    return access_grants_expire()
