"""Shared by the agreement services: permissions, settings, e-mail and event helpers, who may act."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from channelops.accounts.models import User
from channelops.core.exceptions import NotAllowed
from channelops.core.links import absolute_url
from channelops.core.outbox import email_enqueue
from channelops.partners.models import Partner, PartnerMembership

from ..models import AgreementEvent

MANAGE_PERM = "agreements.add_agreementversion"
LEGAL_PERM = "agreements.change_legalrequest"
DECIDE_REGION_PERM = "agreements.decide_regionexception"


def reaccept_days() -> int:
    return int(getattr(settings, "AGREEMENT_REACCEPT_DAYS", 30))


def reminder_days() -> int:
    return int(getattr(settings, "AGREEMENT_REMINDER_DAYS", 7))


_link = absolute_url


_admin_emails = PartnerMembership.objects.admin_emails


def _staff_emails(role: str) -> list[str]:
    return list(
        User.objects.filter(is_active=True, is_staff=True, groups__name=role)
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )


def _notify(to: list[str], template: str, context: dict[str, Any], *, key: str, partner_id: int) -> None:
    """Queue one e-mail about a partner to ``to`` (nothing when nobody is to be told)."""
    if to:
        email_enqueue(to=to, template=template, context=context, key=key, topic=f"partner:{partner_id}")


def _event(
    partner: Partner | None, kind: str, by: User | None, version: Any = None, detail: str = ""
) -> None:
    AgreementEvent.objects.create(partner=partner, kind=kind, by=by, version=version, detail=detail[:500])


def _require_staff_perm(by: User, perm: str) -> None:
    if not by.is_staff or not by.has_perm(perm):
        raise NotAllowed(_("Your role does not allow this."))


def _require_partner_admin(partner: Partner, by: User) -> None:
    m = by.partner_membership
    if by.is_staff or m is None or m.partner_id != partner.pk or not m.is_admin:
        raise NotAllowed(_("Only this partner's admins may do this."))
