"""Portal collaboration space: the work items shared with the partner, its journeys, the person's
tasks; an item's page where people tick their tasks and comment. Internal items never show (404)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from channelops.core.forms import add_service_errors
from channelops.partners.pages import partner_required

from ..item_forms import CommentForm, TaskToggleForm
from ..models import CLOSED_STATUSES, Task, TaskRole, WorkItem
from ..querysets import JOURNEY, attach_people, by_when, journey_items, with_progress
from ..services.items import comment_add, task_set_done

JOURNEYS_SHOWN = 50
TASKS_SHOWN = 100
NAV = "work"
PARTNER_ROLES = (TaskRole.PARTNER_ADMIN, TaskRole.PARTNER_USER)


@partner_required
@require_safe
def items(request: HttpRequest) -> HttpResponse:
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
            "partner": request.partner,  # type: ignore[attr-defined]
            "page": page,
            "journeys": journey_rows,
            "tasks": tasks[:TASKS_SHOWN],
            "more_tasks": len(tasks) > TASKS_SHOWN,
            "today": timezone.localdate(),
            "querystring": params.urlencode(),
            "nav": NAV,
        },
    )


def _item(request: HttpRequest, pk: int) -> WorkItem:
    return get_object_or_404(
        WorkItem.objects.visible_to(request.user).select_related("dri", "project", "template"), pk=pk
    )


def _may_tick(request: HttpRequest, task: Task) -> bool:
    """Shown as a button: the person's own tasks, and (admins) the partner-role tasks."""
    return task.assignee_id == request.user.pk or (
        request.membership.is_admin and task.role in PARTNER_ROLES  # type: ignore[attr-defined]
    )


def _item_page(
    request: HttpRequest, item: WorkItem, *, form: CommentForm | None = None, status: int = 200
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
            "partner": request.partner,  # type: ignore[attr-defined]
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
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _item_page(request, _item(request, pk))


@partner_required
@require_POST
def task_toggle(request: HttpRequest, pk: int, task_pk: int) -> HttpResponse:
    task = get_object_or_404(Task.objects.visible_to(request.user), pk=task_pk, item_id=pk)
    form = TaskToggleForm(request.POST)
    done = form.cleaned_data["done"] if form.is_valid() else not task.is_done
    try:
        task_set_done(task=task, done=done, by=request.user)  # type: ignore[arg-type]  # NotAllowed: 403
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, (_("Task done: %(t)s") if done else _("Task reopened: %(t)s")) % {"t": task.title}
        )
    return redirect(reverse("portal:work_item", args=[pk]) + f"#task-{task.pk}")


@partner_required
@require_POST
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment_add(item=item, body=form.cleaned_data["body"], by=request.user)  # type: ignore[arg-type]
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your comment was added."))
            return redirect(reverse("portal:work_item", args=[pk]) + "#comments-h")
    return _item_page(request, item, form=form, status=400)
