"""Reads for partners. Every portal page and API endpoint starts from ``visible_to(user)``."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q


def _partner_scope(user: Any) -> tuple[str, int | None]:
    """('none'|'all'|'partner', partner_id) for a user."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return "none", None
    if user.is_staff:
        return "all", None
    pid = user.partner_id
    if pid is None:
        return "none", None
    return "partner", pid


class PartnerScopedQuerySet(models.QuerySet):
    """Rows that belong to one partner: staff see all, a partner person only their partner's."""

    partner_field = "partner_id"

    def visible_to(self, user: Any) -> Any:
        scope, pid = _partner_scope(user)
        if scope == "all":
            return self
        if scope == "partner":
            return self.filter(**{self.partner_field: pid})
        return self.none()

    def for_partner(self, partner: Any) -> Any:
        """The rows of one partner (a ``Partner`` or its id); chain after ``visible_to(user)``."""
        return self.filter(**{self.partner_field: getattr(partner, "pk", partner)})


class PartnerQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> PartnerQuerySet:
        """Staff see every partner; a partner person sees only their own partner."""
        scope, pid = _partner_scope(user)
        if scope == "all":
            return self
        if scope == "partner":
            return self.filter(pk=pid)
        return self.none()

    def for_directory(self) -> PartnerQuerySet:
        return self.select_related("region", "tier", "cam")

    def search(self, q: str) -> PartnerQuerySet:
        q = (q or "").strip()
        if not q:
            return self
        return self.filter(
            Q(legal_name__icontains=q) | Q(website__icontains=q) | Q(crm_account_id=q) | Q(country__iexact=q)
        )

    def filter_directory(
        self,
        *,
        q: str = "",
        region: str = "",
        tier: str = "",
        status: str = "",
        cam: int | None = None,
        program: str = "",
    ) -> PartnerQuerySet:
        qs = self.search(q)
        if region:
            qs = qs.filter(region__code=region)
        if tier:
            qs = qs.filter(tier__slug=tier)
        if status:
            qs = qs.filter(status=status)
        if cam:
            qs = qs.filter(cam_id=cam)
        if program:
            qs = qs.filter(programs__slug=program)
        return qs


class ContactQuerySet(PartnerScopedQuerySet):
    pass


class MembershipQuerySet(PartnerScopedQuerySet):
    def admin_emails(self, partner: Any) -> list[str]:
        """The e-mail addresses of a partner's active partner admins (a ``Partner`` or its id),
        sorted: whom partner-facing e-mails go to. The one home of this rule."""
        partner_id = partner if isinstance(partner, int) else partner.pk
        return list(
            self.filter(partner_id=partner_id, role="admin", user__is_active=True)
            .order_by("user__email")
            .values_list("user__email", flat=True)
        )


class EngagementQuerySet(PartnerScopedQuerySet):
    pass


class ApplicationQuerySet(PartnerScopedQuerySet):
    """Staff see every application; a partner person sees their own partner's approved application."""

    def open(self) -> ApplicationQuerySet:
        return self.filter(status__in=("unverified", "submitted"))
