"""Who may do what with the plans, and whether a partner's business plan is on file or required."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldError
from django.utils.translation import gettext as _

from channelops.core.exceptions import NotAllowed
from channelops.core.memo import memo_active, memoized
from channelops.partners.models import MembershipRole, Partner

from ...models import (
    BusinessPlan,
    BusinessPlanState,
)

VIEW_PERM = "enablement.view_businessplan"
VIEW_ENTRIES_PERM = "enablement.view_enablementplanentry"
REVIEW_PERM = "enablement.change_businessplan"


# === who may do what ==============================================================================


def may_edit_plans(user: Any, partner: Partner) -> bool:
    """Partner admins of the partner edit its enablement plan and business plan."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or user.is_staff:
        return False
    m = user.partner_membership
    return m is not None and m.partner_id == partner.pk and m.role == MembershipRole.ADMIN


def may_view_plans(user: Any) -> bool:
    """Staff with the view permission (partner people see their own partner's plans in the portal)."""
    return bool(user.is_staff and (user.has_perm(VIEW_PERM) or user.has_perm(VIEW_ENTRIES_PERM)))


def may_review(user: Any) -> bool:
    return bool(getattr(user, "is_staff", False) and user.has_perm(REVIEW_PERM))


# === business plan: on file / required ============================================================


def business_plan_on_file(partner: Partner | int) -> bool:
    """True when the partner has a submitted or accepted business plan that no newer version superseded."""
    pid = partner if isinstance(partner, int) else partner.pk
    if memo_active():  # a page that also reads the current plans (the portal home): one query for both
        on_file = (BusinessPlanState.SUBMITTED, BusinessPlanState.ACCEPTED)
        return any(p.state in on_file for p in current_business_plans(pid))
    return BusinessPlan.objects.filter(partner_id=pid).on_file().exists()


def current_business_plans(partner_id: int) -> list[BusinessPlan]:
    """The partner's plan versions no newer submission superseded (a draft and the latest submitted one,
    at most a few), newest first (1 query; once per page inside ``core.memo.read_memo``)."""
    return memoized(
        ("current_business_plans", partner_id),
        lambda: list(
            BusinessPlan.objects.filter(partner_id=partner_id, superseded_at__isnull=True).order_by(
                "-version"
            )
        ),
    )


_REQUIREMENT_CHECKS: list[Callable[[Partner], bool]] = []


def register_business_plan_requirement(check: Callable[[Partner], bool]) -> None:
    """Add a predicate ``check(partner) -> bool``: when one returns True, the business plan is required."""
    if check not in _REQUIREMENT_CHECKS:
        _REQUIREMENT_CHECKS.append(check)


def business_plan_required(partner: Partner) -> bool:
    """True when the business plan (slide 19) is required for this partner — a Certified Training Partner
    invitee — rather than suggested.

    Registered checks (``register_business_plan_requirement``) decide first. Then the partner-certification
    models of ``channelops/enablement/models/awards.py`` (another feature) are looked up lazily: the partner
    has a status row, for a certification admitted by invitation/onboarding (the Certified Training
    Partner), that was invited or joined (any state but "not certified"/"lapsed"). If those models do not
    exist (ImportError/LookupError) nothing is required. One query.
    """
    if any(check(partner) for check in _REQUIREMENT_CHECKS):
        return True
    return _training_partner_attempt_exists(partner)


def _training_partner_attempt_exists(partner: Partner) -> bool:
    try:
        from ...models import awards  # noqa: F401  (the module may not exist in every version)

        status = apps.get_model("enablement", "PartnerCertificationStatus")
    except (ImportError, LookupError):
        return False
    try:
        return bool(
            status._default_manager.filter(partner=partner, certification__admission="onboarding")
            .exclude(state__in=["none", "lapsed"])
            .exists()
        )
    except FieldError:  # the models changed shape: fail safe (suggested, not required)
        return False


def _require_editor(by: Any, partner: Partner) -> None:
    if not may_edit_plans(by, partner):
        raise NotAllowed(_("Only the partner's admins can change its plans."))
