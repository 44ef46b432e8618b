"""Portal home items of work: the open tasks assigned to the person, soonest due first."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from channelops.core.attention import Attention, register_attention

SHOWN = 10


def _my_tasks(partner: Any, user: Any) -> list[Attention]:
    from .models import Task

    today = timezone.localdate()
    rows = (
        Task.objects.visible_to(user)
        .open()
        .filter(assignee=user, item__partner=partner)
        .select_related("item")
        .order_by(F("due_on").asc(nulls_last=True), "pk")[:SHOWN]
    )
    out = []
    for task in rows:
        if task.due_on is not None and task.due_on < today:
            detail = _("Overdue since %(date)s, in %(item)s.") % {
                "date": date_format(task.due_on, "j F Y"),
                "item": task.item.title,
            }
        else:  # the due date shows beside it
            detail = _("In %(item)s.") % {"item": task.item.title}
        out.append(
            Attention(
                title=task.title,
                detail=detail,
                url=reverse("portal:work_item", args=[task.item_id]) + f"#task-{task.pk}",
                kind="task",
                due=task.due_on,
                action=_("Open the task"),
            )
        )
    return out


def register_attention_items() -> None:
    register_attention(_my_tasks)
