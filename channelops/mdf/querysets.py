"""Reads of MDF: who sees which proposal and claim, and the budgets' balances.

Visibility (``visible_to(user)``):

- staff with ``mdf.view_proposal`` (CAMs, channel marketing, channel leadership, PHD specialists,
  administrators): every proposal and claim; a CAM's own queue is ``for_cam(user)``;
- a partner person: their own partner's proposals and claims, nothing else;
- anyone else: nothing.

Balances (``BudgetQuerySet.with_balances``) are subquery annotations: one query for any number of
budgets, whatever the number of proposals and claims (the budget report's query count is constant).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Case, DecimalField, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

VIEW_PERM = "mdf.view_proposal"
ZERO = Decimal("0")
_MONEY = DecimalField(max_digits=14, decimal_places=2)


def _active(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def may_view_mdf(user: Any) -> bool:
    """Staff who see the console's MDF pages."""
    return _active(user) and user.is_staff and user.has_perm(VIEW_PERM)


def partner_id_of(user: Any) -> int | None:
    """The partner a partner person belongs to (None for staff and strangers)."""
    if not _active(user) or user.is_staff:
        return None
    return user.partner_id


def _sum(qs: models.QuerySet, field: str) -> Coalesce:
    """``Σ field`` of ``qs`` (already filtered on ``OuterRef``) as a scalar subquery, 0 when empty."""
    agg = qs.order_by().annotate(_g=Value(1)).values("_g").annotate(total=Sum(field)).values("total")
    return Coalesce(Subquery(agg, output_field=_MONEY), Value(ZERO), output_field=_MONEY)


class BudgetQuerySet(models.QuerySet):
    def with_balances(self) -> BudgetQuerySet:
        """Annotate ``committed``, ``claimed``, ``paid``, ``reserved``, ``remaining`` and ``expired``
        (see models.py): ``amount = reserved + claimed + paid + remaining + expired``."""
        from .models import COMMITTED_STATUSES, Claim, ClaimStatus, Proposal

        committed = _sum(
            Proposal.objects.filter(budget=OuterRef("pk"), status__in=COMMITTED_STATUSES).annotate(
                _c=models.F("approved_amount") - models.F("released_amount")
            ),
            "_c",
        )
        claimed = _sum(
            Claim.objects.filter(proposal__budget=OuterRef("pk"), status=ClaimStatus.APPROVED), "amount"
        )
        paid = _sum(Claim.objects.filter(proposal__budget=OuterRef("pk"), status=ClaimStatus.PAID), "amount")
        unreserved = models.F("amount") - models.F("committed")
        if settings.MDF_EXPIRE_UNRESERVED:
            # After the period's last day, what no proposal holds has expired (so has what a
            # proposal releases later): remaining shows 0.
            ended = Q(ends_on__lt=timezone.localdate())
            expired: Any = Case(When(ended, then=unreserved), default=Value(ZERO), output_field=_MONEY)
            remaining: Any = Case(When(ended, then=Value(ZERO)), default=unreserved, output_field=_MONEY)
        else:
            expired, remaining = Value(ZERO, output_field=_MONEY), unreserved
        return self.annotate(committed=committed, claimed=claimed, paid=paid).annotate(
            reserved=models.F("committed") - models.F("claimed") - models.F("paid"),
            remaining=remaining,
            expired=expired,
        )

    def for_region(self, region: Any) -> BudgetQuerySet:
        return self.filter(region=region)

    def covering(self, region: Any, day: Any) -> BudgetQuerySet:
        """The budget of ``region`` whose quarter contains ``day``."""
        return self.filter(region=region, starts_on__lte=day, ends_on__gte=day)


class ProposalQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> ProposalQuerySet:
        if may_view_mdf(user):
            return self
        partner_id = partner_id_of(user)
        if partner_id is None:
            return self.none()
        return self.filter(partner_id=partner_id)

    def for_cam(self, user: Any) -> ProposalQuerySet:
        return self.filter(Q(cam=user) | Q(partner__cam=user))

    def committed(self) -> ProposalQuerySet:
        from .models import COMMITTED_STATUSES

        return self.filter(status__in=COMMITTED_STATUSES)

    def with_claim_totals(self) -> ProposalQuerySet:
        """Annotate ``claims_open`` (submitted + more proof), ``claims_approved``, ``claims_paid``."""
        from .models import Claim, ClaimStatus

        def total(statuses: tuple[str, ...]) -> Coalesce:
            return _sum(Claim.objects.filter(proposal=OuterRef("pk"), status__in=statuses), "amount")

        return self.annotate(
            claims_open=total((ClaimStatus.SUBMITTED, ClaimStatus.MORE_PROOF)),
            claims_approved=total((ClaimStatus.APPROVED,)),
            claims_paid=total((ClaimStatus.PAID,)),
        )


class ClaimQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> ClaimQuerySet:
        if may_view_mdf(user):
            return self
        partner_id = partner_id_of(user)
        if partner_id is None:
            return self.none()
        return self.filter(proposal__partner_id=partner_id)
