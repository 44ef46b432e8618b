"""What the console and portal work pages share: ticking a task (the pages differ only in where they
go back to)."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from channelops.accounts.pages import SignedInRequest

from ..models import Task
from ..services.items import task_set_done


def load_task(request: SignedInRequest, pk: int, task_pk: int) -> Task:
    """The task ``task_pk`` of the item ``pk``, if the person sees it (else 404)."""
    return get_object_or_404(Task.objects.visible_to(request.user), pk=task_pk, item_id=pk)


def tick_task(request: SignedInRequest, task: Task, data: dict[str, Any]) -> Task:
    """Tick or untick as asked (``done`` "1" or "0"); without a clear answer, toggle. The service
    refuses a task the person may not tick (NotAllowed: 403) and a closed item (ValidationError)."""
    done = data["done"] if data["done"] is not None else not task.is_done
    return task_set_done(task=task, done=done, by=request.user)


def task_ticked(task: Task, result: Task) -> str:
    """The message after ticking (or unticking) a task."""
    return (_("Task done: %(t)s") if result.is_done else _("Task reopened: %(t)s")) % {"t": task.title}
