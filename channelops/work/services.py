"""Writes for work items: create (directly, from a template, for a RACI deliverable), update, tasks,
comments, journeys, the escalation of overdue tasks; epics."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template import Context, Engine
from django.utils import timezone
from django.utils.translation import gettext as _

from channelops.accounts.models import StaffTeam, TeamKind, User
from channelops.core.exceptions import NotAllowed
from channelops.core.links import absolute_url
from channelops.core.outbox import email_enqueue
from channelops.partners.models import Partner

from .calendar import add_days, fiscal_window
from .models import (
    CLOSED_STATUSES,
    Comment,
    Epic,
    Label,
    Milestone,
    Project,
    Task,
    TaskRole,
    TemplateKind,
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

# Placeholders in templates are Django template syntax without the risky tags.
_ENGINE = Engine(
    autoescape=False, libraries={}, builtins=["django.template.defaulttags", "django.template.defaultfilters"]
)


def render_placeholders(text: str, context: dict[str, Any]) -> str:
    """Fill {{ placeholders }} (e.g. ``{{ partner.legal_name }}``); unknown names render empty."""
    return _ENGINE.from_string(text).render(Context(context, autoescape=False))


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


def _role_people(partner: Partner | None, roles: dict[str, User | None] | None) -> dict[str, User | None]:
    """Who does a role's tasks: explicit choices first, then the partner's CAM and PHD specialist."""
    people: dict[str, User | None] = {}
    if partner is not None:
        people[TaskRole.CAM] = partner.cam
        people[TaskRole.HELP_DESK] = partner.phd_specialist
    for kind, role in (
        (TeamKind.EDUCATION_SERVICES, TaskRole.EDUCATION),
        (TeamKind.PROFESSIONAL_SERVICES, TaskRole.PROFESSIONAL_SERVICES),
        (TeamKind.CHANNEL_MARKETING, TaskRole.MARKETING),
    ):
        team = StaffTeam.objects.filter(kind=kind).select_related("lead").first()
        people.setdefault(role, team.lead if team else None)
    people.update(roles or {})
    return people


@transaction.atomic
def work_item_from_template(
    *,
    template: WorkTemplate,
    by: User | None,
    dri: User | None = None,
    partner: Partner | None = None,
    subject: Any = None,
    context: dict[str, Any] | None = None,
    roles: dict[str, User | None] | None = None,
    assigned_on: date | None = None,
) -> WorkItem:
    """Create a work item from a template: placeholders filled, one task per template task, each
    assigned by role and due by its own rule (days after assignment)."""
    assigned_on = assigned_on or timezone.localdate()
    people = _role_people(partner, roles)
    ctx = {
        "partner": partner,
        "subject": subject,
        "today": assigned_on,
        "site_url": settings.SITE_URL,
        **(context or {}),
    }
    dri = dri or people.get(TaskRole.DRI) or people.get(TaskRole.CAM) or (by if by and by.is_staff else None)
    tasks: list[dict[str, Any]] = []
    due_dates = []
    for t in template.tasks.all():
        due_on = add_days(assigned_on, t.due_days, t.due_basis) if t.due_days is not None else None
        if due_on:
            due_dates.append(due_on)
        tasks.append(
            {
                "section": t.section,
                "role": t.role,
                "title": render_placeholders(t.title, ctx)[:300],
                "instructions": render_placeholders(t.instructions, ctx),
                "assignee": people.get(t.role),
                "due_on": due_on,
            }
        )
    due_date = assigned_on + timedelta(days=template.due_days) if template.due_days is not None else None
    if due_date is None and due_dates:
        due_date = max(due_dates)
    if due_date is None:
        due_date = assigned_on + timedelta(days=int(getattr(settings, "WORK_DEFAULT_DUE_DAYS", 14)))
    assignees = {t["assignee"] for t in tasks if t["assignee"] is not None and t["assignee"].is_staff}
    item = work_item_create(
        project=template.project,
        title=render_placeholders(template.title, ctx),
        description=render_placeholders(template.body, ctx),
        dri=dri,
        by=None,
        assignees=sorted(assignees, key=lambda u: u.pk),
        labels=template.labels.all(),
        due_date=due_date,
        partner=partner,
        shared_with_partner=template.shared_with_partner or template.kind == TemplateKind.JOURNEY,
        subject=subject,
        template=template,
        tasks=tasks,
    )
    if by is not None:
        WorkItem.objects.filter(pk=item.pk).update(created_by=by)
        item.created_by = by  # the returned instance stays current
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


# --- journeys ------------------------------------------------------------------------------------


def journey_assign(
    *, template: WorkTemplate, partner: Partner, user: User | None = None, by: User | None
) -> WorkItem:
    """Assign a journey (a template of kind "journey") to a partner, or to one of its people:
    a work item shared with the partner whose partner tasks are assigned to that person."""
    if template.kind != TemplateKind.JOURNEY:
        raise ValidationError({"template": _("This template is not a journey.")})
    if user is not None and user.partner_id != partner.pk:
        raise ValidationError({"user": _("This person does not belong to the partner.")})
    admin = None
    if user is None:
        admin = (
            User.objects.filter(membership__partner=partner, membership__role="admin", is_active=True)
            .order_by("pk")
            .first()
        )
    person = user or admin
    dri = partner.cam or partner.phd_specialist or _team_lead(TeamKind.CHANNEL) or _an_administrator()
    return work_item_from_template(
        template=template,
        by=by,
        dri=dri,
        partner=partner,
        subject=user,
        context={"person": person},
        roles={TaskRole.PARTNER_USER: person, TaskRole.PARTNER_ADMIN: admin or person},
    )


def _an_administrator() -> User | None:
    return (
        User.objects.filter(is_active=True, is_staff=True, groups__name="administrator")
        .order_by("pk")
        .first()
    )


def _team_lead(kind: str) -> User | None:
    team = StaffTeam.objects.filter(kind=kind).select_related("lead").first()
    return team.lead if team else None


def journey_progress(item: WorkItem) -> tuple[int, int]:
    """(done, total) tasks of a journey item."""
    tasks = list(item.tasks.all())
    return sum(1 for t in tasks if t.done_at), len(tasks)


# --- escalation ----------------------------------------------------------------------------------


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


# --- change hook (the GitLab mirror, the certification awards and notification rules register) ----------


def _work_changed(item: WorkItem, *, by: User | None, new: bool) -> None:
    from .hooks import work_item_changed

    work_item_changed.call(item=item, by=by, new=new)


# --- epics ----------------------------------------------------------------------------------------

EPIC_EDIT_PERM = "work.change_epic"
EPIC_ADD_PERM = "work.add_epic"


def _require_epic_perm(by: User, perm: str) -> None:
    if not (by.is_active and by.is_staff and by.has_perm(perm)):
        raise NotAllowed(_("Your role does not allow editing epics."))


def _epic_clean(*, title: str, group: Any) -> str:
    title = (title or "").strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("Give the epic a title.")
    if group is None:
        errors["group"] = _("Choose the group whose projects the epic spans.")
    if errors:
        raise ValidationError(errors)
    return title


@transaction.atomic
def epic_create(*, group: Any, title: str, description: str = "", is_okr: bool = False, by: User) -> Epic:
    """Staff with ``work.add_epic`` create an epic (a parent of work items; OKRs are epics)."""
    _require_epic_perm(by, EPIC_ADD_PERM)
    epic = Epic(
        group=group, title=_epic_clean(title=title, group=group), description=description, is_okr=is_okr
    )
    epic._history_user = by  # type: ignore[attr-defined]
    epic.save()
    return epic


@transaction.atomic
def epic_update(
    *, epic: Epic, group: Any, title: str, description: str, is_okr: bool, closed: bool, by: User
) -> Epic:
    """Staff with ``work.change_epic`` change an epic, and close or reopen it."""
    _require_epic_perm(by, EPIC_EDIT_PERM)
    epic = Epic.objects.select_for_update().get(pk=epic.pk)
    epic.title = _epic_clean(title=title, group=group)
    epic.group = group
    epic.description = description
    epic.is_okr = is_okr
    if closed and epic.closed_at is None:
        epic.closed_at = timezone.now()
    elif not closed:
        epic.closed_at = None
    epic._history_user = by  # type: ignore[attr-defined]
    epic.save()
    return epic
