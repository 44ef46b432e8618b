"""MDF budgets in the console (channelops/mdf/budget_*.py): budgets per fiscal quarter, allocations,
the rules that keep them consistent, the change history, exchange rates and the budget report."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from channelops.mdf.budget_services import allocation_set, budget_update
from channelops.mdf.models import Allocation, Budget, ClaimStatus, ExchangeRate, ProposalStatus
from channelops.partners.models import Region
from channelops.work.calendar import fiscal_quarter_bounds

from .factories import PartnerFactory, StaffFactory
from .mdf_factories import AllocationFactory, BudgetFactory, ClaimFactory, ProposalFactory

pytestmark = pytest.mark.django_db
D = Decimal
BUDGETS = reverse("console:mdf_budgets")


@pytest.fixture
def marketing(db):
    return StaffFactory(email="marketing@vendor.test", roles=["channel_marketing"])


def _budget_url(budget: Budget) -> str:
    return reverse("console:mdf_budget", args=[budget.pk])


def test_fiscal_quarter_bounds_follow_the_fiscal_calendar(settings):
    assert fiscal_quarter_bounds(2027, 4) == (date(2026, 11, 1), date(2027, 1, 31))
    assert fiscal_quarter_bounds(2027, 1) == (date(2026, 2, 1), date(2026, 4, 30))
    settings.WORK_FISCAL_YEAR_START_MONTH = 1
    assert fiscal_quarter_bounds(2027, 2) == (date(2027, 4, 1), date(2027, 6, 30))


def test_the_quarter_page_lists_each_regions_balances(login, marketing):
    budget = BudgetFactory(amount=D("50000"))
    a = ProposalFactory(budget=budget, status=ProposalStatus.APPROVED, approved_amount=D("10000"))
    ClaimFactory(proposal=a, amount=D("3000"), status=ClaimStatus.APPROVED)
    ClaimFactory(proposal=a, amount=D("2000"), status=ClaimStatus.PAID)
    page = login(marketing).get(BUDGETS, {"fy": 2027, "q": 4})
    assert page.status_code == 200
    html = page.content.decode()
    assert "MDF budgets FY27 Q4" in html
    for figure in ("50,000.00", "5,000.00", "3,000.00", "2,000.00", "40,000.00"):
        assert figure in html
    assert "Create a budget" in html  # other regions have none yet


def test_a_budget_is_created_for_a_fiscal_quarter_with_its_dates(login, marketing):
    client = login(marketing)
    resp = client.post(
        BUDGETS + "?fy=2027&q=4",
        {"region": "AMER", "fiscal_year": 2027, "quarter": 4, "amount": "80000", "note": "Launch"},
    )
    budget = Budget.objects.get(region__code="AMER", fiscal_year=2027, quarter=4)
    assert resp.status_code == 302 and resp["Location"] == _budget_url(budget)
    assert (budget.starts_on, budget.ends_on, budget.amount) == (
        date(2026, 11, 1),
        date(2027, 1, 31),
        D("80000"),
    )
    assert budget.history.get().history_user == marketing


def test_a_second_budget_for_the_same_region_and_quarter_is_refused(login, marketing):
    BudgetFactory()
    resp = login(marketing).post(
        BUDGETS + "?fy=2027&q=4", {"region": "EMEA", "fiscal_year": 2027, "quarter": 4, "amount": "1"}
    )
    assert resp.status_code == 400
    assert "already has a budget for this quarter" in resp.content.decode()
    assert Budget.objects.count() == 1


def test_a_negative_budget_is_refused(login, marketing):
    resp = login(marketing).post(
        BUDGETS + "?fy=2027&q=4", {"region": "AMER", "fiscal_year": 2027, "quarter": 4, "amount": "-5"}
    )
    assert resp.status_code == 400
    assert not Budget.objects.exists()


def test_a_cam_sees_budgets_but_may_not_change_them(login, cam):
    budget = BudgetFactory()
    client = login(cam)
    page = client.get(_budget_url(budget))
    assert page.status_code == 200
    assert "Change the budget" not in page.content.decode()
    assert client.post(_budget_url(budget), {"amount": "1"}).status_code == 403
    assert (
        client.post(
            BUDGETS + "?fy=2027&q=4", {"region": "AMER", "fiscal_year": 2027, "quarter": 4, "amount": "1"}
        ).status_code
        == 403
    )
    budget.refresh_from_db()
    assert budget.amount == D("100000")


def test_staff_without_mdf_access_get_403(login):
    nobody = StaffFactory(roles=[])
    assert login(nobody).get(BUDGETS).status_code == 403


def test_a_partner_person_gets_no_budget_page(login, user_a):
    budget = BudgetFactory()
    client = login(user_a)
    assert client.get(_budget_url(budget)).status_code == 403


def test_lowering_a_budget_below_what_is_committed_is_refused(login, marketing):
    budget = BudgetFactory(amount=D("50000"))
    ProposalFactory(budget=budget, status=ProposalStatus.APPROVED, approved_amount=D("30000"))
    resp = login(marketing).post(_budget_url(budget), {"amount": "20000"})
    assert resp.status_code == 400
    assert "already committed 30,000.00" in resp.content.decode()
    budget.refresh_from_db()
    assert budget.amount == D("50000")


def test_a_budget_is_changed_and_its_history_shows_who(login, marketing):
    budget = BudgetFactory(amount=D("50000"))
    client = login(marketing)
    resp = client.post(_budget_url(budget), {"amount": "60000", "note": "Top-up"})
    assert resp.status_code == 302
    page = client.get(_budget_url(budget)).content.decode()
    assert "budgeted 50,000.00 → 60,000.00" in page
    assert marketing.full_name in page


def test_allocations_are_added_changed_and_removed(login, marketing):
    budget = BudgetFactory(amount=D("50000"))
    partner = PartnerFactory(country="GB", legal_name="Gamma Ltd")
    client = login(marketing)
    resp = client.post(
        reverse("console:mdf_allocation_add", args=[budget.pk]), {"partner": partner.pk, "amount": "20000"}
    )
    assert resp.status_code == 302
    allocation = Allocation.objects.get(budget=budget, partner=partner)
    assert allocation.amount == D("20000")
    client.post(
        reverse("console:mdf_allocation_change", args=[budget.pk, allocation.pk]), {"amount": "25000"}
    )
    allocation.refresh_from_db()
    assert allocation.amount == D("25000")
    client.post(reverse("console:mdf_allocation_remove", args=[budget.pk, allocation.pk]))
    assert not Allocation.objects.filter(pk=allocation.pk).exists()
    page = client.get(_budget_url(budget)).content.decode()
    assert "Allocation of Gamma Ltd set to 20,000.00" in page
    assert "Allocation of Gamma Ltd: 20,000.00 → 25,000.00" in page
    assert "Allocation of Gamma Ltd removed" in page


def test_allocations_may_not_add_up_to_more_than_the_budget(login, marketing):
    budget = BudgetFactory(amount=D("50000"))
    AllocationFactory(budget=budget, amount=D("40000"))
    partner = PartnerFactory(country="GB")
    resp = login(marketing).post(
        reverse("console:mdf_allocation_add", args=[budget.pk]), {"partner": partner.pk, "amount": "15000"}
    )
    assert resp.status_code == 400
    assert "more than the budget of 50,000.00" in resp.content.decode()
    assert not Allocation.objects.filter(partner=partner).exists()


def test_an_allocation_may_not_go_below_the_partners_commitments(marketing):
    budget = BudgetFactory(amount=D("50000"))
    allocation = AllocationFactory(budget=budget, amount=D("20000"))
    ProposalFactory(
        budget=budget, partner=allocation.partner, status=ProposalStatus.APPROVED, approved_amount=D("12000")
    )
    with pytest.raises(Exception, match="already committed 12,000.00"):
        allocation_set(budget=budget, partner=allocation.partner, amount=D("10000"), by=marketing)
    allocation.refresh_from_db()
    assert allocation.amount == D("20000")


def test_an_allocation_with_commitments_cannot_be_removed(login, marketing):
    budget = BudgetFactory(amount=D("50000"))
    allocation = AllocationFactory(budget=budget, amount=D("20000"))
    ProposalFactory(
        budget=budget, partner=allocation.partner, status=ProposalStatus.APPROVED, approved_amount=D("1000")
    )
    client = login(marketing)
    resp = client.post(reverse("console:mdf_allocation_remove", args=[budget.pk, allocation.pk]))
    assert resp.status_code == 302  # back to the budget with the error as a message
    assert Allocation.objects.filter(pk=allocation.pk).exists()
    page = client.get(resp["Location"]).content.decode()
    assert "cannot be removed" in page


def test_a_budget_cannot_go_below_its_allocations(marketing):
    budget = BudgetFactory(amount=D("50000"))
    AllocationFactory(budget=budget, amount=D("30000"))
    with pytest.raises(Exception, match="allocations add up to 30,000.00"):
        budget_update(budget=budget, amount=D("29999"), by=marketing)


def test_a_partner_of_another_region_gets_no_allocation(marketing):
    budget = BudgetFactory(amount=D("50000"))
    amer = PartnerFactory(country="US", region=Region.objects.get(code="AMER"))
    with pytest.raises(Exception, match="not in this budget's region"):
        allocation_set(budget=budget, partner=amer, amount=D("1"), by=marketing)


def test_exchange_rates_are_listed_added_and_changed(login, marketing):
    client = login(marketing)
    url = reverse("console:mdf_exchange_rates")
    assert client.post(url, {"currency": "eur", "rate": "1.08"}).status_code == 302
    assert client.post(url, {"currency": "EUR", "rate": "1.10"}).status_code == 302
    assert ExchangeRate.objects.get(currency="EUR").rate == D("1.10")
    assert "1.1" in client.get(url).content.decode()
    assert client.post(url, {"currency": "EURO", "rate": "1"}).status_code == 400


def test_a_cam_may_not_change_exchange_rates(login, cam):
    client = login(cam)
    url = reverse("console:mdf_exchange_rates")
    assert client.get(url).status_code == 200
    assert client.post(url, {"currency": "EUR", "rate": "1"}).status_code == 403
    assert not ExchangeRate.objects.exists()


# --- the budget report ------------------------------------------------------------------------


def _data(n: int) -> Budget:
    budget = BudgetFactory(amount=D("1000000"))
    BudgetFactory(region=Region.objects.get(code="AMER"), amount=D("5000"))
    partners = [PartnerFactory(country="GB") for _ in range(3)]
    AllocationFactory(budget=budget, partner=partners[0], amount=D("300000"))
    for i in range(n):
        p = ProposalFactory(
            budget=budget,
            partner=partners[i % 3],
            status=ProposalStatus.APPROVED,
            approved_amount=D("1000"),
        )
        ClaimFactory(proposal=p, amount=D("100"), status=ClaimStatus.PAID)
        ClaimFactory(proposal=p, amount=D("200"), status=ClaimStatus.APPROVED)
    return budget


@pytest.mark.parametrize("n", [3, 30])
def test_the_budget_report_takes_the_same_queries_however_many_proposals(
    login, marketing, django_assert_num_queries, n
):
    _data(n)
    client = login(marketing)
    url = reverse("console:mdf_budget_report")
    client.get(url)  # warm the session and permission caches
    # session, user, MFA check, permissions (2), budgets with balances, allocations, commitments
    # per budget and partner, claims per budget and partner, regions of the filter form, roles
    with django_assert_num_queries(11):
        page = client.get(url, {"fiscal_year": 2027})
    assert page.status_code == 200
    html = page.content.decode()
    assert "300,000.00" in html  # the allocation


def test_the_budget_report_exports_csv_and_xlsx_with_the_same_figures(login, marketing):
    budget = _data(3)
    client = login(marketing)
    url = reverse("console:mdf_budget_report_export", args=["csv"])
    resp = client.get(url, {"fiscal_year": 2027, "region": "EMEA"})
    rows = list(csv.reader(io.StringIO(b"".join(resp.streaming_content).decode())))
    assert rows[0][:4] == ["Budget", "Region", "Partner", "Budgeted"]
    assert rows[1][:4] == ["FY27 Q4", str(budget.region), "", "1000000.00"]
    assert rows[1][5] == "3000.00"  # committed
    assert len(rows) == 1 + 1 + 3
    resp = client.get(
        reverse("console:mdf_budget_report_export", args=["xlsx"]), {"fiscal_year": 2027, "region": "EMEA"}
    )
    ws = load_workbook(io.BytesIO(resp.content)).active
    xrows = list(ws.iter_rows(values_only=True))
    assert len(xrows) == len(rows)
    assert xrows[1][5] == 3000


def test_the_report_balances_agree_with_the_budgets_balances(partner_a):
    from channelops.mdf.results import ReportFilters, budget_report

    budget = _data(4)
    extra = ProposalFactory(
        budget=budget,
        partner=partner_a,
        status=ProposalStatus.CLOSED,
        approved_amount=D("900"),
        released_amount=D("150"),
    )
    ClaimFactory(proposal=extra, amount=D("750"), status=ClaimStatus.PAID)
    ProposalFactory(budget=budget, status=ProposalStatus.SUBMITTED)  # holds nothing
    expected = {
        b.pk: tuple(getattr(b, k) for k in ("committed", "reserved", "claimed", "paid", "remaining"))
        for b in Budget.objects.with_balances()
    }
    for line in budget_report(ReportFilters(fiscal_year=2027)):
        b = line.budget
        got = tuple(getattr(b, k) for k in ("committed", "reserved", "claimed", "paid", "remaining"))
        assert got == expected[b.pk]
