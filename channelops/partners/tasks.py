from __future__ import annotations

from django_tasks import task


@task()
def engagement_rollup_task() -> dict[str, int]:
    from .services import engagement_rollup

    return engagement_rollup()
