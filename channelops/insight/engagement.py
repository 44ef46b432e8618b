"""Reads of the insight app: engagement analytics (docs/insight.md) — month-by-month and weekly
activity, the most engaged, falling and dormant partners.

Every function takes the page's :class:`~channelops.insight.querysets.OverviewFilters` and returns
plain rows with a constant number of queries, whatever the program's size.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth, TruncWeek

from channelops.partners.models import EngagementDaily, PartnerMembership, PartnerStatus

from .models import PartnerMonth, PortalViewDaily
from .months import add_months
from .querysets import OverviewFilters, filtered_partners, months_qs, partner_months_filtered, rate

DORMANT_DAYS = 90
DORMANT_SHOWN = 50


def _sums(*names: str) -> dict[str, Sum]:
    """``name=Sum(name)`` for each of ``names``, to annotate rollup rows with."""
    return {name: Sum(name) for name in names}


def engagement_by_month(f: OverviewFilters) -> list[dict[str, Any]]:
    """Per month: sign-ins, active people, new people, requests, downloads, portal page views and
    partners with any activity, from the monthly rollup (one query) and memberships (one query)."""
    sums: dict[date, dict[str, Any]] = {
        r["month"]: dict(r)
        for r in months_qs(f)
        .values("month")
        .annotate(
            **_sums("sign_ins", "active_users", "requests", "downloads", "page_views"),
            partners_active=Count("id", filter=Q(active=True)),
        )
        .order_by("month")
    }
    new_people: dict[date, int] = {}
    for r in (
        PartnerMembership.objects.filter(f.partner_q("partner__"), created_at__gte=f.start_instant)
        .annotate(m=TruncMonth("created_at"))
        .values("m")
        .annotate(n=Count("id", distinct=True))
        .order_by()
    ):
        new_people[r["m"].date() if isinstance(r["m"], datetime) else r["m"]] = r["n"]
    keys = ("sign_ins", "active_users", "requests", "downloads", "page_views", "partners_active")
    return [
        {"month": m, **{k: (sums.get(m) or {}).get(k) or 0 for k in keys}, "new_users": new_people.get(m, 0)}
        for m in f.month_list
    ]


def engagement_by_week(f: OverviewFilters, weeks: int = 13) -> list[dict[str, Any]]:
    """The last ``weeks`` weeks (Monday to Sunday): sign-ins, events, requests, downloads from the
    daily rollup and portal page views. Two queries."""
    monday = f.today - timedelta(days=f.today.weekday())
    first = monday - timedelta(weeks=weeks - 1)
    rows: dict[date, dict[str, int]] = {first + timedelta(weeks=i): {} for i in range(weeks)}
    r: Any
    for r in (
        EngagementDaily.objects.filter(f.partner_q("partner__"), day__gte=first, day__lte=f.today)
        .annotate(w=TruncWeek("day"))
        .values("w")
        .annotate(**_sums("sign_ins", "events", "requests", "downloads"))
        .order_by()
    ):
        rows.setdefault(_day(r["w"]), {}).update(
            {k: r[k] for k in ("sign_ins", "events", "requests", "downloads")}
        )
    for r in (
        PortalViewDaily.objects.filter(f.partner_q("partner__"), day__gte=first, day__lte=f.today)
        .annotate(w=TruncWeek("day"))
        .values("w")
        .annotate(n=Sum("views"))
        .order_by()
    ):
        rows.setdefault(_day(r["w"]), {})["page_views"] = r["n"]
    keys = ("sign_ins", "events", "requests", "downloads", "page_views")
    return [{"week": w, **{k: v.get(k) or 0 for k in keys}} for w, v in sorted(rows.items())]


def _day(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value


def top_partners(f: OverviewFilters, n: int = 10) -> list[dict[str, Any]]:
    """The active partners with the highest 90-day engagement score. One query."""
    rows: Any = (
        filtered_partners(f)
        .filter(status=PartnerStatus.ACTIVE, engagement_score__gt=0)
        .order_by("-engagement_score", "legal_name")
        .values("pk", "legal_name", "region__code", "tier__name", "engagement_score")[:n]
    )
    return list(rows)


def falling_partners(f: OverviewFilters, n: int = 10) -> list[dict[str, Any]]:
    """Active partners whose engagement points fell most: the last three complete months against
    the three before, from the monthly rollup. One query."""
    complete = f.month_list[-1]  # this month is not complete: compare the six months before it
    recent = [add_months(complete, -i) for i in (1, 2, 3)]
    before = [add_months(complete, -i) for i in (4, 5, 6)]
    qs = partner_months_filtered(
        PartnerMonth.objects.filter(month__in=recent + before, partner__status=PartnerStatus.ACTIVE), f
    )
    rows = (
        qs.values("partner_id", "partner__legal_name", "region__code")
        .annotate(
            recent=Coalesce(Sum("points", filter=Q(month__in=recent)), 0),
            before=Coalesce(Sum("points", filter=Q(month__in=before)), 0),
        )
        .annotate(drop=F("before") - F("recent"))
        .filter(drop__gt=0)
        .order_by("-drop", "partner__legal_name")[:n]
    )
    return [{**r, "change": rate(r["recent"] - r["before"], r["before"])} for r in rows]


def dormant_partners(f: OverviewFilters) -> dict[str, Any]:
    """Active partners none of whose people signed in in the last 90 days: how many, and the
    first 50 by name. Two queries."""
    since = f.today - timedelta(days=DORMANT_DAYS)
    signed_in = EngagementDaily.objects.filter(day__gt=since, sign_ins__gt=0).values("partner_id")
    qs = filtered_partners(f).filter(status=PartnerStatus.ACTIVE).exclude(pk__in=signed_in)
    return {
        "count": qs.count(),
        "rows": list(
            qs.order_by("legal_name", "pk").values("pk", "legal_name", "region__code", "tier__name")[
                :DORMANT_SHOWN
            ]
        ),
    }
