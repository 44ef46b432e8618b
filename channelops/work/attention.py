"""Portal home items of work: the open tasks assigned to the person, soonest due first."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from channelops.core.attention import Attention, AttentionQuery, register_attention
from channelops.core.union import shaped

SHOWN = 10


def _my_tasks(partner: Any, user: Any) -> AttentionQuery:
    from .models import Task

    today = timezone.localdate()
    rows = shaped(
        Task.objects.visible_to(user)
        .open()
        .filter(assignee=user, item__partner=partner)
        .order_by(F("due_on").asc(nulls_last=True), "pk"),
        pk="pk",
        due="due_on",
        n="item_id",
        t1="title",
        t2="item__title",
    )[:SHOWN]

    def render(rows: list[dict[str, Any]]) -> list[Attention]:
        out = []
        for task in sorted(rows, key=lambda r: (r["due"] is None, r["due"] or today, r["pk"])):
            if task["due"] is not None and task["due"] < today:
                detail = _("Overdue since %(date)s, in %(item)s.") % {
                    "date": date_format(task["due"], "j F Y"),
                    "item": task["t2"],
                }
            else:  # the due date shows beside it
                detail = _("In %(item)s.") % {"item": task["t2"]}
            out.append(
                Attention(
                    title=task["t1"],
                    detail=detail,
                    url=reverse("portal:work_item", args=[task["n"]]) + f"#task-{task['pk']}",
                    kind="task",
                    due=task["due"],
                    action=_("Open the task"),
                )
            )
        return out

    return AttentionQuery(rows, render)


def register_attention_items() -> None:
    register_attention(_my_tasks)
