"""Portal collaboration space: the work items shared with the partner, its journeys, the person's
tasks; an item's page where people tick their tasks and comment (``Action[PartnerRequest]``).
Internal items never show (404)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Case, Value, When
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from channelops.accounts.pages import SignedInRequest
from channelops.core.actions import Action
from channelops.partners.pages import PartnerRequest, partner_required

from ..forms import CommentForm, TaskToggleForm
from ..models import CLOSED_STATUSES, Task, TaskRole, WorkItem
from ..querysets import JOURNEY, attach_people, by_when, journey_items, with_progress
from ..services.items import comment_add
from ._common import load_task, task_ticked, tick_task

JOURNEYS_SHOWN = 50
TASKS_SHOWN = 100
NAV = "work"
PARTNER_ROLES = (TaskRole.PARTNER_ADMIN, TaskRole.PARTNER_USER)


@partner_required
@require_safe
def items(request: PartnerRequest) -> HttpResponse:
    user = request.user
    visible = WorkItem.objects.visible_to(user)
    closed_last = Case(When(status__in=CLOSED_STATUSES, then=Value(1)), default=Value(0))
    shared = with_progress(visible.exclude(JOURNEY).select_related("dri")).order_by(closed_last, *by_when())
    page = Paginator(shared, settings.CHANNELOPS_PAGE_SIZE).get_page(request.GET.get("page"))
    journey_rows = attach_people(list(journey_items(visible.open())[:JOURNEYS_SHOWN]))
    tasks = list(
        Task.objects.visible_to(user)
        .open()
        .filter(assignee=user)
        .select_related("item")
        .order_by("due_on", "pk")[: TASKS_SHOWN + 1]
    )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "work/portal_items.html",
        {
            "partner": request.partner,
            "page": page,
            "journeys": journey_rows,
            "tasks": tasks[:TASKS_SHOWN],
            "more_tasks": len(tasks) > TASKS_SHOWN,
            "today": timezone.localdate(),
            "querystring": params.urlencode(),
            "nav": NAV,
        },
    )


def _item(request: SignedInRequest, pk: int) -> WorkItem:
    return get_object_or_404(
        WorkItem.objects.visible_to(request.user).select_related("dri", "project", "template"), pk=pk
    )


def _may_tick(request: PartnerRequest, task: Task) -> bool:
    """Shown as a button: the person's own tasks, and (admins) the partner-role tasks."""
    return task.assignee_id == request.user.pk or (request.membership.is_admin and task.role in PARTNER_ROLES)


def _item_page(
    request: PartnerRequest, item: WorkItem, *, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    tasks = list(item.tasks.select_related("assignee"))
    sections: dict[str, list[Task]] = {}
    for t in tasks:
        t.can_tick = item.is_open and _may_tick(request, t)  # type: ignore[attr-defined]
        sections.setdefault(t.section, []).append(t)
    done = sum(1 for t in tasks if t.done_at)
    return render(
        request,
        "work/portal_item.html",
        {
            "partner": request.partner,
            "item": item,
            "sections": list(sections.items()),
            "tasks_done": done,
            "tasks_total": len(tasks),
            "comments": item.comments.select_related("author"),
            "form": form or CommentForm(),
            "today": timezone.localdate(),
            "nav": NAV,
            "breadcrumbs": [
                {"label": _("Collaboration space"), "url": reverse("portal:work_items")},
                {"label": item.title},
            ],
        },
        status=status,
    )


@partner_required
@require_safe
def item_detail(request: PartnerRequest, pk: int) -> HttpResponse:
    return _item_page(request, _item(request, pk))


def _item_url(item_id: int, anchor: str = "") -> str:
    return reverse("portal:work_item", args=[item_id]) + anchor


toggle_task = Action[PartnerRequest](
    load=load_task,
    form_class=TaskToggleForm,
    perform=tick_task,
    success=task_ticked,
    redirect_to=lambda request, task, result: _item_url(task.item_id, f"#task-{task.pk}"),
)

add_comment = Action[PartnerRequest](
    load=_item,
    form_class=CommentForm,
    perform=lambda request, item, data: comment_add(item=item, body=data["body"], by=request.user),
    success=gettext_lazy("Your comment was added."),
    redirect_to=lambda request, item, result: _item_url(item.pk, "#comments-h"),
    on_invalid=lambda request, item, form: _item_page(request, item, form=form, status=400),
)

task_toggle = partner_required(toggle_task.view)
comment = partner_required(add_comment.view)
