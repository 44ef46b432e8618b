"""MDF budgets over the API (/api/v1/mdf/budgets): staff with ``mdf.view_proposal`` list and read
budgets with their balances and allocations; ``mdf.manage_budget`` creates and changes them (the
same service and rules as the console). Partner people get 403 on the list and 404 on a budget.
"""

# No `from __future__ import annotations`: django-ninja resolves the annotations at import.
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from channelops.core.apischema import Error
from channelops.core.exceptions import NotAllowed
from channelops.core.pagination import Pagination
from channelops.partners.models import Partner, Region

from .budget_services import allocation_set, budget_create, budget_update, may_manage_budgets
from .models import Budget
from .querysets import may_view_mdf

router = Router(tags=["MDF budgets"])


class AllocationOut(Schema):
    partner_id: int
    partner: str
    amount: Decimal


class BudgetOut(Schema):
    id: int
    region: str = Field(..., description="The region's code")
    fiscal_year: int
    quarter: int
    starts_on: date
    ends_on: date
    amount: Decimal = Field(..., description="Budgeted, in the program currency")
    reserved: Decimal
    claimed: Decimal
    paid: Decimal
    remaining: Decimal
    note: str

    @staticmethod
    def resolve_region(obj: Budget) -> str:
        return obj.region.code


class BudgetDetailOut(BudgetOut):
    allocations: list[AllocationOut]

    @staticmethod
    def resolve_allocations(obj: Budget) -> list[dict[str, Any]]:
        return [
            {"partner_id": a.partner_id, "partner": a.partner.legal_name, "amount": a.amount}
            for a in obj.allocations.select_related("partner").order_by("partner__legal_name")
        ]


class BudgetFilter(Schema):
    fiscal_year: int | None = None
    quarter: int | None = Field(None, ge=1, le=4)
    region: str | None = Field(None, description="A region's code")


class BudgetIn(Schema):
    region: str = Field(..., description="A region's code")
    fiscal_year: int
    quarter: int = Field(..., ge=1, le=4)
    amount: Decimal = Field(..., ge=0)
    note: str = ""


class BudgetPatch(Schema):
    amount: Decimal = Field(..., ge=0)
    note: str | None = None


class AllocationIn(Schema):
    partner_id: int
    amount: Decimal = Field(..., ge=0)


def _budgets(request: Any) -> QuerySet[Budget]:
    return Budget.objects.with_balances().select_related("region")


def _budget(request: Any, budget_id: int) -> Budget:
    if not may_view_mdf(request.user):
        raise Http404
    return get_object_or_404(_budgets(request), pk=budget_id)


@router.get("/mdf/budgets", response={200: list[BudgetOut], 403: Error}, summary="List MDF budgets")
@paginate(Pagination)
def list_mdf_budgets(request: Any, filters: Query[BudgetFilter]) -> QuerySet[Budget]:
    if not may_view_mdf(request.user):
        raise NotAllowed(_("You may not see market development funds."))
    rows = _budgets(request)
    if filters.fiscal_year:
        rows = rows.filter(fiscal_year=filters.fiscal_year)
    if filters.quarter:
        rows = rows.filter(quarter=filters.quarter)
    if filters.region:
        rows = rows.filter(region__code=filters.region.upper())
    return rows.order_by("-fiscal_year", "-quarter", "region__code", "pk")


@router.get(
    "/mdf/budgets/{budget_id}", response={200: BudgetDetailOut, 404: Error}, summary="Get an MDF budget"
)
def get_mdf_budget(request: Any, budget_id: int) -> Any:
    return _budget(request, budget_id)


@router.post(
    "/mdf/budgets",
    response={201: BudgetDetailOut, 403: Error},
    summary="Create an MDF budget",
)
def create_mdf_budget(request: Any, payload: BudgetIn) -> Any:
    """One per region and fiscal quarter; its dates come from the fiscal calendar."""
    if not may_manage_budgets(request.user):
        raise NotAllowed(_("You may not change MDF budgets."))
    region = Region.objects.filter(code=payload.region.upper()).first()
    if region is None:
        raise ValidationError({"region": _("There is no such region.")})
    budget = budget_create(
        region=region,
        fiscal_year=payload.fiscal_year,
        quarter=payload.quarter,
        amount=payload.amount,
        note=payload.note,
        by=request.user,
    )
    return 201, _budgets(request).get(pk=budget.pk)


@router.patch(
    "/mdf/budgets/{budget_id}",
    response={200: BudgetDetailOut, 403: Error, 404: Error},
    summary="Change an MDF budget",
)
def update_mdf_budget(request: Any, budget_id: int, payload: BudgetPatch) -> Any:
    """Never below what its proposals committed, nor below its allocations (422)."""
    budget = _budget(request, budget_id)
    budget_update(budget=budget, amount=payload.amount, note=payload.note, by=request.user)
    return _budgets(request).get(pk=budget.pk)


@router.put(
    "/mdf/budgets/{budget_id}/allocations",
    response={200: BudgetDetailOut, 403: Error, 404: Error},
    summary="Set a partner's allocation of an MDF budget",
)
def set_mdf_allocation(request: Any, budget_id: int, payload: AllocationIn) -> Any:
    budget = _budget(request, budget_id)
    partner = get_object_or_404(Partner, pk=payload.partner_id)
    allocation_set(budget=budget, partner=partner, amount=payload.amount, by=request.user)
    return _budgets(request).get(pk=budget.pk)
