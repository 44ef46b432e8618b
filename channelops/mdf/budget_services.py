"""Writes of MDF budgets, allocations, exchange rates and results (docs/mdf.md, "Budgets and allocations").

Every change locks the budget row (``select_for_update(of=("self",))``) and checks the rules inside
that lock, so a concurrent approval (services.py) cannot slip between the check and the write:

- one budget per region and fiscal quarter; its period comes from the fiscal calendar;
- a budget's amount is ≥ 0 and never below what its proposals already committed, nor below the sum
  of its allocations;
- the allocations of a budget never add up to more than the budget;
- a partner's allocation never goes below what that partner already committed in the budget.

simple-history keeps who changed what (``_history_user`` is set here, so the API and the CLI are
recorded the same way as the pages).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from channelops.core.exceptions import NotAllowed
from channelops.work.calendar import fiscal_quarter_bounds

from .models import (
    COMMITTED_STATUSES,
    Allocation,
    Budget,
    Event,
    EventKind,
    ExchangeRate,
    Proposal,
    ProposalStatus,
)

MANAGE_BUDGET_PERM = "mdf.manage_budget"
CHANGE_RATE_PERM = "mdf.change_exchangerate"
VIEW_PERM = "mdf.view_proposal"
ZERO = Decimal("0")
#: Proposals whose results may be reported.
RESULT_STATUSES = (ProposalStatus.APPROVED, ProposalStatus.CLOSED)


def may_manage_budgets(user: Any) -> bool:
    return bool(user.is_active and user.is_staff and user.has_perm(MANAGE_BUDGET_PERM))


def may_change_rates(user: Any) -> bool:
    return bool(user.is_active and user.is_staff and user.has_perm(CHANGE_RATE_PERM))


def _require(user: Any, allowed: bool) -> None:
    if not allowed:
        raise NotAllowed(_("You may not change MDF budgets."))


def _money(value: Any, field: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except ArithmeticError as exc:
        raise ValidationError({field: _("Enter an amount.")}) from exc
    if amount < 0:
        raise ValidationError({field: _("The amount may not be negative.")})
    return amount


def _committed(budget: Budget, partner_id: int | None = None) -> Decimal:
    """What the approved proposals of ``budget`` (of one partner) hold: approved − released."""
    total = ZERO
    qs = Proposal.objects.filter(budget=budget, status__in=COMMITTED_STATUSES)
    if partner_id is not None:
        qs = qs.filter(partner_id=partner_id)
    for approved, released in qs.values_list("approved_amount", "released_amount"):
        total += approved - released
    return total


def _allocated(budget: Budget, *, excluding_partner: int | None = None) -> Decimal:
    qs = Allocation.objects.filter(budget=budget)
    if excluding_partner is not None:
        qs = qs.exclude(partner_id=excluding_partner)
    return qs.aggregate(s=Sum("amount"))["s"] or ZERO


def _lock(budget: Budget) -> Budget:
    return Budget.objects.select_for_update(of=("self",)).get(pk=budget.pk)


def _fmt(amount: Decimal) -> str:
    return f"{amount:,.2f}"


@transaction.atomic
def budget_create(
    *, region: Any, fiscal_year: int, quarter: int, amount: Any, note: str = "", by: Any
) -> Budget:
    """Create the budget of ``region`` for fiscal quarter ``quarter`` of ``fiscal_year``."""
    _require(by, may_manage_budgets(by))
    if not 1 <= int(quarter) <= 4:
        raise ValidationError({"quarter": _("The quarter is 1, 2, 3 or 4.")})
    if not 2000 <= int(fiscal_year) <= 2100:
        raise ValidationError({"fiscal_year": _("Enter a fiscal year such as 2027.")})
    value = _money(amount, "amount")
    if Budget.objects.filter(region=region, fiscal_year=fiscal_year, quarter=quarter).exists():
        raise ValidationError(
            {
                "quarter": _("%(region)s already has a budget for this quarter: change that one.")
                % {"region": region}
            }
        )
    starts_on, ends_on = fiscal_quarter_bounds(int(fiscal_year), int(quarter))
    budget = Budget(
        region=region,
        fiscal_year=fiscal_year,
        quarter=quarter,
        starts_on=starts_on,
        ends_on=ends_on,
        amount=value,
        note=note.strip(),
        created_by=by,
        created_at=timezone.now(),
    )
    budget._history_user = by  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            budget.save()
    except IntegrityError as exc:  # a concurrent create of the same quarter
        raise ValidationError(
            {
                "quarter": _("%(region)s already has a budget for this quarter: change that one.")
                % {"region": region}
            }
        ) from exc
    return budget


@transaction.atomic
def budget_update(*, budget: Budget, amount: Any, note: str | None = None, by: Any) -> Budget:
    """Change a budget's amount (and note); never below what is committed or allocated."""
    _require(by, may_manage_budgets(by))
    value = _money(amount, "amount")
    locked = _lock(budget)
    committed = _committed(locked)
    if value < committed:
        raise ValidationError(
            {
                "amount": _(
                    "Approved proposals already committed %(committed)s of this budget: "
                    "it cannot be lower than that."
                )
                % {"committed": _fmt(committed)}
            }
        )
    allocated = _allocated(locked)
    if value < allocated:
        raise ValidationError(
            {
                "amount": _(
                    "The partners' allocations add up to %(allocated)s: lower them first, "
                    "or keep the budget at least that high."
                )
                % {"allocated": _fmt(allocated)}
            }
        )
    locked.amount = value
    if note is not None:
        locked.note = note.strip()
    locked._history_user = by  # type: ignore[attr-defined]
    locked.save(update_fields=["amount", "note"])
    return locked


@transaction.atomic
def allocation_set(*, budget: Budget, partner: Any, amount: Any, by: Any) -> Allocation:
    """Set (add or change) ``partner``'s allocation of ``budget``."""
    _require(by, may_manage_budgets(by))
    value = _money(amount, "amount")
    locked = _lock(budget)
    if partner.region_id is not None and partner.region_id != locked.region_id:
        raise ValidationError(
            {"partner": _("%(partner)s is not in this budget's region.") % {"partner": partner}}
        )
    others = _allocated(locked, excluding_partner=partner.pk)
    if others + value > locked.amount:
        raise ValidationError(
            {
                "amount": _(
                    "The allocations would add up to %(total)s, more than the budget of %(budget)s "
                    "(%(free)s is not allocated yet)."
                )
                % {
                    "total": _fmt(others + value),
                    "budget": _fmt(locked.amount),
                    "free": _fmt(max(locked.amount - others, ZERO)),
                }
            }
        )
    committed = _committed(locked, partner.pk)
    if value < committed:
        raise ValidationError(
            {
                "amount": _(
                    "%(partner)s already committed %(committed)s of this budget: "
                    "the allocation cannot be lower than that."
                )
                % {"partner": partner, "committed": _fmt(committed)}
            }
        )
    allocation = Allocation.objects.filter(budget=locked, partner=partner).first()
    if allocation is None:
        allocation = Allocation(budget=locked, partner=partner, amount=value)
    else:
        allocation.amount = value
    allocation._history_user = by  # type: ignore[attr-defined]
    allocation.save()
    return allocation


@transaction.atomic
def allocation_remove(*, allocation: Allocation, by: Any) -> None:
    """Remove a partner's allocation: the partner then draws on the budget's unallocated funds.

    Refused while the partner has commitments in the budget (lower nothing below them)."""
    _require(by, may_manage_budgets(by))
    locked = _lock(allocation.budget)
    committed = _committed(locked, allocation.partner_id)
    if committed > 0:
        raise ValidationError(
            _("%(partner)s already committed %(committed)s of this budget: the allocation cannot be removed.")
            % {"partner": allocation.partner, "committed": _fmt(committed)}
        )
    allocation._history_user = by  # type: ignore[attr-defined]
    allocation.delete()


@transaction.atomic
def exchange_rate_set(*, currency: str, rate: Any, by: Any) -> ExchangeRate:
    """Add or change the rate of ``currency`` (program-currency units per unit); new proposals use it."""
    if not may_change_rates(by):
        raise NotAllowed(_("You may not change exchange rates."))
    code = (currency or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValidationError({"currency": _("Enter a three-letter currency code such as EUR.")})
    try:
        value = Decimal(str(rate))
    except ArithmeticError as exc:
        raise ValidationError({"rate": _("Enter a rate such as 1.0850.")}) from exc
    if value <= 0:
        raise ValidationError({"rate": _("The rate must be more than 0.")})
    obj = ExchangeRate.objects.select_for_update().filter(currency=code).first()
    if obj is None:
        obj = ExchangeRate(currency=code, rate=value)
    else:
        obj.rate = value
    obj._history_user = by  # type: ignore[attr-defined]
    obj.save()
    return obj


def _may_report(user: Any, proposal: Proposal) -> bool:
    return bool(
        user.is_active and not user.is_staff and user.partner_id and user.partner_id == proposal.partner_id
    )


@transaction.atomic
def results_report(*, proposal: Proposal, leads: int, pipeline: Any, by: Any, reason: str = "") -> Proposal:
    """Record a proposal's results (leads, pipeline) — by its partner's people, or corrected by
    staff who may manage budgets, with a recorded ``reason``."""
    locked = Proposal.objects.select_for_update(of=("self",)).get(pk=proposal.pk)
    staff = bool(by.is_staff)
    if staff:
        if not may_manage_budgets(by):
            raise NotAllowed(_("You may not correct MDF results."))
        if not reason.strip():
            raise ValidationError({"reason": _("Say why the results are corrected.")})
    elif not _may_report(by, locked):
        raise NotAllowed(_("Only the partner's people report its results."))
    if locked.status not in RESULT_STATUSES:
        raise ValidationError(_("Results are reported once the proposal is approved."))
    if leads is None or int(leads) < 0:
        raise ValidationError({"leads": _("Enter the number of leads (0 or more).")})
    value = _money(pipeline, "pipeline")
    locked.reported_leads = int(leads)
    locked.reported_pipeline = value
    locked.results_reported_at = timezone.now()
    locked._history_user = by  # type: ignore[attr-defined]
    locked.save(update_fields=["reported_leads", "reported_pipeline", "results_reported_at", "updated_at"])
    comment = _("Leads: %(leads)s; pipeline: %(pipeline)s.") % {
        "leads": locked.reported_leads,
        "pipeline": _fmt(value),
    }
    if staff:
        comment = _("Corrected by staff: %(reason)s") % {"reason": reason.strip()} + " " + comment
    Event.objects.create(
        proposal=locked, kind=EventKind.RESULTS, actor=by, comment=comment, amount=value, at=timezone.now()
    )
    return locked
