"""The award workflow: :func:`partner_certification_award` (closing the award or onboarding work item
with every task done calls it), :func:`partner_certification_review_resolve` (staff keep or withdraw
a certification under review), who may award an onboarding, and :func:`connect` (hooks, queue, daily
job).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channelops.core.exceptions import NotAllowed
from channelops.core.outbox import email_enqueue, outbox_enqueue
from channelops.partners.models import Partner

from ...models import (
    CertState,
    PartnerCertificationStatus,
)
from ...models.awards import HELD_STATES
from ._common import (
    CRM_KIND,
    _admin_emails,
    _portal_link,
    _save,
)
from .evaluation import _on_records_changed

# --- writes: award ------------------------------------------------------------------------------------


def _crm_payload(partner: Partner, status: PartnerCertificationStatus) -> dict[str, Any]:
    held = list(
        PartnerCertificationStatus.objects.filter(partner_id=partner.pk, state__in=HELD_STATES)
        .select_related("certification")
        .order_by("certification__position", "certification__name")
    )
    return {
        "partner_id": partner.pk,
        "crm_account_id": partner.crm_account_id,
        "fields": {
            "partner_certifications": [
                {
                    "slug": s.certification.slug,
                    "name": s.certification.name,
                    "state": s.state,
                    "awarded_on": s.awarded_at.date().isoformat() if s.awarded_at else None,
                }
                for s in held
            ]
        },
        "source": {"partner_certification": status.certification.slug, "status": status.pk},
    }


@transaction.atomic
def partner_certification_award(
    *, status: PartnerCertificationStatus, by: Any, item: Any = None
) -> PartnerCertificationStatus:
    """Award the certification: recorded on the status row, e-mailed to the partner admins, and an
    outbox message ``crm.partner_update`` with the partner's certifications."""
    if by is not None and not by.is_staff:
        raise NotAllowed(_("Only staff may award a partner certification."))
    partner = Partner.objects.select_for_update(of=("self",)).get(pk=status.partner_id)
    status = PartnerCertificationStatus.objects.select_related("certification").get(pk=status.pk)
    if status.state in HELD_STATES:
        return status
    status.state = CertState.AWARDED
    status.awarded_at, status.awarded_by = timezone.now(), by
    status.flagged_at, status.flag_reason = None, ""
    _save(status, by)
    key = f"{status.pk}:{item.pk if item is not None else status.awarded_at.isoformat()}"
    admins = _admin_emails(partner.pk)
    if admins:
        email_enqueue(
            to=admins,
            template="enablement/email/partner_cert_awarded",
            context={"partner": partner, "certification": status.certification, "link": _portal_link()},
            key=f"partner-cert-awarded:{key}",
            topic=f"partner:{partner.pk}",
        )
    outbox_enqueue(
        kind=CRM_KIND,
        key=f"{CRM_KIND}:partner-cert:{key}",
        topic=f"partner:{partner.pk}",
        payload=_crm_payload(partner, status),
    )
    return status


@transaction.atomic
def partner_certification_review_resolve(
    *, status: PartnerCertificationStatus, keep: bool, by: Any, note: str = ""
) -> PartnerCertificationStatus:
    """Staff decide on a certification under review: keep it (awarded) or withdraw it (not certified)."""
    if by is None or not by.is_staff:
        raise NotAllowed(_("Only staff may resolve a review."))
    Partner.objects.select_for_update(of=("self",)).get(pk=status.partner_id)
    status = PartnerCertificationStatus.objects.select_related("certification", "partner").get(pk=status.pk)
    if status.state != CertState.UNDER_REVIEW:
        raise ValidationError(_("This certification is not under review."))
    if keep:
        status.state = CertState.AWARDED
    else:
        status.state, status.awarded_at, status.awarded_by = CertState.NONE, None, None
        status.award_item = None
    status.flagged_at = None
    status.flag_reason = note.strip()[:2000]
    _save(status, by)
    outbox_enqueue(
        kind=CRM_KIND,
        key=f"{CRM_KIND}:partner-cert-review:{status.pk}:{timezone.now().isoformat()}",
        topic=f"partner:{status.partner_id}",
        payload=_crm_payload(status.partner, status),
    )
    return status


def may_award_onboarding(user: Any) -> bool:
    """Who closes an onboarding (Certified Training Partner) item and so awards it: Education Services
    (the role, or a member of the Education Services staff team), channel leadership, a superuser.
    The system (``user`` None, e.g. a job) may too."""
    if user is None:
        return True
    if not getattr(user, "is_staff", False) or not user.is_active:
        return False
    if user.is_superuser or user.has_role("education_services", "channel_leadership"):
        return True
    from channelops.accounts.models import StaffTeam, TeamKind

    return (
        StaffTeam.objects.filter(kind=TeamKind.EDUCATION_SERVICES)
        .filter(Q(members=user) | Q(lead=user))
        .exists()
    )


def _on_work_item_changed(*, item: Any, by: Any = None, new: bool = False, **kwargs: Any) -> None:
    """Closing an award or onboarding item: done with every task done → award; done with open tasks →
    refused (ValidationError, the close is rolled back); cancelled → back to "not certified"."""
    from channelops.work.models import CLOSED_STATUSES, WorkStatus

    if new or item.template_id is None or item.status not in CLOSED_STATUSES:
        return
    status = (
        PartnerCertificationStatus.objects.filter(
            Q(award_item_id=item.pk, state=CertState.IN_AWARD)
            | Q(onboarding_item_id=item.pk, state=CertState.ONBOARDING)
        )
        .select_related("certification")
        .first()
    )
    if status is None:
        return
    if item.status == WorkStatus.DONE:
        if status.onboarding_item_id == item.pk and not may_award_onboarding(by):
            raise ValidationError(
                {
                    "status": _(
                        "Education Services close this item and award %(cert)s (or channel leadership)."
                    )
                    % {"cert": status.certification.name}
                }
            )
        open_tasks = list(item.tasks.filter(done_at__isnull=True).values_list("title", flat=True))
        if open_tasks:
            raise ValidationError(
                {
                    "status": _(
                        "Closing this item awards %(cert)s: tick every task first. Still open: %(tasks)s."
                    )
                    % {"cert": status.certification.name, "tasks": "; ".join(open_tasks)}
                }
            )
        partner_certification_award(status=status, by=by, item=item)
        return
    status.state = CertState.NONE
    status.award_item = None if status.award_item_id == item.pk else status.award_item
    _save(status, by)


# --- hooks ----------------------------------------------------------------------------------------------


def connect() -> None:
    """Register on the hooks, and register the queue and the daily job (``EnablementConfig.ready``)."""
    from channelops.core.queues import WorkQueue, register_queue
    from channelops.core.schedules import register_schedule
    from channelops.work.hooks import work_item_changed

    from ...hooks import practitioner_records_changed

    practitioner_records_changed.register(_on_records_changed)
    work_item_changed.register(_on_work_item_changed)
    register_queue(
        WorkQueue(
            key="partner_certs_review",
            title=gettext_lazy("Partner certifications under review"),
            description=gettext_lazy(
                "Certified partners that fell below their certification's requirements."
            ),
            items=lambda user: PartnerCertificationStatus.objects.visible_to(user).filter(
                state=CertState.UNDER_REVIEW
            ),
            url=lambda: reverse("console:partner_certifications") + "?state=under_review",
        )
    )
    register_schedule(
        name="partner_certifications_daily",
        rule="FREQ=DAILY;BYHOUR=5;BYMINUTE=45",
        task="channelops.enablement.tasks.partner_certifications_daily_task",
        description="Re-evaluate partner certifications (expiries flag them for review); remind and lapse "
        "Certified Training Partner onboarding attempts.",
    )
