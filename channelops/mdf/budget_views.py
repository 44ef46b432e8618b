"""MDF budget pages (console: budgets per quarter, a budget with its allocations and history, the
budget report, exchange rates, results and ROI) and the portal's results form.

Staff with ``mdf.view_proposal`` read; ``mdf.manage_budget`` changes budgets and allocations;
``mdf.change_exchangerate`` changes rates. Every change goes through budget_services.py.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from channelops.accounts.pages import StaffRequest
from channelops.core.actions import Action, page_or_action
from channelops.core.exceptions import NotAllowed
from channelops.core.listing import export_response, render_filter_form
from channelops.core.pages import safe_cell, staff_required
from channelops.partners.models import Partner, Region
from channelops.partners.pages import PartnerRequest, partner_required
from channelops.work.calendar import fiscal_quarter_bounds, fiscal_quarter_of

from .budget_forms import (
    AllocationAmountForm,
    AllocationForm,
    BudgetAmountForm,
    BudgetForm,
    ExchangeRateForm,
    ReportFilterForm,
    ResultsCorrectionForm,
    ResultsFilterForm,
    ResultsForm,
)
from .budget_services import (
    RESULT_STATUSES,
    allocation_remove,
    allocation_set,
    budget_create,
    budget_update,
    exchange_rate_set,
    may_change_rates,
    may_manage_budgets,
    results_report,
)
from .models import Allocation, Budget, EventKind, ExchangeRate, Proposal
from .money import amount_text
from .querysets import may_view_mdf
from .results import GROUPS, ReportFilters, RoiRow, budget_report, per_group

NAV = "mdf_budgets"
NOT_ALLOWED = gettext_lazy("You may not change MDF budgets.")


def _require_view(request: HttpRequest) -> None:
    if not may_view_mdf(request.user):
        raise NotAllowed(_("You may not see market development funds."))


def _crumbs(*extra: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"label": _("MDF budgets"), "url": reverse("console:mdf_budgets")}, *extra]


def _current() -> tuple[int, int]:
    return fiscal_quarter_of(timezone.localdate())


def _shift(fy: int, q: int, by: int) -> tuple[int, int]:
    n = fy * 4 + (q - 1) + by
    return n // 4, n % 4 + 1


# --- Budgets of a quarter -------------------------------------------------------------------


def _quarter_page(request: HttpRequest, form: BudgetForm | None = None, status: int = 200) -> HttpResponse:
    _require_view(request)
    cur_fy, cur_q = _current()
    try:
        fy = int(request.GET.get("fy") or cur_fy)
        q = int(request.GET.get("q") or cur_q)
        if not (2000 <= fy <= 2100 and 1 <= q <= 4):
            raise ValueError
    except ValueError as exc:
        raise Http404(_("There is no such fiscal quarter.")) from exc
    starts_on, ends_on = fiscal_quarter_bounds(fy, q)
    budgets = list(
        Budget.objects.with_balances()
        .filter(fiscal_year=fy, quarter=q)
        .select_related("region")
        .order_by("region__code")
    )
    have = {b.region_id for b in budgets}
    missing = [r for r in Region.objects.filter(active=True).order_by("code") if r.pk not in have]
    may_manage = may_manage_budgets(request.user)
    totals = {
        k: sum((getattr(b, k) for b in budgets), Decimal("0"))
        for k in ("amount", "reserved", "claimed", "paid", "remaining")
    }
    if may_manage and form is None and missing:
        form = BudgetForm(
            initial={"fiscal_year": fy, "quarter": q, "region": missing[0].code}, current_year=cur_fy
        )
    prev_fy, prev_q = _shift(fy, q, -1)
    next_fy, next_q = _shift(fy, q, 1)
    return render(
        request,
        "mdf/budget_quarter.html",
        {
            "fy": fy,
            "q": q,
            "label": f"FY{fy % 100:02d} Q{q}",
            "starts_on": starts_on,
            "ends_on": ends_on,
            "is_current": (fy, q) == (cur_fy, cur_q),
            "budgets": budgets,
            "totals": totals,
            "missing": missing,
            "form": form if may_manage and missing else None,
            "may_manage": may_manage,
            "may_rates": may_change_rates(request.user),
            "prev": {"fy": prev_fy, "q": prev_q, "label": f"FY{prev_fy % 100:02d} Q{prev_q}"},
            "next": {"fy": next_fy, "q": next_q, "label": f"FY{next_fy % 100:02d} Q{next_q}"},
            "currency": settings.MDF_CURRENCY,
            "nav": NAV,
            "breadcrumbs": _crumbs({"label": f"FY{fy % 100:02d} Q{q}"}),
        },
        status=status,
    )


def _create_invalid(request: StaffRequest, obj: Any, form: Any) -> HttpResponse:
    return _quarter_page(request, form=form, status=400)


create_budget = Action[StaffRequest](
    load=lambda request: None,
    allowed=lambda request, obj: may_manage_budgets(request.user),
    not_allowed=NOT_ALLOWED,
    form_class=BudgetForm,
    form_kwargs=lambda request, obj: {"current_year": _current()[0]},
    perform=lambda request, obj, data: budget_create(
        region=data["region"],
        fiscal_year=data["fiscal_year"],
        quarter=data["quarter"],
        amount=data["amount"],
        note=data["note"],
        by=request.user,
    ),
    success=lambda obj, result: (
        _(
            "Budget of %(region)s for %(period)s created. Allocate it to partners next, or leave it open to every partner of the region."
        )
        % {"region": result.region, "period": result.period_label}
    ),
    redirect_to=lambda request, obj, result: reverse("console:mdf_budget", args=[result.pk]),
    on_invalid=_create_invalid,
)

console_budgets = staff_required(page_or_action(_quarter_page, create_budget))


# --- One budget ------------------------------------------------------------------------------


def _budget(request: HttpRequest, pk: int) -> Budget:
    _require_view(request)
    return get_object_or_404(Budget.objects.with_balances().select_related("region", "created_by"), pk=pk)


def _history(budget: Budget) -> list[dict[str, Any]]:
    """The budget's and its allocations' recorded changes, newest first."""
    rows: list[dict[str, Any]] = []
    records = list(budget.history.select_related("history_user").order_by("history_date", "history_id"))
    prev = None
    for rec in records:
        if prev is None:
            text = _("Budget created: %(amount)s") % {"amount": amount_text(rec.amount)}
        else:
            parts = []
            if rec.amount != prev.amount:
                parts.append(
                    _("budgeted %(old)s → %(new)s")
                    % {"old": amount_text(prev.amount), "new": amount_text(rec.amount)}
                )
            if rec.note != prev.note:
                parts.append(_("note changed"))
            text = "; ".join(parts) or _("Saved without changes")
        rows.append({"at": rec.history_date, "who": rec.history_user, "text": text})
        prev = rec
    alloc = list(
        Allocation.history.filter(budget_id=budget.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    names = dict(Partner.objects.filter(pk__in={a.partner_id for a in alloc}).values_list("pk", "legal_name"))
    last: dict[int, Any] = {}
    for rec in alloc:
        name = names.get(rec.partner_id, "?")
        before = last.get(rec.partner_id)
        if rec.history_type == "-":
            text = _("Allocation of %(partner)s removed") % {"partner": name}
        elif before is None or before.history_type == "-":
            text = _("Allocation of %(partner)s set to %(amount)s") % {
                "partner": name,
                "amount": amount_text(rec.amount),
            }
        else:
            text = _("Allocation of %(partner)s: %(old)s → %(new)s") % {
                "partner": name,
                "old": amount_text(before.amount),
                "new": amount_text(rec.amount),
            }
        rows.append({"at": rec.history_date, "who": rec.history_user, "text": text})
        last[rec.partner_id] = rec
    rows.sort(key=lambda r: r["at"], reverse=True)
    return rows[:50]


def _budget_page(
    request: HttpRequest,
    budget: Budget,
    amount_form: BudgetAmountForm | None = None,
    allocation_form: AllocationForm | None = None,
    status: int = 200,
) -> HttpResponse:
    may_manage = may_manage_budgets(request.user)
    lines = budget_report(
        ReportFilters(fiscal_year=budget.fiscal_year, quarter=budget.quarter, region_id=budget.region_id)
    )
    partners = lines[0].partners if lines else []
    allocated = sum((p.allocation or Decimal("0") for p in partners), Decimal("0"))
    allocations = {a.partner_id: a for a in budget.allocations.all()}
    for p in partners:
        p.allocation_obj = allocations.get(p.partner_id)  # type: ignore[attr-defined]
    return render(
        request,
        "mdf/budget_detail.html",
        {
            "budget": budget,
            "partners": partners,
            "allocated": allocated,
            "unallocated": budget.amount - allocated,
            "history": _history(budget),
            "may_manage": may_manage,
            "amount_form": (
                amount_form or BudgetAmountForm(initial={"amount": budget.amount, "note": budget.note})
            )
            if may_manage
            else None,
            "allocation_form": (allocation_form or AllocationForm(region_id=budget.region_id))
            if may_manage
            else None,
            "currency": settings.MDF_CURRENCY,
            "nav": NAV,
            "breadcrumbs": _crumbs(
                {
                    "label": budget.period_label,
                    "url": reverse("console:mdf_budgets") + f"?fy={budget.fiscal_year}&q={budget.quarter}",
                },
                {"label": str(budget.region)},
            ),
        },
        status=status,
    )


def _allowed(request: StaffRequest, obj: Any) -> bool:
    return may_manage_budgets(request.user)


def _to_budget(request: Any, obj: Any, result: Any) -> str:
    budget = obj if isinstance(obj, Budget) else obj.budget
    return reverse("console:mdf_budget", args=[budget.pk])


change_budget = Action[StaffRequest](
    load=_budget,
    allowed=_allowed,
    not_allowed=NOT_ALLOWED,
    form_class=BudgetAmountForm,
    perform=lambda request, obj, data: budget_update(
        budget=obj, amount=data["amount"], note=data["note"], by=request.user
    ),
    success=gettext_lazy("Budget saved."),
    redirect_to=_to_budget,
    on_invalid=lambda request, obj, form: _budget_page(request, obj, amount_form=form, status=400),  # type: ignore[arg-type]
)
add_allocation = Action[StaffRequest](
    load=_budget,
    allowed=_allowed,
    not_allowed=NOT_ALLOWED,
    form_class=AllocationForm,
    form_kwargs=lambda request, obj: {"region_id": obj.region_id},
    perform=lambda request, obj, data: allocation_set(
        budget=obj, partner=data["partner"], amount=data["amount"], by=request.user
    ),
    success=lambda obj, result: _("Allocation of %(partner)s saved.") % {"partner": result.partner},
    redirect_to=_to_budget,
    on_invalid=lambda request, obj, form: _budget_page(request, obj, allocation_form=form, status=400),  # type: ignore[arg-type]
)


def _allocation(request: HttpRequest, pk: int, allocation_id: int) -> Allocation:
    _require_view(request)
    return get_object_or_404(
        Allocation.objects.select_related("budget", "partner"), pk=allocation_id, budget_id=pk
    )


change_allocation = Action[StaffRequest](
    load=_allocation,
    allowed=_allowed,
    not_allowed=NOT_ALLOWED,
    form_class=AllocationAmountForm,
    perform=lambda request, obj, data: allocation_set(
        budget=obj.budget, partner=obj.partner, amount=data["amount"], by=request.user
    ),
    success=lambda obj, result: _("Allocation of %(partner)s saved.") % {"partner": obj.partner},
    redirect_to=_to_budget,
)
remove_allocation = Action[StaffRequest](
    load=_allocation,
    allowed=_allowed,
    not_allowed=NOT_ALLOWED,
    perform=lambda request, obj, data: allocation_remove(allocation=obj, by=request.user),
    success=lambda obj, result: (
        _("Allocation of %(partner)s removed: the partner now draws on the unallocated funds.")
        % {"partner": obj.partner}
    ),
    redirect_to=_to_budget,
)

console_budget = staff_required(
    page_or_action(lambda request, pk: _budget_page(request, _budget(request, pk)), change_budget)
)
console_allocation_add = staff_required(add_allocation.view)
console_allocation_change = staff_required(change_allocation.view)
console_allocation_remove = staff_required(remove_allocation.view)


# --- Budget report ---------------------------------------------------------------------------


def _report_filters(
    request: HttpRequest, form_class: type[ReportFilterForm] = ReportFilterForm
) -> tuple[Any, ReportFilters]:
    cur_fy, _q = _current()
    form = form_class(request.GET or None, current_year=cur_fy)
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        region = d.get("region")
        return form, ReportFilters(
            fiscal_year=d.get("fiscal_year"),
            quarter=d.get("quarter"),
            region_id=region.pk if region else None,
            activity_type=d.get("activity_type") or "",
        )
    if not form.is_bound:
        form = form_class(initial={"fiscal_year": cur_fy}, current_year=cur_fy)
    return form, ReportFilters(fiscal_year=cur_fy)


REPORT_HEADER = [
    gettext_lazy("Budget"),
    gettext_lazy("Region"),
    gettext_lazy("Partner"),
    gettext_lazy("Budgeted"),
    gettext_lazy("Allocated"),
    gettext_lazy("Committed"),
    gettext_lazy("Reserved"),
    gettext_lazy("Claimed"),
    gettext_lazy("Paid"),
    gettext_lazy("Remaining"),
]


def _m(v: Any) -> Any:
    return None if v is None else Decimal(v).quantize(Decimal("0.01"))


def _report_rows(lines: list[Any]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for line in lines:
        b = line.budget
        rows.append(
            [
                b.period_label,
                str(b.region),
                "",
                *[_m(v) for v in (b.amount, None, b.committed, b.reserved, b.claimed, b.paid, b.remaining)],
            ]
        )
        for p in line.partners:
            rows.append(
                [
                    b.period_label,
                    str(b.region),
                    safe_cell(p.name),
                    *[
                        _m(v)
                        for v in (
                            None,
                            p.allocation,
                            p.committed,
                            p.committed - p.claimed - p.paid,
                            p.claimed,
                            p.paid,
                            p.allocation_left,
                        )
                    ],
                ]
            )
    return rows


@staff_required
@require_safe
def console_budget_report(request: StaffRequest) -> HttpResponse:
    _require_view(request)
    form, f = _report_filters(request)
    lines = budget_report(f)
    return render(
        request,
        "mdf/budget_report.html",
        {
            "form": form,
            "filter_form": render_filter_form(form),
            "lines": lines,
            "query": request.GET.urlencode(),
            "currency": settings.MDF_CURRENCY,
            "nav": NAV,
            "breadcrumbs": _crumbs({"label": _("Budget report")}),
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@staff_required
@require_safe
def console_budget_report_export(request: StaffRequest, fmt: str) -> HttpResponse:
    _require_view(request)
    if fmt not in ("csv", "xlsx"):
        raise Http404(_("There is no such export."))
    _form, f = _report_filters(request)
    return export_response(
        fmt=fmt,
        name=f"mdf-budgets-{timezone.localdate():%Y-%m-%d}",
        header=[str(h) for h in REPORT_HEADER],
        rows=_report_rows(budget_report(f)),
        sheet=_("MDF budgets")[:31],
    )


# --- Exchange rates --------------------------------------------------------------------------


def _rates_page(
    request: HttpRequest, form: ExchangeRateForm | None = None, status: int = 200
) -> HttpResponse:
    _require_view(request)
    may = may_change_rates(request.user)
    return render(
        request,
        "mdf/budget_rates.html",
        {
            "rates": list(ExchangeRate.objects.order_by("currency")),
            "form": (form or ExchangeRateForm()) if may else None,
            "may_change": may,
            "currency": settings.MDF_CURRENCY,
            "currencies": [c for c in settings.MDF_CURRENCIES if c != settings.MDF_CURRENCY],
            "nav": NAV,
            "breadcrumbs": _crumbs({"label": _("Exchange rates")}),
        },
        status=status,
    )


set_rate = Action[StaffRequest](
    load=lambda request: None,
    allowed=lambda request, obj: may_change_rates(request.user),
    not_allowed=gettext_lazy("You may not change exchange rates."),
    form_class=ExchangeRateForm,
    perform=lambda request, obj, data: exchange_rate_set(
        currency=data["currency"], rate=data["rate"], by=request.user
    ),
    success=lambda obj, result: (
        _("Rate of %(currency)s saved: new proposals and claims convert with it.")
        % {"currency": result.currency}
    ),
    redirect_to=lambda request, obj, result: reverse("console:mdf_exchange_rates"),
    on_invalid=lambda request, obj, form: _rates_page(request, form=form, status=400),  # type: ignore[arg-type]
)
console_exchange_rates = staff_required(page_or_action(_rates_page, set_rate))


# --- Results and ROI -------------------------------------------------------------------------

ROI_HEADER = [
    gettext_lazy("Proposals"),
    gettext_lazy("Approved"),
    gettext_lazy("Paid"),
    gettext_lazy("Leads"),
    gettext_lazy("Pipeline"),
    gettext_lazy("Cost per lead"),
    gettext_lazy("Pipeline ÷ spend"),
    gettext_lazy("Source"),
]


def _q(v: Decimal) -> Decimal:
    return Decimal(v).quantize(Decimal("0.01"))


def _roi_cells(r: RoiRow) -> list[Any]:
    return [
        r.proposals,
        _q(r.approved),
        _q(r.paid),
        r.leads,
        _q(r.pipeline),
        r.cost_per_lead,
        r.pipeline_ratio,
        r.source_label,
    ]


def _chart(rows: list[RoiRow], title: str) -> str:
    return json.dumps(
        {
            "type": "bar",
            "labels": [r.label for r in rows],
            "datasets": [
                {"label": _("Paid"), "data": [float(r.paid) for r in rows]},
                {"label": _("Pipeline"), "data": [float(r.pipeline) for r in rows]},
            ],
            "x_title": title,
            "y_title": settings.MDF_CURRENCY,
        }
    )


@staff_required
@require_safe
def console_results(request: StaffRequest) -> HttpResponse:
    _require_view(request)
    form, f = _report_filters(request, ResultsFilterForm)
    groups = per_group(f)
    sections = []
    for by, title in GROUPS.items():
        rows, total = groups[by]
        sections.append(
            {
                "key": by,
                "title": title,
                "rows": rows,
                "total": total,
                "chart": _chart(rows[:12], str(title)) if rows and by != "partner" else "",
            }
        )
    total = groups["activity_type"][1]
    return render(
        request,
        "mdf/results_console.html",
        {
            "form": form,
            "filter_form": render_filter_form(form),
            "sections": sections,
            "total": total,
            "header": ROI_HEADER,
            "query": request.GET.urlencode(),
            "currency": settings.MDF_CURRENCY,
            "nav": "mdf_results",
            "breadcrumbs": [{"label": _("MDF results")}],
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@staff_required
@require_safe
def console_results_export(request: StaffRequest, by: str, fmt: str) -> HttpResponse:
    _require_view(request)
    if by not in GROUPS or fmt not in ("csv", "xlsx"):
        raise Http404(_("There is no such export."))
    _form, f = _report_filters(request, ResultsFilterForm)
    rows, total = per_group(f)[by]
    return export_response(
        fmt=fmt,
        name=f"mdf-results-{by}-{timezone.localdate():%Y-%m-%d}",
        header=[str(GROUPS[by])] + [str(h) for h in ROI_HEADER],
        rows=[[safe_cell(r.label), *_roi_cells(r)] for r in [*rows, total]],
        sheet=str(GROUPS[by])[:31],
    )


def _results_proposal(request: HttpRequest, number: str, qs: Any) -> Proposal:
    return get_object_or_404(qs.select_related("partner", "budget"), number=number)


def _console_results_page(
    request: HttpRequest, proposal: Proposal, form: ResultsCorrectionForm | None = None, status: int = 200
) -> HttpResponse:
    may = may_manage_budgets(request.user) and proposal.status in RESULT_STATUSES
    initial = {"leads": proposal.reported_leads, "pipeline": proposal.reported_pipeline}
    return render(
        request,
        "mdf/results_correct.html",
        {
            "proposal": proposal,
            "form": (form or ResultsCorrectionForm(initial=initial)) if may else None,
            "events": proposal.events.filter(kind=EventKind.RESULTS)
            .select_related("actor")
            .order_by("-at", "-pk"),
            "currency": settings.MDF_CURRENCY,
            "nav": "mdf_results",
            "breadcrumbs": [
                {"label": _("MDF results"), "url": reverse("console:mdf_results")},
                {"label": proposal.number},
            ],
        },
        status=status,
    )


def _console_load(request: HttpRequest, number: str) -> Proposal:
    _require_view(request)
    return _results_proposal(request, number, Proposal.objects.visible_to(request.user))


correct_results = Action[StaffRequest](
    load=_console_load,
    allowed=lambda request, obj: may_manage_budgets(request.user),
    not_allowed=gettext_lazy("You may not correct MDF results."),
    form_class=ResultsCorrectionForm,
    perform=lambda request, obj, data: results_report(
        proposal=obj, leads=data["leads"], pipeline=data["pipeline"], reason=data["reason"], by=request.user
    ),
    success=gettext_lazy("Results corrected; the reason is on the proposal's timeline."),
    redirect_to=lambda request, obj, result: reverse("console:mdf_results_correct", args=[obj.number]),
    on_invalid=lambda request, obj, form: _console_results_page(request, obj, form=form, status=400),  # type: ignore[arg-type]
)
console_results_correct = staff_required(
    page_or_action(
        lambda request, number: _console_results_page(request, _console_load(request, number)),
        correct_results,
    )
)


# --- Portal: report results ------------------------------------------------------------------


def _portal_load(request: HttpRequest, number: str) -> Proposal:
    return _results_proposal(request, number, Proposal.objects.visible_to(request.user))


def _portal_results_page(
    request: HttpRequest, proposal: Proposal, form: ResultsForm | None = None, status: int = 200
) -> HttpResponse:
    open_ = proposal.status in RESULT_STATUSES
    initial = {"leads": proposal.reported_leads, "pipeline": proposal.reported_pipeline}
    return render(
        request,
        "mdf/results_portal.html",
        {
            "proposal": proposal,
            "form": (form or ResultsForm(initial=initial)) if open_ else None,
            "currency": settings.MDF_CURRENCY,
            "events": proposal.events.filter(kind=EventKind.RESULTS, internal=False)
            .select_related("actor")
            .order_by("-at", "-pk"),
            "nav": "mdf",
        },
        status=status,
    )


report_results = Action[PartnerRequest](
    load=_portal_load,
    form_class=ResultsForm,
    perform=lambda request, obj, data: results_report(
        proposal=obj, leads=data["leads"], pipeline=data["pipeline"], by=request.user
    ),
    success=gettext_lazy("Thank you: your results are recorded."),
    redirect_to=lambda request, obj, result: reverse("portal:mdf_results", args=[obj.number]),
    on_invalid=lambda request, obj, form: _portal_results_page(request, obj, form=form, status=400),  # type: ignore[arg-type]
)
portal_results = partner_required(
    page_or_action(
        lambda request, number: _portal_results_page(request, _portal_load(request, number)), report_results
    )
)
