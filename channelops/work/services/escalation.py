"""The daily escalation of overdue tasks: the DRI first, then the lead of the assignee's team."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from channelops.accounts.models import StaffTeam, TeamKind, User
from channelops.core.links import absolute_url
from channelops.core.outbox import email_enqueue

from ..models import Task, WorkItem
from .templates import _team_lead


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
