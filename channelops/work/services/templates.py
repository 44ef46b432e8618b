"""Work items from templates (placeholders filled, one task per template task, each assigned by role
and due by its own rule) and journeys (a template of kind "journey" for a partner or a partner person)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template import Context, Engine
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from channelops.accounts.models import StaffTeam, TeamKind, User
from channelops.core.i18n import recipient_languages
from channelops.partners.models import Partner

from ..calendar import add_days
from ..models import TaskRole, TemplateKind, WorkItem, WorkTemplate
from .items import work_item_create

# Placeholders in templates are Django template syntax without the risky tags.
_ENGINE = Engine(
    autoescape=False, libraries={}, builtins=["django.template.defaulttags", "django.template.defaultfilters"]
)


def render_placeholders(text: str, context: dict[str, Any]) -> str:
    """Fill {{ placeholders }} (e.g. ``{{ partner.legal_name }}``); unknown names render empty."""
    return _ENGINE.from_string(text).render(Context(context, autoescape=False))


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
    language: str = "",
) -> WorkItem:
    """Create a work item from a template: placeholders filled, one task per template task, each
    assigned by role and due by its own rule (days after assignment).

    ``language`` (a journey's reader): the template's version in that language when it has a
    complete one, else the English text with a first line saying it is in English only."""
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
    template_tasks = list(template.tasks.all())
    code = (language or "").split("-")[0]
    translated = code not in ("", "en") and template.translated_to(code, template_tasks)
    version = (template.translations or {}).get(code, {}) if translated else {}
    tasks: list[dict[str, Any]] = []
    due_dates = []
    for t in template_tasks:
        own = (t.translations or {}).get(code, {}) if translated else {}
        due_on = add_days(assigned_on, t.due_days, t.due_basis) if t.due_days is not None else None
        if due_on:
            due_dates.append(due_on)
        tasks.append(
            {
                "section": own.get("section", t.section),
                "role": t.role,
                "title": render_placeholders(own.get("title") or t.title, ctx)[:300],
                "instructions": render_placeholders(own.get("instructions", t.instructions), ctx),
                "assignee": people.get(t.role),
                "due_on": due_on,
                "completes_when": t.completes_when,
            }
        )
    due_date = assigned_on + timedelta(days=template.due_days) if template.due_days is not None else None
    if due_date is None and due_dates:
        due_date = max(due_dates)
    if due_date is None:
        due_date = assigned_on + timedelta(days=int(getattr(settings, "WORK_DEFAULT_DUE_DAYS", 14)))
    assignees = {t["assignee"] for t in tasks if t["assignee"] is not None and t["assignee"].is_staff}
    description = render_placeholders(version.get("body", template.body), ctx)
    if code not in ("", "en") and not translated:
        with translation.override(code):
            description = f"*{_('This text is available in English only.')}*\n\n{description}"
    item = work_item_create(
        project=template.project,
        title=render_placeholders(version.get("title") or template.title, ctx),
        description=description,
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
    from ..auto_tasks import item_tasks_complete

    item_tasks_complete(item, by=by)  # tasks the data already answers
    return item


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
    language = recipient_languages([person.email]).get(person.email, "") if person is not None else ""
    return work_item_from_template(
        language=language,
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
