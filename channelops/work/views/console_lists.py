"""Console work lists: my work (items and tasks), the board (items by status), journeys in progress
across partners."""

from __future__ import annotations

from typing import Any

from django.db.models.query import prefetch_related_objects
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_safe

from channelops.accounts.pages import StaffRequest
from channelops.core.listing import Column, ListPage, render_filter_form
from channelops.core.pages import staff_required

from ..display import item_title_html, labels_html, partner_html, progress_html, tasks_done_html, when_html
from ..filters import JourneyFilter, WorkBoardFilter
from ..models import CLOSED_STATUSES, WorkItem
from ..querysets import (
    attach_people,
    board_columns,
    by_when,
    journey_items,
    my_items,
    my_tasks,
)

TASKS_SHOWN = 100
NAV = "work"


# --- my work -------------------------------------------------------------------------------------


@method_decorator(staff_required, name="dispatch")
class MyWork(ListPage):
    """Open items where the person is the DRI or an assignee (a list page), and their open tasks."""

    template_name = "work/my_work.html"
    title = _l("My work")
    nav = NAV
    intro = _l("Open work items where you are the DRI or an assignee, soonest first; then your open tasks.")
    default_sort = "when"
    empty_title = _l("Nothing open: no work item has you as DRI or assignee.")
    empty_text = _l("Items you create or are assigned show here, soonest first.")
    noun_plural = _l("work items")
    request: StaffRequest

    def get_queryset(self) -> Any:
        return my_items(self.request.user)

    def ordering(self) -> list[Any]:
        return by_when()

    def get_columns(self) -> list[Column]:
        today, me = timezone.localdate(), self.request.user.pk
        return [
            Column("title", _l("Work item"), html=item_title_html),
            Column(
                "role",
                _l("You are"),
                value=lambda i: _("DRI") if i.dri_id == me else _("Assignee"),
            ),
            Column("status", _l("Status"), status="work"),
            Column("when", _l("Due or next action"), html=lambda i: when_html(i, today)),
            Column("tasks", _l("Tasks done"), html=tasks_done_html),
            Column("partner", _l("Partner"), html=partner_html),
            Column("labels", _l("Labels"), html=labels_html),
        ]

    def rows_html(self, rows: Any, columns: list[Column]) -> Any:
        rows = list(rows)
        prefetch_related_objects(rows, "labels")
        return super().rows_html(rows, columns)

    def get_actions(self) -> list[dict[str, Any]]:
        return [{"label": _("New work item"), "url": reverse("console:work_item_new"), "primary": True}]

    def get_empty_action(self) -> tuple[str, Any] | None:
        return reverse("console:work_item_new"), _("Create a work item")

    def get_extra_context(self) -> dict[str, Any]:
        tasks = list(my_tasks(self.request.user)[: TASKS_SHOWN + 1])
        return {
            "tasks": tasks[:TASKS_SHOWN],
            "more_tasks": len(tasks) > TASKS_SHOWN,
            "today": timezone.localdate(),
            "subnav": "my_work",
        }


my_work = MyWork.as_view()


# --- board -----------------------------------------------------------------------------------------


@staff_required
@require_safe
def board(request: StaffRequest) -> HttpResponse:
    filterset = WorkBoardFilter(request.GET or None, queryset=WorkItem.objects.visible_to(request.user))
    qs = filterset.queryset
    partner = None
    if filterset.is_bound:
        # Invalid values are reported and ignored; the valid ones still filter.
        filterset.form.is_valid()
        qs = filterset.filter_queryset(qs)
        partner = filterset.form.cleaned_data.get("partner")
    columns = board_columns(qs)
    prefetch_related_objects([i for c in columns for i in c.items], "labels")
    return render(
        request,
        "work/board.html",
        {
            "filter_form": render_filter_form(filterset.form),
            "filtered": any(v for k, v in request.GET.items() if k != "page"),
            "columns": columns,
            "partner": partner,
            "today": timezone.localdate(),
            "nav": NAV,
            "subnav": "board",
        },
    )


# --- journeys ------------------------------------------------------------------------------------------


@method_decorator(staff_required, name="dispatch")
class Journeys(ListPage):
    """Open journeys (template kind "journey") across partners, soonest due first."""

    template_name = "work/journeys.html"
    title = _l("Journeys in progress")
    nav = NAV
    intro = _l(
        "Sets of tasks assigned to a partner or a partner person (e.g. every new partner user gets the "
        "onboarding journey)."
    )
    filterset_class = JourneyFilter
    empty_title = _l("No journey is in progress.")
    empty_text = _l("Assign one from a journey template on the new work item page.")
    noun_plural = _l("journeys")
    request: StaffRequest

    def get_queryset(self) -> Any:
        qs = WorkItem.objects.visible_to(self.request.user).exclude(status__in=CLOSED_STATUSES)
        return journey_items(qs)

    def ordering(self) -> list[Any]:
        return by_when()

    def get_columns(self) -> list[Column]:
        today = timezone.localdate()
        return [
            Column(
                "partner.legal_name",
                _l("Partner"),
                link=lambda i: (
                    reverse("console:partner_detail", args=[i.partner_id]) if i.partner_id else None
                ),
            ),
            Column(
                "person",
                _l("Person"),
                value=lambda i: i.person.get_full_name() if i.person else _("the partner"),
            ),
            Column("template.name", _l("Journey"), link=lambda i: reverse("console:work_item", args=[i.pk])),
            Column("progress", _l("Progress"), html=progress_html),
            Column("when", _l("Due"), html=lambda i: when_html(i, today)),
            Column(
                "tasks_overdue",
                _l("Overdue tasks"),
                numeric=True,
                html=lambda i: (
                    format_html('<strong class="overdue">{}</strong>', i.tasks_overdue)
                    if i.tasks_overdue
                    else SafeString("0")
                ),
            ),
        ]

    def rows_html(self, rows: Any, columns: list[Column]) -> Any:
        return super().rows_html(attach_people(list(rows)), columns)

    def get_empty_action(self) -> tuple[str, Any] | None:
        return reverse("console:work_item_new"), _("Assign a journey")

    def get_extra_context(self) -> dict[str, Any]:
        return {"subnav": "journeys"}


journeys = Journeys.as_view()
