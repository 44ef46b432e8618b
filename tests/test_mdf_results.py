"""MDF results and ROI (channelops/mdf/results.py, budget_views.py) and the budget API (budget_api.py):
the portal's results form, staff corrections with a reason, the console's results page with its
charts and CSV/XLSX exports, and /api/v1/mdf/budgets."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from channelops.mdf.models import Budget, ClaimStatus, Event, EventKind, ProposalStatus
from channelops.mdf.results import ReportFilters, proposal_figures, roi
from channelops.partners.models import Region

from .factories import StaffFactory
from .mdf_factories import AllocationFactory, BudgetFactory, ClaimFactory, ProposalFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def marketing(db):
    return StaffFactory(email="marketing@vendor.test", roles=["channel_marketing"])


def _approved(partner, **kw):
    return ProposalFactory(partner=partner, status=ProposalStatus.APPROVED, approved_amount=D("4000"), **kw)


# --- the portal form --------------------------------------------------------------------------


def test_the_partner_reports_results_of_an_approved_proposal(login, user_a, partner_a):
    proposal = _approved(partner_a)
    client = login(user_a)
    url = reverse("portal:mdf_results", args=[proposal.number])
    page = client.get(url)
    assert page.status_code == 200
    assert "Report your results" in page.content.decode()
    resp = client.post(url, {"leads": "35", "pipeline": "150000"})
    assert resp.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.reported_leads, proposal.reported_pipeline) == (35, D("150000"))
    assert proposal.results_reported_at is not None
    event = Event.objects.get(proposal=proposal, kind=EventKind.RESULTS)
    assert event.actor == user_a and not event.internal


def test_results_of_a_proposal_not_yet_approved_are_refused(login, user_a, partner_a):
    proposal = ProposalFactory(partner=partner_a, status=ProposalStatus.SUBMITTED)
    client = login(user_a)
    url = reverse("portal:mdf_results", args=[proposal.number])
    assert "once the proposal is approved" in client.get(url).content.decode()
    resp = client.post(url, {"leads": "1", "pipeline": "1"})
    assert resp.status_code == 400
    proposal.refresh_from_db()
    assert proposal.reported_leads is None


def test_negative_results_are_refused(login, user_a, partner_a):
    proposal = _approved(partner_a)
    resp = login(user_a).post(
        reverse("portal:mdf_results", args=[proposal.number]), {"leads": "-1", "pipeline": "5"}
    )
    assert resp.status_code == 400
    proposal.refresh_from_db()
    assert proposal.reported_leads is None


def test_a_partner_person_cannot_report_another_partners_results(login, user_b, partner_a):
    proposal = _approved(partner_a)
    client = login(user_b)
    url = reverse("portal:mdf_results", args=[proposal.number])
    assert client.get(url).status_code == 404
    assert client.post(url, {"leads": "1", "pipeline": "1"}).status_code == 404
    proposal.refresh_from_db()
    assert proposal.reported_leads is None


def test_staff_correct_results_with_a_recorded_reason(login, marketing, partner_a):
    proposal = _approved(partner_a, reported_leads=100, reported_pipeline=D("900000"))
    client = login(marketing)
    url = reverse("console:mdf_results_correct", args=[proposal.number])
    assert client.post(url, {"leads": "10", "pipeline": "90000", "reason": ""}).status_code == 400
    resp = client.post(url, {"leads": "10", "pipeline": "90000", "reason": "Typo: one zero too many"})
    assert resp.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.reported_leads, proposal.reported_pipeline) == (10, D("90000"))
    event = Event.objects.get(proposal=proposal, kind=EventKind.RESULTS)
    assert "Typo: one zero too many" in event.comment and event.actor == marketing


def test_a_cam_may_see_but_not_correct_results(login, cam, partner_a):
    proposal = _approved(partner_a)
    client = login(cam)
    url = reverse("console:mdf_results_correct", args=[proposal.number])
    assert client.get(url).status_code == 200
    assert client.post(url, {"leads": "1", "pipeline": "1", "reason": "x"}).status_code == 403


# --- ROI --------------------------------------------------------------------------------------


def _program(partner_a, partner_b):
    budget = BudgetFactory()
    a = _approved(
        partner_a, budget=budget, activity_type="event", reported_leads=40, reported_pipeline=D("100000")
    )
    ClaimFactory(proposal=a, amount=D("4000"), status=ClaimStatus.PAID)
    b = _approved(
        partner_b,
        budget=budget,
        activity_type="webinar",
        reported_leads=5,
        reported_pipeline=D("1"),
        crm_leads=20,
        crm_pipeline=D("30000"),
    )
    ClaimFactory(proposal=b, amount=D("1000"), status=ClaimStatus.PAID)
    ClaimFactory(proposal=b, amount=D("500"), status=ClaimStatus.APPROVED)  # not spend yet
    ProposalFactory(partner=partner_a, budget=budget, status=ProposalStatus.REJECTED)  # not counted
    return budget


def test_roi_uses_crm_figures_when_present_else_reported(partner_a, partner_b):
    _program(partner_a, partner_b)
    rows, total = roi(proposal_figures(ReportFilters(fiscal_year=2027)), "activity_type")
    by = {r.key: r for r in rows}
    assert (by["event"].paid, by["event"].leads, by["event"].source) == (D("4000"), 40, "reported")
    assert by["event"].cost_per_lead == D("100.00")
    assert by["event"].pipeline_ratio == D("25.00")
    assert (by["webinar"].leads, by["webinar"].pipeline, by["webinar"].source) == (20, D("30000"), "crm")
    assert (total.proposals, total.paid, total.leads, total.source) == (2, D("5000"), 60, "mixed")
    assert total.approved == D("8000")


def test_the_results_page_shows_charts_and_figures_by_group(login, marketing, partner_a, partner_b):
    _program(partner_a, partner_b)
    page = login(marketing).get(reverse("console:mdf_results"), {"fiscal_year": 2027})
    assert page.status_code == 200
    html = page.content.decode()
    assert "data-chart=" in html and "chartjs" in html  # the vendored chart library, no CDN
    for text in ("By Activity type", "By Region", "By Partner", "By Fiscal quarter", "CRM and reported"):
        assert text in html
    assert "Acme Test Partner" in html


def test_the_results_page_filters_by_activity_type(login, marketing, partner_a, partner_b):
    _program(partner_a, partner_b)
    html = (
        login(marketing)
        .get(reverse("console:mdf_results"), {"fiscal_year": 2027, "activity_type": "webinar"})
        .content.decode()
    )
    assert "Beta Test Partner" in html and "Acme Test Partner" not in html


def test_the_results_exports_carry_the_same_figures(login, marketing, partner_a, partner_b):
    _program(partner_a, partner_b)
    client = login(marketing)
    resp = client.get(
        reverse("console:mdf_results_export", args=["activity_type", "csv"]), {"fiscal_year": 2027}
    )
    rows = list(csv.reader(io.StringIO(b"".join(resp.streaming_content).decode())))
    assert rows[0][0] == "Activity type" and rows[0][-1] == "Source"
    event = next(r for r in rows if r[0] == "Event")
    assert event[1:6] == ["1", "4000.00", "4000.00", "40", "100000.00"]
    resp = client.get(reverse("console:mdf_results_export", args=["partner", "xlsx"]), {"fiscal_year": 2027})
    xrows = list(load_workbook(io.BytesIO(resp.content)).active.iter_rows(values_only=True))
    assert xrows[-1][0] == "Total" and xrows[-1][3] == 5000


def test_the_results_page_takes_the_same_queries_with_more_proposals(
    login, marketing, partner_a, partner_b, django_assert_num_queries
):
    budget = _program(partner_a, partner_b)
    client = login(marketing)
    url = reverse("console:mdf_results")
    client.get(url)
    with django_assert_num_queries(8) as small:
        client.get(url, {"fiscal_year": 2027})
    for _ in range(10):
        p = _approved(partner_a, budget=budget, reported_leads=1, reported_pipeline=D("1"))
        ClaimFactory(proposal=p, amount=D("10"), status=ClaimStatus.PAID)
    with django_assert_num_queries(len(small)):
        client.get(url, {"fiscal_year": 2027})


# --- API --------------------------------------------------------------------------------------


def test_staff_list_and_read_budgets_with_balances_over_the_api(api_client, cam, partner_a):
    budget = BudgetFactory(amount=D("50000"))
    AllocationFactory(budget=budget, partner=partner_a, amount=D("10000"))
    _approved(partner_a, budget=budget)
    client = api_client(cam)
    listed = client.get("/api/v1/mdf/budgets", {"fiscal_year": 2027}).json()
    assert listed["items"][0]["remaining"] in ("46000.00", 46000, "46000")
    one = client.get(f"/api/v1/mdf/budgets/{budget.pk}").json()
    assert one["region"] == "EMEA" and one["allocations"][0]["partner"] == "Acme Test Partner"
    assert client.post("/api/v1/mdf/budgets", {}, content_type="application/json").status_code in (403, 422)
    assert (
        client.post(
            "/api/v1/mdf/budgets",
            {"region": "AMER", "fiscal_year": 2027, "quarter": 4, "amount": "1"},
            content_type="application/json",
        ).status_code
        == 403
    )


def test_budget_managers_create_and_change_budgets_over_the_api(api_client, marketing, partner_a):
    client = api_client(marketing)
    resp = client.post(
        "/api/v1/mdf/budgets",
        {"region": "emea", "fiscal_year": 2027, "quarter": 3, "amount": "70000"},
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.content
    budget = Budget.objects.get(pk=resp.json()["id"])
    assert budget.region == Region.objects.get(code="EMEA") and str(budget.starts_on) == "2026-08-01"
    again = client.post(
        "/api/v1/mdf/budgets",
        {"region": "EMEA", "fiscal_year": 2027, "quarter": 3, "amount": "1"},
        content_type="application/json",
    )
    assert again.status_code == 422
    _approved(partner_a, budget=budget)
    low = client.patch(f"/api/v1/mdf/budgets/{budget.pk}", {"amount": "100"}, content_type="application/json")
    assert low.status_code == 422 and "already committed" in str(low.json()["detail"])
    ok = client.patch(
        f"/api/v1/mdf/budgets/{budget.pk}", {"amount": "80000"}, content_type="application/json"
    )
    assert ok.status_code == 200
    put = client.put(
        f"/api/v1/mdf/budgets/{budget.pk}/allocations",
        {"partner_id": partner_a.pk, "amount": "5000"},
        content_type="application/json",
    )
    assert put.status_code == 200 and put.json()["allocations"][0]["amount"] in ("5000.00", 5000, "5000")


def test_partner_people_get_no_budgets_over_the_api(api_client, admin_a):
    budget = BudgetFactory()
    client = api_client(admin_a)
    assert client.get("/api/v1/mdf/budgets").status_code == 403
    assert client.get(f"/api/v1/mdf/budgets/{budget.pk}").status_code == 404
    assert client.patch(
        f"/api/v1/mdf/budgets/{budget.pk}", {"amount": "1"}, content_type="application/json"
    ).status_code in (403, 404)
    budget.refresh_from_db()
    assert budget.amount == D("100000")
