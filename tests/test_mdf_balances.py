"""MDF budgets' balances (channelops/mdf/querysets.py): derived from proposals and claims, one query."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine

from channelops.mdf.models import Budget, ClaimStatus, ProposalStatus

from .mdf_factories import BudgetFactory, ClaimFactory, ProposalFactory

pytestmark = pytest.mark.django_db

D = Decimal
IN_THE_QUARTER = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.UTC)
AFTER_THE_QUARTER = datetime.datetime(2027, 2, 1, 12, 0, tzinfo=datetime.UTC)  # FY27 Q4 ended 01-31


@pytest.fixture(autouse=True)
def _in_the_quarter():
    """The default budget's quarter (November 2026 – January 2027) is running."""
    with time_machine.travel(IN_THE_QUARTER, tick=False) as traveller:
        yield traveller


def _balances(budget: Budget) -> dict[str, Decimal]:
    b = Budget.objects.with_balances().get(pk=budget.pk)
    return {k: getattr(b, k) for k in ("committed", "reserved", "claimed", "paid", "remaining", "expired")}


def test_an_empty_budget_is_all_remaining():
    budget = BudgetFactory(amount=D("50000"))
    assert _balances(budget) == {
        "committed": D("0"),
        "reserved": D("0"),
        "claimed": D("0"),
        "paid": D("0"),
        "remaining": D("50000"),
        "expired": D("0"),
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
        "expired": D("0"),
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


def _arrange(budget: Budget) -> None:
    a = ProposalFactory(budget=budget, status=ProposalStatus.APPROVED, approved_amount=D("10000"))
    ClaimFactory(proposal=a, amount=D("3000"), status=ClaimStatus.APPROVED)
    ClaimFactory(proposal=a, amount=D("1000"), status=ClaimStatus.PAID)


def test_unreserved_funds_expire_after_the_period(_in_the_quarter, settings):
    settings.MDF_EXPIRE_UNRESERVED = True
    budget = BudgetFactory(amount=D("50000"))
    _arrange(budget)
    _in_the_quarter.move_to(datetime.datetime(2027, 1, 31, 23, 0, tzinfo=datetime.UTC))
    assert _balances(budget)["remaining"] == D("40000")  # the last day still counts
    _in_the_quarter.move_to(AFTER_THE_QUARTER)
    after = _balances(budget)
    assert after == {
        "committed": D("10000"),
        "reserved": D("6000"),
        "claimed": D("3000"),
        "paid": D("1000"),
        "remaining": D("0"),
        "expired": D("40000"),
    }
    total = sum(after[k] for k in ("reserved", "claimed", "paid", "remaining", "expired"))
    assert total == budget.amount


def test_without_expiry_the_remaining_funds_stay_after_the_period(_in_the_quarter, settings):
    settings.MDF_EXPIRE_UNRESERVED = False
    budget = BudgetFactory(amount=D("50000"))
    _arrange(budget)
    _in_the_quarter.move_to(AFTER_THE_QUARTER)
    assert (_balances(budget)["remaining"], _balances(budget)["expired"]) == (D("40000"), D("0"))
