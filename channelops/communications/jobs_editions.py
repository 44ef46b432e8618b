"""The Partner Flash jobs (registered in ``parts.editions_ready``).

- ``editions_quarter_task`` (monthly, on the 1st): opens the editions and work items of every month
  of the current fiscal quarter. Idempotent (one edition per month), so running on every month's
  first day also catches a quarter start the scheduler missed.
- ``editions_figures_task`` (daily): on the Friday after each sent edition, writes its figures into
  its work item and closes the item (idempotent: ``figures_recorded_at``).
"""

from __future__ import annotations

from django_tasks import task

from .editions import editions_open_quarter, figures_record_due


@task()
def editions_quarter_task() -> dict[str, int]:
    return {"editions": len(editions_open_quarter())}


@task()
def editions_figures_task() -> dict[str, int]:
    return {"recorded": len(figures_record_due())}
