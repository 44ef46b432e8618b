"""Writes for work items: create, update, the status; tick tasks; comments. Every change calls the
``work_item_changed`` hook (the GitLab mirror, certification awards and notification rules register)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channelops.accounts.models import StaffTeam, User
from channelops.core.exceptions import NotAllowed
from channelops.partners.models import Partner

from ..calendar import fiscal_window
from ..models import (
    CLOSED_STATUSES,
    Comment,
    Label,
    Milestone,
    Project,
    Task,
    TaskRole,
    WorkItem,
    WorkStatus,
    WorkTemplate,
)

ITEM_FIELDS = (
    "title",
    "description",
    "status",
    "dri",
    "team",
    "milestone",
    "due_date",
    "next_action",
    "next_action_date",
    "epic",
    "shared_with_partner",
)


def milestone_for(day: date) -> Milestone:
    """The fiscal two-week milestone containing ``day`` (created when first needed)."""
    w = fiscal_window(day)
    milestone, _created = Milestone.objects.get_or_create(
        title=w.title, defaults={"start": w.start, "end": w.end}
    )
    return milestone


def _require_staff(by: User | None) -> None:
    if by is not None and not by.is_staff:
        raise NotAllowed(_("Only staff may do this."))


def _validate_people(
    *, dri: User | None, assignees: Iterable[User], partner: Partner | None, shared: bool
) -> None:
    if dri is None:
        raise ValidationError({"dri": _("State the DRI: one directly responsible person.")})
    if not dri.is_active or not dri.is_staff:
        raise ValidationError({"dri": _("The DRI must be an active staff member.")})
    for person in assignees:
        if not person.is_active:
            raise ValidationError({"assignees": _("%(p)s cannot be assigned: inactive.") % {"p": person}})
        if not person.is_staff:
            m = person.partner_membership
            if partner is None or not shared or m is None or m.partner_id != partner.pk:
                raise ValidationError(
                    {
                        "assignees": _(
                            "Partner people can only be assigned work shared with their own partner."
                        )
                    }
                )


def _check_schedule(item: WorkItem) -> None:
    if item.due_date is None and item.next_action_date is None:
        raise ValidationError(
            {"due_date": _("Give a due date, or a next best action with its date.")},
        )
    if item.next_action_date is not None and not item.next_action.strip():
        raise ValidationError({"next_action": _("Say what the next best action is.")})


@transaction.atomic
def work_item_create(
    *,
    project: Project,
    title: str,
    dri: User | None,
    by: User | None,
    description: str = "",
    assignees: Iterable[User] = (),
    labels: Iterable[Label] = (),
    milestone: Milestone | None = None,
    due_date: date | None = None,
    next_action: str = "",
    next_action_date: date | None = None,
    partner: Partner | None = None,
    shared_with_partner: bool = False,
    subject: Any = None,
    epic: Any = None,
    team: StaffTeam | None = None,
    template: WorkTemplate | None = None,
    deliverable: Any = None,
    tasks: Iterable[dict[str, Any]] = (),
) -> WorkItem:
    """Create a work item (validated: a stated DRI; a due date or a next best action)."""
    _require_staff(by)
    assignees = list(assignees)
    if shared_with_partner and partner is None:
        raise ValidationError({"shared_with_partner": _("Only work about a partner can be shared with it.")})
    _validate_people(dri=dri, assignees=assignees, partner=partner, shared=shared_with_partner)
    item = WorkItem(
        project=project,
        title=title.strip()[:255],
        description=description,
        dri=dri,
        milestone=milestone,
        due_date=due_date,
        next_action=next_action.strip(),
        next_action_date=next_action_date,
        partner=partner,
        shared_with_partner=shared_with_partner,
        epic=epic,
        team=team,
        template=template,
        deliverable=deliverable,
        created_by=by,
    )
    if subject is not None:
        item.subject_type = ContentType.objects.get_for_model(subject)
        item.subject_id = subject.pk
    if item.milestone is None:
        item.milestone = milestone_for(item.due_date or item.next_action_date or timezone.localdate())
    _check_schedule(item)
    item.full_clean(exclude=["dri", "milestone", "subject_type", "template", "deliverable", "epic", "team"])
    item._history_user = by  # type: ignore[attr-defined]
    item.save()
    if assignees:
        item.assignees.set(assignees)
    if labels:
        item.labels.set(list(labels))
    for position, spec in enumerate(tasks):
        Task.objects.create(item=item, position=position, **spec)
    _work_changed(item, by=by, new=True)
    return item


@transaction.atomic
def work_item_update(*, item: WorkItem, by: User, data: dict[str, Any]) -> WorkItem:
    """Staff change an item's fields (validated like on creation)."""
    _require_staff(by)
    unknown = set(data) - set(ITEM_FIELDS) - {"assignees", "labels"}
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %(f)s") % {"f": ", ".join(sorted(unknown))}
        )
    item = WorkItem.objects.select_for_update().get(pk=item.pk)
    was_open = item.is_open
    for field in ITEM_FIELDS:
        if field in data:
            setattr(item, field, data[field])
    if item.shared_with_partner and item.partner_id is None:
        raise ValidationError({"shared_with_partner": _("Only work about a partner can be shared with it.")})
    assignees = list(data.get("assignees", item.assignees.all()))
    _validate_people(dri=item.dri, assignees=assignees, partner=item.partner, shared=item.shared_with_partner)
    _check_schedule(item)
    if was_open and not item.is_open:
        item.closed_at = timezone.now()
    elif not was_open and item.is_open:
        item.closed_at = None
    item._history_user = by  # type: ignore[attr-defined]
    item.save()
    if "assignees" in data:
        item.assignees.set(assignees)
    if "labels" in data:
        item.labels.set(list(data["labels"]))
    _work_changed(item, by=by, new=False)
    return item


def work_item_set_status(*, item: WorkItem, status: str, by: User) -> WorkItem:
    if status not in WorkStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    return work_item_update(item=item, by=by, data={"status": status})


def _may_tick(task: Task, by: User) -> bool:
    if by.is_staff:
        return True
    m = by.partner_membership
    item = task.item
    if m is None or not item.shared_with_partner or item.partner_id != m.partner_id:
        return False
    return task.assignee_id == by.pk or (
        m.is_admin and task.role in (TaskRole.PARTNER_ADMIN, TaskRole.PARTNER_USER)
    )


@transaction.atomic
def task_set_done(*, task: Task, done: bool, by: User) -> Task:
    """Tick (or untick) a task: staff any task; partner people the tasks assigned to them."""
    task = Task.objects.select_for_update().select_related("item").get(pk=task.pk)
    if not _may_tick(task, by):
        raise NotAllowed(_("You may not tick this task."))
    if task.item.status in CLOSED_STATUSES:
        raise ValidationError(_("This work item is closed."))
    if done and task.done_at is None:
        task.done_at, task.done_by = timezone.now(), by
    elif not done and task.done_at is not None:
        task.done_at, task.done_by, task.escalation_level = None, None, 0
    else:
        return task
    task._history_user = by  # type: ignore[attr-defined]
    task.save()
    _work_changed(task.item, by=by, new=False)
    return task


@transaction.atomic
def comment_add(*, item: WorkItem, body: str, by: User) -> Comment:
    """Staff comment on any item; partner people on items shared with their partner."""
    if not by.is_staff:
        m = by.partner_membership
        if m is None or not item.shared_with_partner or item.partner_id != m.partner_id:
            raise NotAllowed(_("You may not comment on this work item."))
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a comment.")})
    comment = Comment.objects.create(item=item, author=by, body=body[:20000])
    WorkItem.objects.filter(pk=item.pk).update(updated_at=timezone.now())
    _work_changed(item, by=by, new=False)
    return comment


# --- change hook (the GitLab mirror, the certification awards and notification rules register) ----------


def _work_changed(item: WorkItem, *, by: User | None, new: bool) -> None:
    from ..hooks import work_item_changed

    work_item_changed.call(item=item, by=by, new=new)
