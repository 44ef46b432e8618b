"""Workflows (SPEC S4): rules staff edit as data — "when a partner (or a partner user) is created or
changed, and its field equals a value, do this".

The functions in ``partner_hooks.py`` call :func:`workflows_run` on the partners app's hooks, which
its services call inside their transactions. Each matching active workflow runs in ``position`` order
inside its own savepoint: a workflow that fails is rolled back, logged (warning, logger
``channelops.work.workflows``) and skipped, and the partner change goes on.

A workflow never re-triggers itself: the ids of the workflows running (in this context) are kept in
a context variable, so a ``set_field`` change that calls ``partner_changed`` again runs the *other*
matching workflows but not the ones already on the stack (and nothing deeper than ``MAX_DEPTH``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextvars import ContextVar
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from channelops.accounts.models import User
from channelops.core.exceptions import NotAllowed
from channelops.core.links import absolute_url
from channelops.core.outbox import email_enqueue
from channelops.partners.models import Partner, PartnerMembership, Tier

from .models import (
    CLOSED_STATUSES,
    TemplateKind,
    Workflow,
    WorkflowAction,
    WorkflowTrigger,
    WorkItem,
    WorkTemplate,
)

log = logging.getLogger(__name__)

MAX_DEPTH = 5

# Fields a ``set_field`` workflow may set on a partner (through ``partner_fields_set``).
SETTABLE_FIELDS = ("tier", "cam", "account_notes", "phone", "website")

# Fields a condition may compare, per kind of record. Partner fields are also offered to the
# user triggers (they compare the person's partner).
PARTNER_CONDITION_FIELDS = (
    "status",
    "tier",
    "region",
    "country",
    "cam",
    "legal_name",
    "website",
    "phone",
    "crm_account_id",
)
USER_CONDITION_FIELDS = ("role", "can_submit_requests", "email", "is_active")
USER_TRIGGERS = (WorkflowTrigger.USER_CREATED, WorkflowTrigger.USER_CHANGED)

HEADLINES: dict[str, str] = {
    WorkflowTrigger.PARTNER_CREATED: "New partner",
    WorkflowTrigger.PARTNER_CHANGED: "Partner changed",
    WorkflowTrigger.USER_CREATED: "New partner user",
    WorkflowTrigger.USER_CHANGED: "Partner user changed",
}

_running: ContextVar[tuple[int, ...]] = ContextVar("channelops_workflows_running", default=())


# --- conditions ------------------------------------------------------------------------------------


def condition_fields(trigger: str) -> tuple[str, ...]:
    """The field names a workflow of ``trigger`` may compare."""
    if trigger in USER_TRIGGERS:
        return USER_CONDITION_FIELDS + PARTNER_CONDITION_FIELDS
    return PARTNER_CONDITION_FIELDS


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _partner_value(partner: Partner, name: str) -> str:
    if name == "tier":
        return partner.tier.slug
    if name == "region":
        return partner.region.code
    if name == "cam":
        return partner.cam.email if partner.cam is not None else ""
    return _as_text(getattr(partner, name))


def field_value(*, name: str, partner: Partner, membership: PartnerMembership | None = None) -> str:
    """The value a condition compares, as text: ``tier`` is the tier's slug, ``region`` the region's
    code, ``cam`` the CAM's e-mail; for a person, ``role``, ``can_submit_requests`` (membership),
    ``email``, ``is_active`` (user); booleans are ``true``/``false``."""
    if membership is not None and name in USER_CONDITION_FIELDS:
        obj = membership if name in ("role", "can_submit_requests") else membership.user
        return _as_text(getattr(obj, name))
    return _partner_value(partner, name)


def workflow_matches(
    workflow: Workflow, *, partner: Partner, membership: PartnerMembership | None = None
) -> bool:
    """No condition, or the record's field equals the value (as text, ignoring case and outer spaces)."""
    if not workflow.condition_field:
        return True
    actual = field_value(name=workflow.condition_field, partner=partner, membership=membership)
    return actual.strip().casefold() == workflow.condition_value.strip().casefold()


# --- validation (admin form) -------------------------------------------------------------------------


def set_field_value(name: str, value: str) -> Any:
    """The Python value ``set_field`` writes for the text ``value`` (a ``Tier`` for ``tier``, a staff
    ``User`` or None for ``cam``); raises ValidationError on ``field_value`` when it is not valid."""
    value = (value or "").strip()
    if name not in SETTABLE_FIELDS:
        raise ValidationError(
            {
                "field_name": _("A workflow can set only these partner fields: %(f)s.")
                % {"f": ", ".join(SETTABLE_FIELDS)}
            }
        )
    if name == "tier":
        tier = Tier.objects.filter(slug=value).first()
        if tier is None:
            slugs = ", ".join(Tier.objects.values_list("slug", flat=True))
            raise ValidationError(
                {"field_value": _("No tier has the slug “%(v)s” (tiers: %(s)s).") % {"v": value, "s": slugs}}
            )
        return tier
    if name == "cam":
        if not value:
            return None
        cam = User.objects.filter(email__iexact=value, is_staff=True, is_active=True).first()
        if cam is None:
            raise ValidationError(
                {"field_value": _("No active staff member has the e-mail address “%(v)s”.") % {"v": value}}
            )
        return cam
    field = Partner._meta.get_field(name)
    try:
        return field.clean(value, None)  # type: ignore[union-attr]
    except ValidationError as exc:
        raise ValidationError({"field_value": exc.messages}) from exc


def workflow_validate(workflow: Workflow) -> None:
    """Check a workflow before it is saved; raises ValidationError keyed by the form's fields."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if workflow.trigger not in WorkflowTrigger.values:
        add("trigger", _("Choose when the workflow runs."))
    field = (workflow.condition_field or "").strip()
    if (
        field
        and workflow.trigger in WorkflowTrigger.values
        and field not in condition_fields(workflow.trigger)
    ):
        add(
            "condition_field",
            _("Compare one of these fields: %(f)s.") % {"f": ", ".join(condition_fields(workflow.trigger))},
        )
    if not field and (workflow.condition_value or "").strip():
        add("condition_field", _("Name the field the value is compared with."))
    action = workflow.action
    if action == WorkflowAction.NOTIFY_TEAM:
        if workflow.team_id is None:
            add("team", _("Choose the staff team to e-mail."))
    elif action in (WorkflowAction.ASSIGN_JOURNEY, WorkflowAction.CREATE_WORK_ITEM):
        template: WorkTemplate | None = workflow.template if workflow.template_id else None
        wanted = TemplateKind.JOURNEY if action == WorkflowAction.ASSIGN_JOURNEY else TemplateKind.WORK_ITEM
        if template is None:
            add("template", _("Choose the template."))
        elif template.kind != wanted:
            add(
                "template",
                _("Choose a template of kind “%(k)s”.") % {"k": TemplateKind(wanted).label},
            )
    elif action == WorkflowAction.SET_FIELD:
        try:
            set_field_value(workflow.field_name, workflow.field_value)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                for message in messages:
                    add(key, message)
    else:
        add("action", _("Choose what the workflow does."))
    if errors:
        raise ValidationError(errors)


# --- running -----------------------------------------------------------------------------------------


def workflows_run(
    *,
    trigger: str,
    partner: Partner,
    membership: PartnerMembership | None = None,
    by: User | None = None,
    fields: Sequence[str] = (),
) -> list[Workflow]:
    """Run the active workflows of ``trigger`` whose condition holds, in order; returns those that
    succeeded. Never raises because of a workflow: a failure is logged and that workflow skipped."""
    running = _running.get()
    if len(running) >= MAX_DEPTH:
        log.warning("workflows nested %s deep on partner %s: not running more", len(running), partner.pk)
        return []
    done = []
    workflows = (
        Workflow.objects.filter(trigger=trigger, active=True)
        .select_related("team__lead", "template")
        .order_by("position", "pk")
    )
    for workflow in workflows:
        if workflow.pk in running:
            continue  # its own change: never re-trigger the same workflow
        token = _running.set((*running, workflow.pk))
        try:
            if not workflow_matches(workflow, partner=partner, membership=membership):
                continue
            with transaction.atomic():
                _perform(
                    workflow, trigger=trigger, partner=partner, membership=membership, by=by, fields=fields
                )
            done.append(workflow)
        except Exception as exc:
            log.warning(
                "workflow %s (%r) failed on %s of partner %s and was skipped: %s",
                workflow.pk,
                workflow.name,
                trigger,
                partner.pk,
                exc,
                exc_info=not isinstance(exc, (ValidationError, NotAllowed)),
            )
        finally:
            _running.reset(token)
    return done


def _perform(
    workflow: Workflow,
    *,
    trigger: str,
    partner: Partner,
    membership: PartnerMembership | None,
    by: User | None,
    fields: Sequence[str],
) -> None:
    staff_by = by if by is not None and by.is_staff else None
    person = membership.user if membership is not None else None
    action = workflow.action
    if action == WorkflowAction.NOTIFY_TEAM:
        _notify_team(workflow, trigger=trigger, partner=partner, membership=membership, by=by, fields=fields)
    elif action == WorkflowAction.ASSIGN_JOURNEY:
        from .services.templates import journey_assign

        template = _template(workflow, TemplateKind.JOURNEY)
        if _open_item_exists(template=template, partner=partner, subject=person):
            return
        journey_assign(template=template, partner=partner, user=person, by=staff_by)
    elif action == WorkflowAction.CREATE_WORK_ITEM:
        from .services.templates import work_item_from_template

        template = _template(workflow, TemplateKind.WORK_ITEM)
        if _open_item_exists(template=template, partner=partner, subject=partner):
            return
        work_item_from_template(
            template=template,
            by=staff_by,
            partner=partner,
            subject=partner,
            context={"person": person, "workflow": workflow},
        )
    elif action == WorkflowAction.SET_FIELD:
        from channelops.partners.services import partner_fields_set

        value = set_field_value(workflow.field_name, workflow.field_value)
        partner_fields_set(
            partner=partner,
            by=None,
            data={workflow.field_name: value},
            reason=f"Workflow: {workflow.name}",
        )
    else:
        raise ValidationError(_("Unknown workflow action %(a)s.") % {"a": action})


def _template(workflow: Workflow, kind: str) -> WorkTemplate:
    template = workflow.template
    if template is None or not template.active or template.kind != kind:
        raise ValidationError(_("The workflow's template is missing, inactive or of the wrong kind."))
    return template


def _open_item_exists(*, template: WorkTemplate, partner: Partner, subject: Any) -> bool:
    """A workflow does not open a second item from the same template about the same record."""
    qs = WorkItem.objects.filter(template=template, partner=partner).exclude(status__in=CLOSED_STATUSES)
    if subject is None:
        qs = qs.filter(subject_id__isnull=True)
    else:
        qs = qs.filter(subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk)
    return qs.exists()


def _event_id(trigger: str, partner: Partner, membership: PartnerMembership | None) -> str:
    """Identifies the event in idempotency keys: creation, or the change's history rows."""
    if trigger in (WorkflowTrigger.PARTNER_CREATED, WorkflowTrigger.USER_CREATED):
        return "created"
    if membership is None:
        hid = partner.history.order_by("-history_id").values_list("history_id", flat=True).first()
        return f"changed-p{hid}"
    uid = membership.user.history.order_by("-history_id").values_list("history_id", flat=True).first()
    mid = membership.history.order_by("-history_id").values_list("history_id", flat=True).first()
    return f"changed-u{uid}-m{mid}"


def _notify_team(
    workflow: Workflow,
    *,
    trigger: str,
    partner: Partner,
    membership: PartnerMembership | None,
    by: User | None,
    fields: Sequence[str],
) -> None:
    team = workflow.team
    if team is None:
        raise ValidationError(_("The workflow has no team to e-mail."))
    people: list[User] = ([team.lead] if team.lead is not None else []) + list(
        team.members.filter(is_active=True).order_by("pk")
    )
    recipients = {p.pk: p for p in people if p.is_active and p.email}
    if not recipients:
        log.info("workflow %s: team %s has no lead or members to e-mail", workflow.pk, team)
        return
    obj = f"person-{membership.pk}" if membership is not None else f"partner-{partner.pk}"
    event = _event_id(trigger, partner, membership)
    context = {
        "workflow": workflow,
        "team": team,
        "headline": HEADLINES.get(trigger, str(trigger)),
        "partner": partner,
        "membership": membership,
        "person": membership.user if membership is not None else None,
        "fields": list(fields),
        "by": by,
        "link": absolute_url("console:partner_detail", partner.pk),
    }
    for recipient in recipients.values():
        email_enqueue(
            to=recipient.email,
            template="work/email/workflow_notify",
            context={**context, "recipient": recipient},
            key=f"workflow:{workflow.pk}:{trigger}:{obj}:{event}:{recipient.pk}",
            topic=f"partner:{partner.pk}",
        )
