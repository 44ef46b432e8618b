"""Console work queues of the work app: my open work, overdue tasks."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from channelops.core.queues import WorkQueue, register_queue


def register() -> None:
    from .models import Task, WorkItem

    register_queue(
        WorkQueue(
            key="my_work",
            title=_("My open work"),
            description=_("Work items where you are the DRI or an assignee, and tasks assigned to you."),
            items=lambda user: (
                WorkItem.objects.visible_to(user)
                .open()
                .filter(
                    Q(dri=user) | Q(assignees=user) | Q(tasks__assignee=user, tasks__done_at__isnull=True)
                )
                .distinct()
            ),
            url=lambda: reverse("console:my_work"),
        )
    )
    register_queue(
        WorkQueue(
            key="tasks_overdue",
            title=_("Overdue tasks"),
            description=_("Open tasks past their due date, in every project."),
            items=lambda user: Task.objects.visible_to(user).overdue(timezone.localdate()),
            url=lambda: reverse("console:work_board") + "?overdue=1",
        )
    )
