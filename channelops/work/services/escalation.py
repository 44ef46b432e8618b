"""The escalation job: overdue tasks (daily: the DRI first, then the lead of the assignee's team)
and the overdue things of apps above work, which register an *escalator* here.

An escalator is a function without arguments that escalates its app's overdue things once each
(idempotent) and returns counts; the help desk registers ``questions`` (overdue questions,
``channelops.helpdesk.question_services.questions_escalate_overdue``) in its ``AppConfig.ready``.
The daily job runs the tasks' escalation and every escalator; the hourly job runs the escalators
only (their targets are measured in hours).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from channelops.accounts.models import StaffTeam, TeamKind, User
from channelops.core.links import absolute_url
from channelops.core.outbox import email_enqueue

from ..models import Task, WorkItem
from .templates import _team_lead

log = logging.getLogger(__name__)

Escalator = Callable[[], dict[str, int]]
_ESCALATORS: dict[str, Escalator] = {}


def register_escalator(name: str, fn: Escalator) -> Escalator:
    """Run ``fn`` with the escalation job (registering a name again replaces it)."""
    _ESCALATORS[name] = fn
    return fn


def escalators() -> dict[str, Escalator]:
    return dict(_ESCALATORS)


def escalators_run() -> dict[str, int]:
    """Run every registered escalator; counts as ``<name>.<count>``. One failing escalator is
    logged and does not stop the others (the next run tries again)."""
    counts: dict[str, int] = {}
    for name, fn in _ESCALATORS.items():
        try:
            result = fn()
        except Exception:
            log.exception("escalator %s failed", name)
            counts[f"{name}.failed"] = 1
            continue
        counts.update({f"{name}.{key}": value for key, value in result.items()})
    return counts


def escalations_run(*, today: date | None = None) -> dict[str, int]:
    """The daily job: overdue tasks, then every registered escalator."""
    return {**overdue_tasks_escalate(today=today), **escalators_run()}


def escalation_days() -> int:
    return int(getattr(settings, "WORK_ESCALATION_DAYS", 3))


def _item_link(item: WorkItem) -> str:
    return absolute_url("console:work_item", item.pk)


def overdue_tasks_escalate(*, today: date | None = None) -> dict[str, int]:
    """Daily: an overdue task's DRI is e-mailed; after ``WORK_ESCALATION_DAYS`` more days, the lead
    of the assignee's team (or of the item's team). Each step once per task (idempotent keys)."""
    today = today or timezone.localdate()
    counts = {"dri": 0, "lead": 0}
    overdue = Task.objects.overdue(today).select_related("item__dri", "item__team__lead", "assignee")
    for task in overdue.iterator(chunk_size=500):
        item = task.item
        with transaction.atomic():
            if task.escalation_level == 0:
                email_enqueue(
                    to=item.dri.email,
                    template="work/email/task_overdue_dri",
                    context={"task": task, "item": item, "link": _item_link(item), "today": today},
                    key=f"task-overdue-dri:{task.pk}:{task.due_on}",
                    topic=f"work-item:{item.pk}",
                )
                Task.objects.filter(pk=task.pk).update(escalation_level=1)
                counts["dri"] += 1
            elif task.escalation_level == 1 and task.due_on + timedelta(days=escalation_days()) < today:
                lead = _lead_for(task)
                if lead is not None and lead.is_active:
                    email_enqueue(
                        to=lead.email,
                        template="work/email/task_overdue_lead",
                        context={
                            "task": task,
                            "item": item,
                            "lead": lead,
                            "link": _item_link(item),
                            "today": today,
                        },
                        key=f"task-overdue-lead:{task.pk}:{task.due_on}",
                        topic=f"work-item:{item.pk}",
                    )
                    counts["lead"] += 1
                Task.objects.filter(pk=task.pk).update(escalation_level=2)
    return counts


def _lead_for(task: Task) -> User | None:
    if task.assignee is not None and task.assignee.is_staff:
        team = (
            StaffTeam.objects.filter(members=task.assignee)
            .exclude(lead__isnull=True)
            .select_related("lead")
            .first()
        )
        if team is not None:
            return team.lead
    if task.item.team is not None and task.item.team.lead is not None:
        return task.item.team.lead
    return _team_lead(TeamKind.CHANNEL)
