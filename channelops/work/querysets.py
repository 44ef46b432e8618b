"""Reads for work items: staff see every item; partner people only items shared with their partner.

Also the reads behind the work pages (console and portal), each with a constant number of
queries. Task counts are correlated subqueries rather than joins, so they stay right whatever
other filters (assignees, labels) a caller adds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.expressions import Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from channelops.accounts.models import User
from channelops.partners.querysets import _partner_scope

if TYPE_CHECKING:
    from .models import WorkItem


class WorkItemQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> WorkItemQuerySet:
        scope, pid = _partner_scope(user)
        if scope == "all":
            return self
        if scope == "partner":
            return self.filter(partner_id=pid, shared_with_partner=True)
        return self.none()

    def open(self) -> WorkItemQuerySet:
        return self.exclude(status__in=("done", "cancelled"))

    def for_partner(self, partner: Any) -> WorkItemQuerySet:
        """The items about one partner (a ``Partner`` or its id); chain after ``visible_to(user)``."""
        return self.filter(partner_id=getattr(partner, "pk", partner))


class TaskQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> TaskQuerySet:
        scope, pid = _partner_scope(user)
        if scope == "all":
            return self
        if scope == "partner":
            return self.filter(item__partner_id=pid, item__shared_with_partner=True)
        return self.none()

    def open(self) -> TaskQuerySet:
        return self.filter(done_at__isnull=True).exclude(item__status__in=("done", "cancelled"))

    def overdue(self, today: date | None = None) -> TaskQuerySet:
        return self.open().filter(due_on__lt=today or timezone.localdate())


# --- the work pages' reads -----------------------------------------------------------------------

# models.py builds its managers from the querysets above, so this module cannot import the models
# at load time: the status and kind values are spelled out (WorkStatus and TemplateKind in
# models.py) and the functions below import the models when called.
JOURNEY = Q(template__kind="journey")
OPEN_STATUSES = ("open", "in_progress", "blocked")
CLOSED = ("done", "cancelled")
BOARD_COLUMNS = (
    ("open", _("Open")),
    ("in_progress", _("In progress")),
    ("blocked", _("Blocked")),
    ("done", _("Done (recent)")),
)
BOARD_PER_COLUMN = 25
BOARD_DONE_DAYS = 14


def _task_count(**filters: Any) -> Coalesce:
    from .models import Task

    sub = (
        Task.objects.filter(item=OuterRef("pk"), **filters)
        .order_by()
        .values("item")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(sub, output_field=IntegerField()), Value(0))


def with_progress(qs: QuerySet, today: date | None = None) -> QuerySet:
    """Annotate ``tasks_total``, ``tasks_done``, ``tasks_overdue`` and ``when`` (due date, else the
    next best action's date)."""
    today = today or timezone.localdate()
    return qs.annotate(
        tasks_total=_task_count(),
        tasks_done=_task_count(done_at__isnull=False),
        tasks_overdue=_task_count(done_at__isnull=True, due_on__lt=today),
        when=Coalesce("due_date", "next_action_date"),
    )


def overdue_filter(today: date | None = None) -> Exists:
    """Items with an open task past its due date."""
    from .models import Task

    return Exists(
        Task.objects.filter(
            item=OuterRef("pk"), done_at__isnull=True, due_on__lt=today or timezone.localdate()
        )
    )


def by_when() -> list[Any]:
    return [F("when").asc(nulls_last=True), "-pk"]


def attach_people(items: list[WorkItem]) -> list[WorkItem]:
    """Set ``item.person``: the partner person a journey is for (its subject), in one query."""
    ct = ContentType.objects.get_for_model(User)
    ids = {i.subject_id for i in items if i.subject_type_id == ct.pk and i.subject_id}
    people = User.objects.in_bulk(ids) if ids else {}
    for i in items:
        i.person = people.get(i.subject_id) if i.subject_type_id == ct.pk else None  # type: ignore[attr-defined]
    return items


def percent(done: int, total: int) -> int:
    return round(100 * done / total) if total else 0


# --- console -------------------------------------------------------------------------------------


def my_items(user: User) -> QuerySet:
    """Open items where ``user`` is the DRI or an assignee, soonest first."""
    from .models import WorkItem

    assigned = WorkItem.assignees.through.objects.filter(user=user).values("workitem_id")
    qs = (
        WorkItem.objects.visible_to(user)
        .open()
        .filter(Q(dri=user) | Q(pk__in=assigned))
        .select_related("project", "partner", "milestone", "dri")
    )
    return with_progress(qs).order_by(*by_when())


def my_tasks(user: User) -> QuerySet:
    """Open tasks assigned to ``user`` on open items, soonest due first."""
    from .models import Task

    return (
        Task.objects.visible_to(user)
        .open()
        .filter(assignee=user)
        .select_related("item__partner")
        .order_by(F("due_on").asc(nulls_last=True), "pk")
    )


@dataclass
class Column:
    status: str
    title: Any
    count: int = 0
    items: list[WorkItem] = field(default_factory=list)


def board_columns(
    qs: QuerySet, *, per_column: int = BOARD_PER_COLUMN, done_days: int = BOARD_DONE_DAYS
) -> list[Column]:
    """The board: one column per status, each its first ``per_column`` items and its count.

    Three queries whatever the number of items: the counts, the open columns' rows (a window
    function keeps the first rows of each status) and the recently done rows.
    """
    cutoff = timezone.now() - timedelta(days=done_days)
    qs = qs.filter(Q(status__in=OPEN_STATUSES) | Q(status="done", closed_at__gte=cutoff))
    counts = dict(qs.order_by().values_list("status").annotate(n=Count("pk")))
    rows = with_progress(qs.select_related("project", "partner", "dri", "milestone"))
    open_rows = list(
        rows.filter(status__in=OPEN_STATUSES)
        .annotate(rank=Window(RowNumber(), partition_by=[F("status")], order_by=by_when()))
        .filter(rank__lte=per_column)
        .order_by("status", "rank")
    )
    done_rows = list(rows.filter(status="done").order_by("-closed_at", "-pk")[:per_column])
    columns = {status: Column(status, title, counts.get(status, 0)) for status, title in BOARD_COLUMNS}
    for item in open_rows + done_rows:
        columns[item.status].items.append(item)
    return list(columns.values())


def journey_items(qs: QuerySet | None = None, today: date | None = None) -> QuerySet:
    """Journey items (template kind "journey") with progress, soonest due first."""
    from .models import WorkItem

    qs = WorkItem.objects.all() if qs is None else qs
    return with_progress(qs.filter(JOURNEY).select_related("partner", "template", "dri"), today).order_by(
        *by_when()
    )


@dataclass
class PartnerWork:
    items: list[WorkItem]
    items_count: int
    journeys: list[WorkItem]
    journeys_count: int


def partner_work(partner: Any, *, user: Any = None, limit: int = 25) -> PartnerWork:
    """The partner page's "Work" section: its open items (shared and internal) and its journeys,
    those ``user`` may see when given (five queries whatever the number of items)."""
    from .models import WorkItem

    rows = WorkItem.objects.all() if user is None else WorkItem.objects.visible_to(user)
    base = rows.for_partner(partner).exclude(status__in=CLOSED)
    items_qs = with_progress(base.exclude(JOURNEY).select_related("dri", "project")).order_by(*by_when())
    journey_qs = journey_items(base)
    return PartnerWork(
        items=list(items_qs[:limit]),
        items_count=base.exclude(JOURNEY).count(),
        journeys=attach_people(list(journey_qs[:limit])),
        journeys_count=base.filter(JOURNEY).count(),
    )
