"""The console's program overview (docs/insight.md): thin pages over ``tables.SECTIONS``."""

from __future__ import annotations

import json

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_safe

from channelops.accounts.pages import StaffRequest
from channelops.core.listing import export_response, render_filter_form
from channelops.core.pages import safe_cell, staff_required

from .forms import OverviewFilterForm
from .models import PartnerMonth
from .querysets import OverviewFilters
from .tables import ENGAGEMENT, OVERVIEW, SECTIONS, Table

EXPORT_FORMATS = ("csv", "xlsx")


def _filters(request: StaffRequest) -> tuple[OverviewFilterForm, OverviewFilters]:
    form = OverviewFilterForm(request.GET or None)
    today = timezone.localdate()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        return form, OverviewFilters(
            today=today,
            months=data["months"] or 12,
            region=data["region"],
            tier=data["tier"],
            program=data["program"],
            user=request.user,
        )
    return form, OverviewFilters(today=today, user=request.user)


PAGES = {
    "overview": (OVERVIEW, _l("Program overview")),
    "engagement": (ENGAGEMENT, _l("Engagement analytics")),
}


def _page(request: StaffRequest, page: str) -> HttpResponse:
    form, f = _filters(request)
    sections, title = PAGES[page]
    tables: list[Table] = [build(f) for build in sections.values()]
    for t in tables:
        for chart in t.charts:
            chart["json"] = json.dumps({k: v for k, v in chart.items() if k != "aria"}, default=str)
    return render(
        request,
        "insight/overview.html",
        {
            "form": form,
            "filter_form": render_filter_form(form),
            "filters": f,
            "tables": tables,
            "today": timezone.localdate(),
            "query": request.GET.urlencode(),
            "refreshed": PartnerMonth.objects.order_by().values_list("month", flat=True).last() is not None,
            "nav": page,
            "page_title": title,
            "other_page": "engagement" if page == "overview" else "overview",
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@staff_required
@require_safe
def overview(request: StaffRequest) -> HttpResponse:
    return _page(request, "overview")


@staff_required
@require_safe
def engagement(request: StaffRequest) -> HttpResponse:
    return _page(request, "engagement")


@staff_required
@require_safe
def overview_export(request: StaffRequest, key: str, fmt: str) -> HttpResponse:
    if key not in SECTIONS or fmt not in EXPORT_FORMATS:
        raise Http404(_("There is no such table."))
    form, f = _filters(request)
    table = SECTIONS[key](f)
    rows = [[safe_cell(c) for c in row] for row in table.plain_rows()]
    return export_response(
        fmt=fmt,
        name=f"overview-{key}-{f.today:%Y-%m-%d}",
        header=table.header,
        rows=rows,
        sheet=str(table.title)[:31],
    )
