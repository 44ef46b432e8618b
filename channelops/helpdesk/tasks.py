"""Thin task wrappers: load ids, call a service."""

from __future__ import annotations

from django_tasks import task


@task()
def reviews_materialise_task() -> dict[str, int]:
    from .services import reviews_materialise

    return reviews_materialise()
