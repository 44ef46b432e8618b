"""Concurrent MDF approvals (channelops/mdf/services.py, proposal_approve): the budget row is locked,
so two approvals that together exceed the budget — or the partner's allocation — can never both
succeed. Real row locks need PostgreSQL: these tests run there (``DATABASE_URL=postgres://…``)."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, connections

from channelops.mdf.models import Budget, Proposal, ProposalStatus
from channelops.mdf.services import proposal_approve

from .factories import PartnerFactory, StaffFactory
from .mdf_factories import AllocationFactory, BudgetFactory, ProposalFactory

D = Decimal
pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real row locks need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _in_the_quarter():
    with time_machine.travel(datetime.datetime(2026, 11, 16, 10, 0, tzinfo=datetime.UTC)):
        yield


def approve_at_once(proposals: list[Proposal], by) -> list:  # type: ignore[no-untyped-def]
    """Approve each proposal in its own thread, all starting together; the results in order."""
    barrier = threading.Barrier(len(proposals))
    results: list = [None] * len(proposals)

    def approve(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = proposal_approve(proposal=Proposal.objects.get(pk=proposals[i].pk), by=by).status
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(i,)) for i in range(len(proposals))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def _submitted(budget: Budget, amount: str, n: int, partner=None) -> Proposal:  # type: ignore[no-untyped-def]
    return ProposalFactory(
        number=f"MDF-{700000 + n}",
        partner=partner or PartnerFactory(country="GB"),
        budget=budget,
        requested_amount=D(amount),
        status=ProposalStatus.SUBMITTED,
        approval_level="cam",
    )


def _outcome(results: list) -> tuple[int, list]:
    ok = [r for r in results if r == ProposalStatus.APPROVED]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(ok) + len(refused) == len(results), results
    return len(ok), refused


def test_two_approvals_exceeding_the_budget_yield_one():
    admin = StaffFactory(roles=["administrator"], is_superuser=True)
    budget = BudgetFactory(amount=D("10000"))
    a, b = _submitted(budget, "6000", 1), _submitted(budget, "7000", 2)
    ok, refused = _outcome(approve_at_once([a, b], admin))
    assert ok == 1 and "over-commit" in refused[0].messages[0]
    balances = Budget.objects.with_balances().get(pk=budget.pk)
    approved = Proposal.objects.get(status=ProposalStatus.APPROVED)
    assert balances.committed == approved.approved_amount
    assert balances.remaining == budget.amount - approved.approved_amount >= 0
    assert Proposal.objects.filter(status=ProposalStatus.SUBMITTED).count() == 1


def test_two_approvals_exceeding_the_allocation_yield_one():
    admin = StaffFactory(roles=["administrator"], is_superuser=True)
    budget = BudgetFactory(amount=D("100000"))
    partner = PartnerFactory(country="GB")
    AllocationFactory(budget=budget, partner=partner, amount=D("5000"))
    a, b = _submitted(budget, "3000", 1, partner), _submitted(budget, "3000", 2, partner)
    ok, refused = _outcome(approve_at_once([a, b], admin))
    assert ok == 1 and "allocation" in refused[0].messages[0]
    assert Budget.objects.with_balances().get(pk=budget.pk).committed == D("3000")


def test_approvals_within_the_budget_all_succeed():
    admin = StaffFactory(roles=["administrator"], is_superuser=True)
    budget = BudgetFactory(amount=D("10000"))
    proposals = [_submitted(budget, "2500", n) for n in range(4)]
    ok, _refused = _outcome(approve_at_once(proposals, admin))
    assert ok == 4 and Budget.objects.with_balances().get(pk=budget.pk).remaining == 0
