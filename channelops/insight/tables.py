"""The overview's tables: one definition serves the page, its charts' data tables and the
CSV/XLSX exports (docs/insight.md). A cell is a value, or ``(value, url)`` for a figure that
links to the filtered list behind it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from channelops.licensing.models import RequestStatus
from channelops.partners.models import ENGAGEMENT_WEIGHTS, EngagementKind, PartnerStatus

from . import engagement as eng
from . import querysets as q
from .querysets import OverviewFilters

Cell = Any


@dataclass
class Table:
    key: str
    title: str | Promise
    header: list[str]
    rows: list[list[Cell]]
    note: str | Promise = ""
    charts: list[dict[str, Any]] = field(default_factory=list)
    wide: bool = False  # many columns: the page's full width

    def display_rows(self) -> list[list[dict[str, Any]]]:
        """The rows for the page: ``{"text": …, "url": …}`` per cell."""
        return [
            [{"text": c[0], "url": c[1]} if isinstance(c, tuple) else {"text": c, "url": ""} for c in row]
            for row in self.rows
        ]

    def plain_rows(self) -> list[list[Any]]:
        """The rows without links, for the exports."""
        return [[c[0] if isinstance(c, tuple) else c for c in row] for row in self.rows]


def _url(name: str, **params: Any) -> str:
    params = {k: v for k, v in params.items() if v not in (None, "")}
    base = reverse(name)
    return f"{base}?{urlencode(params)}" if params else base


def _month(m: date) -> str:
    return date_format(m, "M Y")


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{v:g} %"


def _days(v: float | None) -> str:
    return "–" if v is None else f"{v:g}"


def partners_trend(f: OverviewFilters) -> Table:
    rows = q.partners_over_time(f)
    statuses = list(PartnerStatus.choices)
    return Table(
        key="partners-trend",
        title=_l("Partners by status, month by month"),
        header=[
            _("Month"),
            *[str(label) for _v, label in statuses],
            _("Total"),
            _("Active partners (MAP)"),
            _("MAP rate"),
        ],
        rows=[
            [_month(r["month"]), *[r[v] for v, _l2 in statuses], r["total"], r["map"], _pct(r["map_rate"])]
            for r in rows
        ],
        note=_l(
            "Status at each month's end. MAP (monthly active partners): active partners any of whose "
            "people signed in or did something in the portal that month; the rate is MAP divided by "
            "active partners."
        ),
        charts=[
            {
                "type": "bar",
                "stacked": True,
                "labels": [_month(r["month"]) for r in rows],
                "datasets": [{"label": str(label), "data": [r[v] for r in rows]} for v, label in statuses],
                "x_title": _("Month"),
                "y_title": _("Partners"),
                "aria": _("Partners by status, month by month"),
            },
            {
                "type": "line",
                "labels": [_month(r["month"]) for r in rows],
                "datasets": [
                    {"label": _("Active partners"), "data": [r[PartnerStatus.ACTIVE] for r in rows]},
                    {"label": _("Monthly active partners (MAP)"), "data": [r["map"] for r in rows]},
                ],
                "x_title": _("Month"),
                "y_title": _("Partners"),
                "aria": _("Monthly active partners"),
            },
        ],
    )


def partners_by(f: OverviewFilters, by: str) -> Table:
    titles = {
        "region": _l("Partners by region"),
        "tier": _l("Partners by tier"),
        "program": _l("Partners by program"),
    }
    first = {"region": _("Region"), "tier": _("Tier"), "program": _("Program")}[by]
    base = f.query()
    rows = []
    for r in q.partners_now(f, by):
        params = {**base, by: r["key"]}
        rows.append(
            [
                (r["label"], _url("console:directory", **params)),
                *[(r[v], _url("console:directory", **params, status=v)) for v in PartnerStatus.values],
                (r["total"], _url("console:directory", **params)),
                r["map"],
                _pct(r["map_rate"]),
            ]
        )
    return Table(
        key=f"partners-by-{by}",
        title=titles[by],
        header=[
            first,
            *[str(label) for _v, label in PartnerStatus.choices],
            _("Total"),
            _("MAP"),
            _("MAP rate"),
        ],
        rows=rows,
        note=_l("This month. A partner in several programs counts once in each."),
        wide=True,
    )


STEP_LABELS: dict[str, Promise] = {
    "received": _l("Applications received"),
    "verified": _l("E-mail verified"),
    "approved": _l("Approved"),
    "signed_in": _l("First sign-in"),
    "accepted": _l("Agreement accepted"),
    "first_use": _l("First NFR request or certification"),
}


def funnel(f: OverviewFilters) -> Table:
    data = q.funnel(f)
    rows = []
    for region in [data["total"], *data["regions"]]:
        name = region["region"] or _("All regions")
        for s in region["steps"]:
            rows.append(
                [name, str(STEP_LABELS[s["key"]]), s["count"], _pct(s["conversion"]), _days(s["median_days"])]
            )
    total = data["total"]["steps"]
    return Table(
        key="funnel",
        title=_l("From application to first use"),
        header=[
            _("Region"),
            _("Step"),
            _("Reached"),
            _("Conversion from the step before"),
            _("Median days from the step before"),
        ],
        rows=rows,
        note=_l("Applications received in the period and how far each has got so far."),
        charts=[
            {
                "type": "bar",
                "labels": [str(STEP_LABELS[s["key"]]) for s in total],
                "datasets": [{"label": _("Applications"), "data": [s["count"] for s in total]}],
                "x_title": _("Step"),
                "y_title": _("Applications"),
                "aria": _("From application to first use"),
            }
        ],
    )


def nfr_pipeline(f: OverviewFilters) -> Table:
    rows = q.nfr_pipeline(f)
    statuses = list(RequestStatus.choices)
    linked = f.may("licensing.view_nfrrequest")
    base = f.query()

    def cell(n: int, month: date, status: str = "") -> Cell:
        if not linked:
            return n
        return (n, _url("console:nfr_requests", **base, month=f"{month:%Y-%m}", status=status))

    return Table(
        key="nfr-pipeline",
        title=_l("NFR requests per month"),
        header=[_("Month submitted"), *[str(label) for _v, label in statuses], _("Total")],
        rows=[
            [
                _month(r["month"]),
                *[cell(r[v], r["month"], v) for v, _x in statuses],
                cell(r["total"], r["month"]),
            ]
            for r in rows
        ],
        note=_l("By each request's status today."),
        charts=[
            {
                "type": "bar",
                "stacked": True,
                "labels": [_month(r["month"]) for r in rows],
                "datasets": [{"label": str(label), "data": [r[v] for r in rows]} for v, label in statuses],
                "x_title": _("Month submitted"),
                "y_title": _("Requests"),
                "aria": _("NFR requests per month"),
            }
        ],
    )


def decisions(f: OverviewFilters) -> Table:
    d = q.decision_times(f)
    return Table(
        key="nfr-decisions",
        title=_l("Time to decision"),
        header=[
            _("Requests decided"),
            _("Median (days)"),
            _("90th percentile (days)"),
            _("Target (days)"),
            _("Within target"),
        ],
        rows=[
            [
                d["decided"],
                _days(d["median_days"]),
                _days(d["p90_days"]),
                d["target_days"],
                _pct(d["within_rate"]),
            ]
        ],
        note=_l("Submission to approval or rejection, for the requests decided in the period."),
    )


def licenses(f: OverviewFilters) -> Table:
    return Table(
        key="licenses-expiring",
        title=_l("Licenses expiring"),
        header=[_("Within"), _("Licenses")],
        rows=[
            [
                _("%(days)s days") % {"days": r["days"]},
                (r["count"], _url("console:licenses", within=r["days"]))
                if f.may("licensing.view_license")
                else r["count"],
            ]
            for r in q.licenses_expiring(f)
        ],
        note=_l("Not revoked, expiring from today."),
    )


def certified(f: OverviewFilters) -> Table:
    return Table(
        key="certified-people",
        title=_l("Certified people"),
        header=[_("Certification"), _("People"), _("Partners")],
        rows=[[r["certification__name"], r["people"], r["partners"]] for r in q.certified_people(f)],
        note=_l("People whose certification is valid today."),
    )


def partner_certs(f: OverviewFilters) -> Table:
    return Table(
        key="partner-certifications",
        title=_l("Partners meeting each partner certification"),
        header=[_("Partner certification"), _("Partners")],
        rows=[
            [(r["certification__name"], reverse("console:partner_certifications")), r["partners"]]
            for r in q.partner_certifications(f)
        ],
    )


def badges(f: OverviewFilters) -> Table:
    b = q.badges_issued(f)
    return Table(
        key="badges",
        title=_l("Badges"),
        header=[_("Issued in the period"), _("Valid today")],
        rows=[[b["issued_in_period"], b["valid_now"]]],
    )


def agreements(f: OverviewFilters) -> Table:
    rows = q.agreement_compliance(f)
    base = f.query()

    def report(n: int, **params: Any) -> Cell:
        return (n, _url("console:agreement_report", **{**base, **params}))

    def total(key: str) -> int:
        return sum(r[key] for r in rows)

    table_rows = [
        [
            r["name"],
            (r["active"], _url("console:directory", **{**base, "region": r["code"], "status": "active"})),
            r["accepted"],
            _pct(r["rate"]),
            *[report(r[s], region=r["code"], state=s) for s in q.COMPLIANCE_STATES],
        ]
        for r in rows
    ]
    if len(rows) > 1:
        active, accepted = total("active"), total("accepted")
        table_rows.append(
            [
                _("All regions"),
                (active, _url("console:directory", **{**base, "status": "active"})),
                accepted,
                _pct(round(100 * accepted / active, 1) if active else None),
                *[report(total(s), state=s) for s in q.COMPLIANCE_STATES],
            ]
        )
    return Table(
        key="agreement-compliance",
        title=_l("Agreement compliance"),
        header=[
            _("Region"),
            _("Active"),
            _("All accepted"),
            _("Compliance"),
            _("Re-accept due"),
            _("Overdue"),
            _("Never accepted"),
            _("Negotiating"),
        ],
        rows=table_rows,
        note=_l(
            "Today. All accepted: active partners with every agreement that applies to them accepted in its "
            "current version; compliance is their share. The other columns count partners with at least one "
            "agreement in that state (a partner may count in several): a re-acceptance due is still covered "
            "by the earlier version until its deadline, an overdue one is not."
        ),
        wide=True,
    )


def reviews(f: OverviewFilters) -> Table:
    return Table(
        key="reviews",
        title=_l("Account reviews this quarter"),
        header=[_("Region"), _("Due so far"), _("Done"), _("Done by the due date"), _("Completion")],
        rows=[
            [(r["name"], reverse("console:reviews")), r["due"], r["done"], r["on_time"], _pct(r["rate"])]
            for r in q.review_completion(f)
        ],
        note=_l(
            "Reviews due from the quarter's start up to today; completion counts those done by their due date."
        ),
    )


def _partner_link(pk: int, name: str) -> tuple[str, str]:
    return (name, reverse("console:partner_detail", args=[pk]))


def engagement_months(f: OverviewFilters) -> Table:
    rows = eng.engagement_by_month(f)
    cols = [
        ("sign_ins", _("Sign-ins")),
        ("active_users", _("Active people")),
        ("new_users", _("New people")),
        ("requests", _("Requests")),
        ("downloads", _("Downloads")),
        ("page_views", _("Portal page views")),
        ("partners_active", _("Partners with activity")),
    ]
    return Table(
        key="engagement-months",
        title=_l("Engagement month by month"),
        header=[_("Month"), *[label for _k, label in cols]],
        rows=[[_month(r["month"]), *[r[k] for k, _x in cols]] for r in rows],
        note=_l(
            "Active people: partner people with at least one recorded action in the month. New people: "
            "people who joined a partner in the month. Page views: successful portal pages opened."
        ),
        charts=[
            {
                "type": "line",
                "labels": [_month(r["month"]) for r in rows],
                "datasets": [
                    {"label": str(label), "data": [r[k] for r in rows]} for k, label in cols[:3] + cols[5:6]
                ],
                "x_title": _("Month"),
                "y_title": _("Count"),
                "aria": _("Engagement month by month"),
            }
        ],
    )


def engagement_weeks(f: OverviewFilters) -> Table:
    rows = eng.engagement_by_week(f)
    cols = [
        ("sign_ins", _("Sign-ins")),
        ("events", _("All actions")),
        ("requests", _("Requests")),
        ("downloads", _("Downloads")),
        ("page_views", _("Portal page views")),
    ]
    return Table(
        key="engagement-weeks",
        title=_l("The last 13 weeks"),
        header=[_("Week starting (Monday)"), *[label for _k, label in cols]],
        rows=[[date_format(r["week"], "j M Y"), *[r[k] for k, _x in cols]] for r in rows],
        charts=[
            {
                "type": "bar",
                "labels": [date_format(r["week"], "j M") for r in rows],
                "datasets": [{"label": str(label), "data": [r[k] for r in rows]} for k, label in cols[:2]],
                "x_title": _("Week starting (Monday)"),
                "y_title": _("Count"),
                "aria": _("Engagement over the last 13 weeks"),
            }
        ],
    )


def top(f: OverviewFilters) -> Table:
    return Table(
        key="top-partners",
        title=_l("Most engaged partners"),
        header=[_("Partner"), _("Region"), _("Tier"), _("90-day score")],
        rows=[
            [
                _partner_link(r["pk"], r["legal_name"]),
                r["region__code"],
                r["tier__name"],
                r["engagement_score"],
            ]
            for r in eng.top_partners(f)
        ],
    )


def falling(f: OverviewFilters) -> Table:
    return Table(
        key="falling-partners",
        title=_l("Falling engagement"),
        header=[
            _("Partner"),
            _("Region"),
            _("Points, 3 months before"),
            _("Points, last 3 months"),
            _("Change"),
        ],
        rows=[
            [
                _partner_link(r["partner_id"], r["partner__legal_name"]),
                r["region__code"],
                r["before"],
                r["recent"],
                _pct(r["change"]),
            ]
            for r in eng.falling_partners(f)
        ],
        note=_l(
            "Active partners whose engagement points fell most: the last three complete months against the three before."
        ),
    )


def dormant(f: OverviewFilters) -> Table:
    data = eng.dormant_partners(f)
    return Table(
        key="dormant-partners",
        title=_l("No sign-in in 90 days"),
        header=[_("Partner"), _("Region"), _("Tier")],
        rows=[
            [_partner_link(r["pk"], r["legal_name"]), r["region__code"], r["tier__name"]]
            for r in data["rows"]
        ],
        note=_("%(count)s active partners; the first %(shown)s by name are listed.")
        % {"count": data["count"], "shown": min(data["count"], eng.DORMANT_SHOWN)},
    )


def score(f: OverviewFilters) -> Table:
    kinds = dict(EngagementKind.choices)
    return Table(
        key="engagement-score",
        title=_l("How the engagement score is counted"),
        header=[_("Action"), _("Points")],
        rows=[
            [str(kinds[k]), w] for k, w in sorted(ENGAGEMENT_WEIGHTS.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        note=_l(
            "A partner's score is the sum of its people's points over the last 90 days, recomputed every "
            "hour. Portal page views are counted separately and do not add points."
        ),
    )


ENGAGEMENT: dict[str, Callable[[OverviewFilters], Table]] = {
    "engagement-months": engagement_months,
    "engagement-weeks": engagement_weeks,
    "top-partners": top,
    "falling-partners": falling,
    "dormant-partners": dormant,
    "engagement-score": score,
}

OVERVIEW: dict[str, Callable[[OverviewFilters], Table]] = {
    "partners-trend": partners_trend,
    "partners-by-region": lambda f: partners_by(f, "region"),
    "partners-by-tier": lambda f: partners_by(f, "tier"),
    "partners-by-program": lambda f: partners_by(f, "program"),
    "funnel": funnel,
    "nfr-pipeline": nfr_pipeline,
    "nfr-decisions": decisions,
    "licenses-expiring": licenses,
    "agreement-compliance": agreements,
    "certified-people": certified,
    "partner-certifications": partner_certs,
    "badges": badges,
    "reviews": reviews,
}

#: Every table of the insight pages, by key (the exports' URLs).
SECTIONS: dict[str, Callable[[OverviewFilters], Table]] = {**OVERVIEW, **ENGAGEMENT}
