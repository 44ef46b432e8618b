"""Certified Training Partners (S6): invitation (invite-only until a date), acceptance or application,
the onboarding work item with its deadline, trainer candidates, reminders and lapse.

* :func:`ctp_invite` — staff invite a partner (its admins are e-mailed);
* :func:`ctp_join` — a partner admin accepts the invitation, or applies once applications are open;
* :func:`trainer_candidate_add` / :func:`trainer_candidates` — candidates enrol through their own items;
* :func:`onboarding_deadlines_run` — daily: reminders before the deadline (each once), lapse after it.

Closing the onboarding item with every task done awards the certification through
:func:`channelops.enablement.services.awards.partner_certification_award`.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channelops.core.exceptions import NotAllowed
from channelops.core.outbox import email_enqueue
from channelops.partners.models import Partner

from ..models import Admission, CertState, PartnerCertification, PartnerCertificationStatus
from .awards import applications_open, invite_only_until, reminder_days
from .awards._common import (
    CHUNK,
    JOINABLE_STATES,
    _admin_emails,
    _fallback_dri,
    _portal_link,
    _save,
    _status_for,
    _work_template,
)

log = logging.getLogger(__name__)


def _onboarding_certification(pc: PartnerCertification) -> None:
    if pc.admission != Admission.ONBOARDING:
        raise ValidationError(_("%(name)s is not joined by invitation or application.") % {"name": pc.name})


@transaction.atomic
def ctp_invite(
    *, partner: Partner, certification: PartnerCertification, by: Any
) -> PartnerCertificationStatus:
    """A CAM (or other staff) invites the partner; its admins are e-mailed a link to accept."""
    if by is None or not by.is_staff:
        raise NotAllowed(_("Only staff may invite a partner."))
    _onboarding_certification(certification)
    partner = Partner.objects.select_for_update(of=("self",)).get(pk=partner.pk)
    status = _status_for(partner, certification)
    if status.state not in JOINABLE_STATES:
        raise ValidationError(
            _("%(partner)s cannot be invited: %(state)s.")
            % {"partner": partner.legal_name, "state": status.get_state_display().lower()}
        )
    status.state, status.invited_at, status.invited_by = CertState.INVITED, timezone.now(), by
    _save(status, by)
    admins = _admin_emails(partner.pk)
    if admins:
        email_enqueue(
            to=admins,
            template="enablement/email/ctp_invited",
            context={"partner": partner, "certification": certification, "link": _portal_link(), "by": by},
            key=f"ctp-invited:{status.pk}:{status.invited_at.isoformat()}",
            topic=f"partner:{partner.pk}",
        )
    return status


@transaction.atomic
def ctp_join(
    *, partner: Partner, certification: PartnerCertification, by: Any, today: date | None = None
) -> PartnerCertificationStatus:
    """The partner admin accepts the invitation, or — once applications are open — applies. Opens the
    requirements-tracking work item (deadline: ``lapse_months`` from today)."""
    from channelops.work.models import TaskRole, WorkItem
    from channelops.work.services.templates import work_item_from_template

    today = today or timezone.localdate()
    _onboarding_certification(certification)
    if by is None or (
        not by.is_staff and (by.partner_id != partner.pk or not by.partner_membership.is_admin)
    ):
        raise NotAllowed(_("Only the partner's admins may accept or apply."))
    partner = Partner.objects.select_for_update(of=("self",)).select_related("cam").get(pk=partner.pk)
    status = _status_for(partner, certification)
    if status.state == CertState.INVITED:
        pass
    elif status.state in JOINABLE_STATES:
        if not applications_open(certification, today):
            raise ValidationError(
                _("%(name)s is by invitation only until %(date)s: ask your channel account manager.")
                % {"name": certification.name, "date": invite_only_until(certification)}
            )
    else:
        raise ValidationError(
            _("You cannot join %(name)s now: %(state)s.")
            % {"name": certification.name, "state": status.get_state_display().lower()}
        )
    template = _work_template(certification.onboarding_template_slug)
    if template is None:
        raise ValidationError(_("The onboarding work template is missing; ask the channel team."))
    dri = partner.cam if partner.cam is not None and partner.cam.is_active else _fallback_dri()
    admin = by if not by.is_staff else None
    item = work_item_from_template(
        template=template,
        by=None,
        dri=dri,
        partner=partner,
        subject=status,
        context={"certification": certification.name},
        roles={TaskRole.PARTNER_ADMIN: admin, TaskRole.PARTNER_USER: admin},
        assigned_on=today,
    )
    deadline = today + relativedelta(months=certification.lapse_months or 6)
    WorkItem.objects.filter(pk=item.pk).update(due_date=deadline)
    status.state, status.onboarding_item = CertState.ONBOARDING, item
    status.joined_at, status.joined_by = timezone.now(), by
    status.deadline, status.reminded_days, status.lapsed_at = deadline, [], None
    _save(status, by)
    return status


CANDIDATE_TASKS = [
    ("partner_user", "Complete the Certified Trainer course", 60),
    ("partner_user", "Pass the trainer exam and the supervised teach-back", 120),
    ("education_services", "Confirm the candidate's trainer certification", 150),
]


@transaction.atomic
def trainer_candidate_add(*, status: PartnerCertificationStatus, full_name: str, email: str, by: Any) -> Any:
    """A trainer candidate enrols through their own work item, linked to the onboarding item."""
    from django.core.validators import validate_email

    from channelops.work.services.items import work_item_create
    from channelops.work.services.templates import _role_people

    if by is None or (not by.is_staff and by.partner_id != status.partner_id):
        raise NotAllowed(_("You may not add candidates for this partner."))
    status = PartnerCertificationStatus.objects.select_related(
        "partner__cam", "onboarding_item", "certification"
    ).get(pk=status.pk)
    if status.state != CertState.ONBOARDING or status.onboarding_item is None:
        raise ValidationError(_("Trainer candidates are added while the onboarding is open."))
    full_name = (full_name or "").strip()
    email = (email or "").strip()
    if not full_name:
        raise ValidationError({"full_name": _("Give the candidate's name.")})
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": _("Give the candidate's e-mail address.")}) from exc
    onboarding = status.onboarding_item
    partner = status.partner
    people = _role_people(partner, None)
    today = timezone.localdate()
    deadline = status.deadline or today + timedelta(days=180)
    tasks = [
        {
            "section": _("Certified-trainer candidate"),
            "role": role,
            "title": title,
            "assignee": people.get(role) if role != "partner_user" else None,
            "due_on": min(today + timedelta(days=days), deadline),
        }
        for role, title, days in CANDIDATE_TASKS
    ]
    return work_item_create(
        project=onboarding.project,
        title=_("Trainer candidate: %(name)s (%(partner)s)")
        % {"name": full_name, "partner": partner.legal_name},
        description=_(
            "%(name)s <%(email)s> enrols as a certified-trainer candidate for %(cert)s (onboarding item #%(item)s)."
        )
        % {"name": full_name, "email": email, "cert": status.certification.name, "item": onboarding.pk},
        dri=onboarding.dri,
        by=None,
        due_date=deadline,
        partner=partner,
        shared_with_partner=True,
        subject=onboarding,
        epic=onboarding.epic,
        tasks=tasks,
    )


def trainer_candidates(status: PartnerCertificationStatus) -> Any:
    """The candidate items linked to the status's onboarding item."""
    from django.contrib.contenttypes.models import ContentType

    from channelops.work.models import WorkItem

    if status.onboarding_item_id is None:
        return WorkItem.objects.none()
    return WorkItem.objects.filter(
        subject_type=ContentType.objects.get_for_model(WorkItem), subject_id=status.onboarding_item_id
    ).order_by("pk")


def onboarding_deadlines_run(*, today: date | None = None) -> dict[str, int]:
    """Daily: remind partners before their onboarding deadline (each reminder once), and lapse the
    attempts past it (e-mailed; the onboarding item is cancelled)."""
    from channelops.work.models import CLOSED_STATUSES, WorkStatus
    from channelops.work.services.items import work_item_update

    today = today or timezone.localdate()
    days = reminder_days()
    counts = {"reminded": 0, "lapsed": 0}
    rows = PartnerCertificationStatus.objects.filter(
        state=CertState.ONBOARDING, deadline__isnull=False
    ).select_related("partner__cam", "certification", "onboarding_item")
    for status in rows.iterator(chunk_size=CHUNK):
        partner = status.partner
        to = _admin_emails(partner.pk)
        if partner.cam is not None and partner.cam.is_active:
            to.append(partner.cam.email)
        assert status.deadline is not None  # (filtered above)
        left = (status.deadline - today).days
        with transaction.atomic():
            if left < 0:
                status.state, status.lapsed_at = CertState.LAPSED, timezone.now()
                _save(status, None)
                if to:
                    email_enqueue(
                        to=to,
                        template="enablement/email/ctp_lapsed",
                        context={
                            "partner": partner,
                            "certification": status.certification,
                            "status": status,
                            "link": _portal_link(),
                        },
                        key=f"ctp-lapsed:{status.pk}:{status.deadline}",
                        topic=f"partner:{partner.pk}",
                    )
                item = status.onboarding_item
                if item is not None and item.status not in CLOSED_STATUSES:
                    try:
                        work_item_update(item=item, by=None, data={"status": WorkStatus.CANCELLED})  # type: ignore[arg-type]
                    except ValidationError as exc:
                        log.warning("onboarding item %s not cancelled: %s", item.pk, exc)
                counts["lapsed"] += 1
                continue
            due = [d for d in days if left <= d and d not in status.reminded_days]
            if not due:
                continue
            d = min(due)
            status.reminded_days = sorted({*status.reminded_days, *due}, reverse=True)
            _save(status, None)
            if to:
                email_enqueue(
                    to=to,
                    template="enablement/email/ctp_reminder",
                    context={
                        "partner": partner,
                        "certification": status.certification,
                        "status": status,
                        "days_left": left,
                        "link": _portal_link(),
                    },
                    key=f"ctp-reminder:{status.pk}:{status.deadline}:{d}",
                    topic=f"partner:{partner.pk}",
                )
            counts["reminded"] += 1
    return counts
