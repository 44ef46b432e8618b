"""The console's metrics pages of partner communications (staff with ``communications.view_mailing``):
a mailing's report (figures, clicks per link, feedback, charts, the per-recipient export) and the
Partner Flash editions over time against the targets. Reads only (metrics.py).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from channelops.accounts.pages import StaffRequest
from channelops.core.listing import export_response
from channelops.core.pages import safe_cell, staff_required

from . import metrics
from .models import Mailing, RecipientStatus
from .querysets import VIEW_MAILING, VIEW_SUBSCRIBER

NAV = "comms_metrics"


def _require_view(request: HttpRequest) -> None:
    if not request.user.has_perm(VIEW_MAILING):
        raise PermissionDenied(_("Your role does not allow seeing mailing metrics."))


def _crumbs(*more: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"label": _("Mailing metrics"), "url": reverse("console:comms_metrics")}, *more]


def _chart(kind: str, labels: list[str], datasets: list[dict[str, Any]], **more: Any) -> str:
    return json.dumps({"type": kind, "labels": labels, "datasets": datasets, **more})


@staff_required
@require_safe
def mailing_report(request: StaffRequest, pk: int) -> HttpResponse:
    _require_view(request)
    mailing = get_object_or_404(Mailing.objects.visible_to(request.user), pk=pk)
    fig = metrics.figures(mailing)
    link_rows = metrics.link_clicks(mailing)
    feedback, feedback_total = metrics.feedback_list(mailing)
    ratings = metrics.rating_counts(mailing)
    days = metrics.daily_activity(mailing)
    activity_chart = (
        _chart(
            "line",
            [date_format(d["day"], "SHORT_DATE_FORMAT") for d in days],
            [
                {"label": _("Opens (people)"), "data": [d["opens"] for d in days]},
                {"label": _("Clicks (people)"), "data": [d["clicks"] for d in days]},
            ],
            x_title=_("Day"),
        )
        if days
        else ""
    )
    links_chart = (
        _chart(
            "bar",
            [str(r.link.position) for r in link_rows],
            [{"label": _("Clicks"), "data": [r.clicks for r in link_rows]}],
            x_title=_("Link"),
            y_title=_("Clicks"),
        )
        if any(r.clicks for r in link_rows)
        else ""
    )
    ratings_chart = (
        _chart(
            "bar",
            ["1", "2", "3", "4", "5"],
            [{"label": _("Readers"), "data": ratings}],
            x_title=_("Rating"),
            y_title=_("Readers"),
        )
        if any(ratings)
        else ""
    )
    return render(
        request,
        "communications/tracking/report.html",
        {
            "mailing": mailing,
            "f": fig,
            "link_rows": link_rows,
            "feedback": feedback,
            "feedback_total": feedback_total,
            "ratings": list(zip(range(1, 6), ratings, strict=True)),
            "days": days,
            "activity_chart": activity_chart,
            "links_chart": links_chart,
            "ratings_chart": ratings_chart,
            "show_addresses": request.user.has_perm(VIEW_SUBSCRIBER),
            "nav": NAV,
            "breadcrumbs": _crumbs({"label": mailing.title}),
        },
    )


EXPORT_HEADER = [
    gettext_lazy("E-mail"),
    gettext_lazy("Name"),
    gettext_lazy("Partner"),
    gettext_lazy("Status"),
    gettext_lazy("Sent"),
    gettext_lazy("First opened"),
    gettext_lazy("Opens"),
    gettext_lazy("Opened by a machine only"),
    gettext_lazy("First clicked"),
    gettext_lazy("Clicks"),
    gettext_lazy("Rating"),
    gettext_lazy("Comment"),
    gettext_lazy("Unsubscribed"),
    gettext_lazy("Bounced"),
    gettext_lazy("Complained"),
]


def _when(v: Any) -> str:
    return timezone.localtime(v).strftime("%Y-%m-%d %H:%M") if v else ""


def _yes(v: Any) -> str:
    return _("yes") if v else ""


def _export_rows(mailing: Mailing) -> Any:
    statuses = dict(RecipientStatus.choices)
    for r in metrics.recipient_report_rows(mailing).iterator(chunk_size=2000):
        bounce = _("hard") if r.hard_bounced else _("soft") if r.soft_bounced else ""  # type: ignore[attr-defined]
        yield [
            safe_cell(r.email),
            safe_cell(r.name),
            safe_cell(r.partner.legal_name if r.partner else ""),
            str(statuses.get(r.status, r.status)),
            _when(r.sent_at),
            _when(r.opened_at),
            r.opens,
            _yes(r.opened_at and r.machine_open),
            _when(r.clicked_at),
            r.clicks,
            r.rating or "",  # type: ignore[attr-defined]
            safe_cell(r.comment or ""),  # type: ignore[attr-defined]
            _yes(r.unsubscribed),  # type: ignore[attr-defined]
            bounce,
            _yes(r.complained),  # type: ignore[attr-defined]
        ]


@staff_required
@require_safe
def mailing_report_export(request: StaffRequest, pk: int, fmt: str) -> HttpResponse:
    _require_view(request)
    if not request.user.has_perm(VIEW_SUBSCRIBER):
        raise PermissionDenied(_("Your role does not allow seeing the readers' addresses."))
    if fmt not in ("csv", "xlsx"):
        raise Http404(_("There is no such export."))
    mailing = get_object_or_404(Mailing.objects.visible_to(request.user), pk=pk)
    return export_response(
        fmt=fmt,
        name=f"mailing-{mailing.pk}-recipients",
        header=[str(h) for h in EXPORT_HEADER],
        rows=_export_rows(mailing),
        sheet=_("Recipients"),
    )


@staff_required
@require_safe
def over_time(request: StaffRequest) -> HttpResponse:
    _require_view(request)
    data = metrics.flash_over_time()
    labels = [
        date_format(e.mailing.month, "YEAR_MONTH_FORMAT") if e.mailing.month else e.mailing.title
        for e in data.editions
    ]
    rates_chart = (
        _chart(
            "line",
            labels,
            [
                {"label": _("Open rate (%)"), "data": [e.figures.open_rate for e in data.editions]},
                {"label": _("Click rate (%)"), "data": [e.figures.click_rate for e in data.editions]},
                {
                    "label": _("Open rate target (%)"),
                    "data": [data.target_open_rate] * len(labels),
                    "color": "#9aa0ac",
                },
                {
                    "label": _("Click rate target (%)"),
                    "data": [data.target_click_rate] * len(labels),
                    "color": "#c8ccd3",
                },
            ],
            y_title="%",
        )
        if data.editions
        else ""
    )
    volume_chart = (
        _chart(
            "bar",
            labels,
            [
                {"label": _("Delivered"), "data": [e.figures.delivered for e in data.editions]},
                {"label": _("Opened (people)"), "data": [e.figures.human_openers for e in data.editions]},
                {"label": _("Clicked"), "data": [e.figures.clickers for e in data.editions]},
            ],
        )
        if data.editions
        else ""
    )
    return render(
        request,
        "communications/tracking/over_time.html",
        {
            "data": data,
            "rows": list(zip(labels, data.editions, strict=True)),
            "rates_chart": rates_chart,
            "volume_chart": volume_chart,
            "nav": NAV,
            "breadcrumbs": [{"label": _("Mailing metrics")}],
        },
    )


def partner_tab(user: Any, partner: Any) -> dict[str, Any]:
    """The "Partner Flash & mailings" tab of the console's partner page (Partner 360): the newest
    mailings the partner's people received and what they did with them. Two queries."""
    rows, total = metrics.history_for(partner=partner)
    return {
        "history": rows,
        "history_total": total,
        "history_summary": metrics.partner_summary(partner),
        "history_show_addresses": user.has_perm(VIEW_SUBSCRIBER),
        "history_report_links": user.has_perm(VIEW_MAILING),
    }


def may_see_partner_tab(user: Any) -> bool:
    return bool(user.has_perm(VIEW_MAILING))
