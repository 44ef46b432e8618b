"""Reads of MDF budgets and results (docs/mdf.md, "Budgets and allocations", "Results and ROI").

- :func:`budget_report`: the budgets of a fiscal year/quarter/region with their balances and one
  line per partner (allocation, committed, claimed, paid). A constant number of queries, however
  many proposals and claims there are (the balances are subquery annotations; the partner lines
  two grouped aggregates).
- :func:`roi`: spend, leads and pipeline of the approved and closed proposals, grouped by activity
  type, region, partner or fiscal quarter. The CRM's figures are used when the CRM has them for a
  proposal, else the partner's reported ones; each group says which.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import F, Q, Sum
from django.utils.translation import gettext_lazy as _

from .models import COMMITTED_STATUSES, ActivityType, Allocation, Budget, Claim, ClaimStatus, Proposal

ZERO = Decimal("0")


@dataclass(frozen=True)
class ReportFilters:
    fiscal_year: int | None = None
    quarter: int | None = None
    region_id: int | None = None
    activity_type: str = ""

    def budget_q(self, prefix: str = "") -> Q:
        q = Q()
        if self.fiscal_year:
            q &= Q(**{f"{prefix}fiscal_year": self.fiscal_year})
        if self.quarter:
            q &= Q(**{f"{prefix}quarter": self.quarter})
        if self.region_id:
            q &= Q(**{f"{prefix}region_id": self.region_id})
        return q


@dataclass
class PartnerLine:
    partner_id: int
    name: str
    allocation: Decimal | None = None
    committed: Decimal = ZERO
    claimed: Decimal = ZERO
    paid: Decimal = ZERO

    @property
    def allocation_left(self) -> Decimal | None:
        return None if self.allocation is None else self.allocation - self.committed


@dataclass
class BudgetLine:
    budget: Budget
    partners: list[PartnerLine] = field(default_factory=list)


def budget_report(filters: ReportFilters) -> list[BudgetLine]:
    """Budgets with balances and per-partner lines.

    Queries (4, whatever the data): the budgets; the allocations; the commitments per budget and
    partner; the approved and paid claims per budget and partner. The budgets' balances are the sums
    of their partner lines (the same figures as ``Budget.objects.with_balances()``)."""
    budgets = list(
        Budget.objects.filter(filters.budget_q())
        .select_related("region")
        .order_by("-fiscal_year", "-quarter", "region__code")
    )
    if not budgets:
        return []
    ids = [b.pk for b in budgets]
    lines: dict[int, dict[int, PartnerLine]] = {b.pk: {} for b in budgets}

    def line(budget_id: int, partner_id: int, name: str) -> PartnerLine:
        per = lines[budget_id]
        if partner_id not in per:
            per[partner_id] = PartnerLine(partner_id=partner_id, name=name)
        return per[partner_id]

    for a in Allocation.objects.filter(budget_id__in=ids).values(
        "budget_id", "partner_id", "partner__legal_name", "amount"
    ):
        line(a["budget_id"], a["partner_id"], a["partner__legal_name"]).allocation = a["amount"]
    for p in (
        Proposal.objects.filter(budget_id__in=ids, status__in=COMMITTED_STATUSES)
        .values("budget_id", "partner_id", "partner__legal_name")
        .annotate(c=Sum(F("approved_amount") - F("released_amount")))
        .order_by()
    ):
        line(p["budget_id"], p["partner_id"], p["partner__legal_name"]).committed = p["c"] or ZERO
    for c in (
        Claim.objects.filter(proposal__budget_id__in=ids, status__in=(ClaimStatus.APPROVED, ClaimStatus.PAID))
        .values("proposal__budget_id", "proposal__partner_id", "proposal__partner__legal_name", "status")
        .annotate(s=Sum("amount"))
        .order_by()
    ):
        pl = line(c["proposal__budget_id"], c["proposal__partner_id"], c["proposal__partner__legal_name"])
        if c["status"] == ClaimStatus.PAID:
            pl.paid = c["s"] or ZERO
        else:
            pl.claimed = c["s"] or ZERO
    for b in budgets:
        # The balances of ``Budget.objects.with_balances()``, summed from the partner lines (the
        # same rows and rules; test_mdf_budgets checks they agree) — the correlated subqueries of
        # with_balances() cost far more on SQLite at 10,000 proposals.
        parts = lines[b.pk].values()
        b.committed = sum((pl.committed for pl in parts), ZERO)  # type: ignore[attr-defined]
        b.claimed = sum((pl.claimed for pl in parts), ZERO)  # type: ignore[attr-defined]
        b.paid = sum((pl.paid for pl in parts), ZERO)  # type: ignore[attr-defined]
        b.reserved = b.committed - b.claimed - b.paid  # type: ignore[attr-defined]
        b.remaining = b.amount - b.committed  # type: ignore[attr-defined]
    return [
        BudgetLine(budget=b, partners=sorted(lines[b.pk].values(), key=lambda pl: pl.name.lower()))
        for b in budgets
    ]


# --- Results and ROI -------------------------------------------------------------------------

GROUPS = {
    "activity_type": _("Activity type"),
    "region": _("Region"),
    "partner": _("Partner"),
    "quarter": _("Fiscal quarter"),
}
SOURCE_CRM = "crm"
SOURCE_REPORTED = "reported"
SOURCE_MIXED = "mixed"
SOURCE_NONE = "none"
SOURCE_LABELS = {
    SOURCE_CRM: _("CRM"),
    SOURCE_REPORTED: _("reported by the partner"),
    SOURCE_MIXED: _("CRM and reported"),
    SOURCE_NONE: _("no results yet"),
}


@dataclass
class RoiRow:
    key: str
    label: str
    proposals: int = 0
    approved: Decimal = ZERO
    paid: Decimal = ZERO
    leads: int = 0
    pipeline: Decimal = ZERO
    with_results: int = 0
    sources: set[str] = field(default_factory=set)

    @property
    def cost_per_lead(self) -> Decimal | None:
        if not self.leads:
            return None
        return (self.paid / self.leads).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    @property
    def pipeline_ratio(self) -> Decimal | None:
        """Pipeline ÷ spend (paid)."""
        if not self.paid:
            return None
        return (self.pipeline / self.paid).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    @property
    def source(self) -> str:
        if not self.sources:
            return SOURCE_NONE
        if len(self.sources) > 1:
            return SOURCE_MIXED
        return next(iter(self.sources))

    @property
    def source_label(self) -> str:
        return str(SOURCE_LABELS[self.source])


def proposal_figures(filters: ReportFilters) -> list[dict[str, Any]]:
    """One row per approved or closed proposal matching ``filters``: its spend and results (1 query)."""
    qs = Proposal.objects.filter(status__in=COMMITTED_STATUSES, budget__isnull=False).filter(
        filters.budget_q("budget__")
    )
    if filters.activity_type:
        qs = qs.filter(activity_type=filters.activity_type)
    return list(
        qs.with_claim_totals()
        .order_by()
        .values(
            "number",
            "activity_type",
            "partner_id",
            "partner__legal_name",
            "budget__region_id",
            "budget__region__name",
            "budget__fiscal_year",
            "budget__quarter",
            "approved_amount",
            "released_amount",
            "claims_paid",
            "reported_leads",
            "reported_pipeline",
            "crm_leads",
            "crm_pipeline",
        )
    )


def _key(row: dict[str, Any], by: str) -> tuple[str, str]:
    if by == "activity_type":
        return row["activity_type"], str(ActivityType(row["activity_type"]).label)
    if by == "region":
        return str(row["budget__region_id"]), row["budget__region__name"]
    if by == "partner":
        return str(row["partner_id"]), row["partner__legal_name"]
    fy, q = row["budget__fiscal_year"], row["budget__quarter"]
    return f"{fy}-{q}", f"FY{fy % 100:02d} Q{q}"


def roi(rows: list[dict[str, Any]], by: str) -> tuple[list[RoiRow], RoiRow]:
    """Group :func:`proposal_figures` rows ``by`` one of :data:`GROUPS`; the groups and the total."""
    if by not in GROUPS:
        raise ValueError(by)
    groups: dict[str, RoiRow] = {}
    total = RoiRow(key="", label=str(_("Total")))
    for r in rows:
        key, label = _key(r, by)
        g = groups.setdefault(key, RoiRow(key=key, label=label))
        crm = r["crm_leads"] is not None or r["crm_pipeline"] is not None
        reported = r["reported_leads"] is not None or r["reported_pipeline"] is not None
        leads = (r["crm_leads"] if crm else r["reported_leads"]) or 0
        pipeline = (r["crm_pipeline"] if crm else r["reported_pipeline"]) or ZERO
        for t in (g, total):
            t.proposals += 1
            t.approved += r["approved_amount"] - r["released_amount"]
            t.paid += r["claims_paid"] or ZERO
            t.leads += leads
            t.pipeline += pipeline
            if crm or reported:
                t.with_results += 1
                t.sources.add(SOURCE_CRM if crm else SOURCE_REPORTED)
    ordered = sorted(groups.values(), key=lambda g: (-g.paid, g.label.lower()))
    if by == "quarter":
        ordered = sorted(groups.values(), key=lambda g: g.key)
    return ordered, total


def per_group(filters: ReportFilters) -> dict[str, tuple[list[RoiRow], RoiRow]]:
    rows = proposal_figures(filters)
    return {by: roi(rows, by) for by in GROUPS}
