"""Isolation rules of the MDF budget, report, exchange-rate and results pages (channelops/mdf/budget_*.py).

The world adds a budget with an allocation to partner A and an approved proposal of partner A
(its number and title name partner A): the console's pages are staff only; partner B's people may
not see or report the results of partner A's proposal (404), and get no budget over the API.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .base import A_LEGAL_NAME, DENIED, Probe, Rule, World, api_calls, get_post


def mdf_budgets_world(w: World) -> dict[str, Any]:
    built = getattr(w, "_mdf_budgets", None)
    if built is None:
        from channelops.mdf.models import ProposalStatus

        from ..mdf_factories import AllocationFactory, BudgetFactory, ProposalFactory

        budget = BudgetFactory(note=f"Budget naming {A_LEGAL_NAME}")
        allocation = AllocationFactory(budget=budget, partner=w.partner_a, amount=Decimal("1000"))
        proposal = ProposalFactory(
            number="MDF-990001",
            partner=w.partner_a,
            budget=budget,
            title=f"Roadshow of {A_LEGAL_NAME}",
            status=ProposalStatus.APPROVED,
            approved_amount=Decimal("500"),
        )
        built = {"budget": budget, "allocation": allocation, "proposal": proposal}
        w._mdf_budgets = built  # type: ignore[attr-defined]
    return built


def _budget(suffix: str, data: dict[str, Any] | None = None) -> Any:
    return get_post(lambda w: f"/console/mdf/budgets/{mdf_budgets_world(w)['budget'].pk}/{suffix}", data)


def _allocation(suffix: str, data: dict[str, Any] | None = None) -> Any:
    def url(w: World) -> str:
        m = mdf_budgets_world(w)
        return f"/console/mdf/budgets/{m['budget'].pk}/allocations/{m['allocation'].pk}/{suffix}"

    return get_post(url, data)


def _api_budget(method: str, suffix: str = "", data: dict[str, Any] | None = None) -> Any:
    def build(w: World) -> list[Probe]:
        pk = mdf_budgets_world(w)["budget"].pk
        return api_calls((method, f"/api/v1/mdf/budgets/{pk}{suffix}", data))(w)

    return build


RULES: dict[str, Rule] = {
    # MDF-BUDGETS-RULES
    # The console's pages: staff with MDF access only.
    "console:mdf_budgets": Rule(
        DENIED,
        get_post(
            "/console/mdf/budgets/", {"region": "EMEA", "fiscal_year": 2027, "quarter": 1, "amount": "1"}
        ),
    ),
    "console:mdf_budget_report": Rule(DENIED, get_post("/console/mdf/budgets/report/?fiscal_year=2027")),
    "console:mdf_budget_report_export": Rule(
        DENIED,
        lambda w: [
            Probe("GET", "/console/mdf/budgets/report/export.csv?fiscal_year=2027"),
            Probe("GET", "/console/mdf/budgets/report/export.xlsx"),
        ],
    ),
    "console:mdf_budget": Rule(DENIED, _budget("", {"amount": "1"})),
    "console:mdf_allocation_add": Rule(DENIED, _budget("allocations/", {"partner": "1", "amount": "1"})),
    "console:mdf_allocation_change": Rule(DENIED, _allocation("", {"amount": "1"})),
    "console:mdf_allocation_remove": Rule(DENIED, _allocation("remove/")),
    "console:mdf_exchange_rates": Rule(
        DENIED, get_post("/console/mdf/exchange-rates/", {"currency": "EUR", "rate": "9"})
    ),
    "console:mdf_results": Rule(DENIED, get_post("/console/mdf/results/?fiscal_year=2027")),
    "console:mdf_results_export": Rule(
        DENIED,
        lambda w: [
            Probe("GET", "/console/mdf/results/export/partner.csv?fiscal_year=2027"),
            Probe("GET", "/console/mdf/results/export/activity_type.xlsx"),
        ],
    ),
    "console:mdf_results_correct": Rule(
        DENIED,
        get_post(
            lambda w: f"/console/mdf/results/{mdf_budgets_world(w)['proposal'].number}/",
            {"leads": "1", "pipeline": "1", "reason": "pwned"},
        ),
    ),
    # The portal's results form: only the proposal's own partner.
    "portal:mdf_results": Rule(
        DENIED,
        get_post(
            lambda w: f"/portal/mdf/results/{mdf_budgets_world(w)['proposal'].number}/",
            {"leads": "1", "pipeline": "1"},
        ),
    ),
    # The API: staff only.
    "api:list_mdf_budgets": Rule(DENIED, api_calls(("GET", "/api/v1/mdf/budgets", None))),
    "api:get_mdf_budget": Rule(DENIED, _api_budget("GET")),
    "api:create_mdf_budget": Rule(
        DENIED,
        api_calls(
            (
                "POST",
                "/api/v1/mdf/budgets",
                {"region": "EMEA", "fiscal_year": 2027, "quarter": 1, "amount": "1"},
            )
        ),
    ),
    "api:update_mdf_budget": Rule(DENIED, _api_budget("PATCH", "", {"amount": "1"})),
    "api:set_mdf_allocation": Rule(
        DENIED, _api_budget("PUT", "/allocations", {"partner_id": 1, "amount": "1"})
    ),
    # END MDF-BUDGETS-RULES
}
