"""What the partner-certification modules (and ``training_partners``) share: the outbox kind, the
states an award or an onboarding starts from, and small helpers (status row, work template, DRI,
links, saving with the acting person).
"""

from __future__ import annotations

from typing import Any

from channelops.core.links import absolute_url
from channelops.partners.models import Partner, PartnerMembership

from ...models import (
    CertState,
    PartnerCertification,
    PartnerCertificationStatus,
)

CRM_KIND = "crm.partner_update"
CHUNK = 500
OPENABLE_STATES = (CertState.NONE,)  # an automatic certification opens its award from these
JOINABLE_STATES = (CertState.NONE, CertState.LAPSED)  # an onboarding certification may start from these


def _fallback_dri() -> Any:
    from channelops.accounts.models import StaffTeam, TeamKind, User

    team = (
        StaffTeam.objects.filter(kind=TeamKind.CHANNEL, lead__is_active=True).select_related("lead").first()
    )
    if team is not None:
        return team.lead
    return User.objects.filter(is_active=True, is_staff=True, is_superuser=True).order_by("pk").first()


def _work_template(slug: str) -> Any:
    from channelops.work.models import WorkTemplate

    return WorkTemplate.objects.filter(slug=slug, active=True).first()


def _save(status: PartnerCertificationStatus, by: Any) -> None:
    status._history_user = by  # type: ignore[attr-defined]
    status.save()


def _status_for(partner: Partner, pc: PartnerCertification) -> PartnerCertificationStatus:
    status, _created = PartnerCertificationStatus.objects.get_or_create(partner=partner, certification=pc)
    return status


_admin_emails = PartnerMembership.objects.admin_emails


def _portal_link() -> str:
    return absolute_url("portal:partner_certifications")


def _console_link(partner_id: int) -> str:
    return absolute_url("console:partner_certifications_partner", partner_id)
