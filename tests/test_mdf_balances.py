"""MDF budgets' balances (channelops/mdf/querysets.py): derived from proposals and claims, one query."""

from __future__ import annotations

from decimal import Decimal

import pytest

from channelops.mdf.models import Budget, ClaimStatus, ProposalStatus

from .mdf_factories import BudgetFactory, ClaimFactory, ProposalFactory

pytestmark = pytest.mark.django_db

D = Decimal


def _balances(budget: Budget) -> dict[str, Decimal]:
    b = Budget.objects.with_balances().get(pk=budget.pk)
    return {k: getattr(b, k) for k in ("committed", "reserved", "claimed", "paid", "remaining")}


def test_an_empty_budget_is_all_remaining():
    budget = BudgetFactory(amount=D("50000"))
    assert _balances(budget) == {
        "committed": D("0"),
        "reserved": D("0"),
        "claimed": D("0"),
        "paid": D("0"),
        "remaining": D("50000"),
    }


def test_balances_follow_approvals_releases_and_claims():
    budget = BudgetFactory(amount=D("50000"))
    # Waiting, rejected and withdrawn proposals hold nothing.
    ProposalFactory(budget=budget, status=ProposalStatus.SUBMITTED, requested_amount=D("9000"))
    ProposalFactory(budget=budget, status=ProposalStatus.REJECTED, requested_amount=D("9000"))
    a = ProposalFactory(budget=budget, status=ProposalStatus.APPROVED, approved_amount=D("10000"))
    b = ProposalFactory(
        budget=budget, status=ProposalStatus.CLOSED, approved_amount=D("6000"), released_amount=D("1500")
    )
    ClaimFactory(proposal=a, amount=D("2000"), status=ClaimStatus.SUBMITTED)  # still reserved
    ClaimFactory(proposal=a, amount=D("3000"), status=ClaimStatus.APPROVED)
    ClaimFactory(proposal=a, amount=D("700"), status=ClaimStatus.REJECTED)
    ClaimFactory(proposal=b, amount=D("4500"), status=ClaimStatus.PAID)
    assert _balances(budget) == {
        "committed": D("14500"),  # 10000 + (6000 − 1500)
        "reserved": D("7000"),  # 14500 − 3000 claimed − 4500 paid
        "claimed": D("3000"),
        "paid": D("4500"),
        "remaining": D("35500"),
    }
    total = sum(_balances(budget)[k] for k in ("reserved", "claimed", "paid", "remaining"))
    assert total == budget.amount


def test_balances_of_many_budgets_take_one_query(django_assert_num_queries):
    for quarter in (1, 2, 3):
        budget = BudgetFactory(quarter=quarter, fiscal_year=2026)
        for _ in range(quarter):
            ClaimFactory(proposal__budget=budget, status=ClaimStatus.PAID)
    with django_assert_num_queries(1):
        rows = list(Budget.objects.with_balances().filter(fiscal_year=2026).order_by("quarter"))
    assert [r.paid for r in rows] == [D("1000"), D("2000"), D("3000")]
