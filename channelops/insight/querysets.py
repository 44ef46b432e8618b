"""Reads of the insight app: the program overview's figures (docs/insight.md; engagement analytics are in
``engagement.py``).

Every function takes the page's :class:`OverviewFilters` (region, tier, program, period) and
returns plain rows with a constant number of queries, whatever the program's size. Partner counts
over time come from the ``PartnerMonthTotal`` totals of the ``PartnerMonth`` rollup; requests, licenses, certifications, badges and
reviews are counted on their own (small) tables with one ``GROUP BY`` each.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from channelops.agreements.models import Acceptance
from channelops.badges.models import Badge, BadgeStatus
from channelops.enablement.models import PartnerCertificationStatus, PractitionerRecord
from channelops.enablement.models.awards import CertState
from channelops.helpdesk.models import AccountReview, ReviewStatus
from channelops.helpdesk.selection import quarter_bounds
from channelops.licensing.models import License, NfrRequest, RequestStatus
from channelops.partners.models import (
    Application,
    EngagementDaily,
    Partner,
    PartnerStatus,
    Program,
    Region,
    Tier,
)

from .models import PartnerMonth, PartnerMonthTotal
from .months import last_months, month_last_day

PERIODS = (3, 6, 12)


@dataclass(frozen=True)
class OverviewFilters:
    """The filters that apply to the whole overview page."""

    today: date
    months: int = 12
    region: Region | None = None
    tier: Tier | None = None
    program: Program | None = None
    user: Any = field(default=None, compare=False)  # the person looking: links only to pages they may open

    def may(self, perm: str) -> bool:
        return self.user is None or bool(self.user.has_perm(perm))

    @property
    def month_list(self) -> list[date]:
        return last_months(self.today, self.months)

    @property
    def start(self) -> date:
        return self.month_list[0]

    @property
    def start_instant(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, datetime.min.time()))

    def partner_q(self, prefix: str = "") -> Q:
        """The filter on partners, for a model reaching the partner through ``prefix``."""
        q = Q()
        if self.region is not None:
            q &= Q(**{f"{prefix}region": self.region})
        if self.tier is not None:
            q &= Q(**{f"{prefix}tier": self.tier})
        if self.program is not None:
            q &= Q(**{f"{prefix}programs": self.program})
        return q

    def query(self) -> dict[str, str]:
        """The filters as the directory's (and other lists') query parameters."""
        out: dict[str, str] = {}
        if self.region is not None:
            out["region"] = self.region.code
        if self.tier is not None:
            out["tier"] = self.tier.slug
        if self.program is not None:
            out["program"] = self.program.slug
        return out


def months_qs(f: OverviewFilters) -> QuerySet[PartnerMonth]:
    """The ``PartnerMonth`` rollup rows of the filters' months, region, tier and program."""
    return partner_months_filtered(
        PartnerMonth.objects.filter(month__gte=f.start, month__lte=f.month_list[-1]), f
    )


def partner_months_filtered(qs: QuerySet[PartnerMonth], f: OverviewFilters) -> QuerySet[PartnerMonth]:
    """``PartnerMonth`` rows narrowed to the filters' region, tier and program."""
    if f.region is not None:
        qs = qs.filter(region=f.region)
    if f.tier is not None:
        qs = qs.filter(tier=f.tier)
    if f.program is not None:
        qs = qs.filter(partner__programs=f.program)
    return qs


def rate(part: int, whole: int) -> float | None:
    """``part`` as a percentage of ``whole`` (one decimal; None when ``whole`` is 0)."""
    return round(100 * part / whole, 1) if whole else None


def filtered_partners(f: OverviewFilters) -> QuerySet[Partner]:
    """The partners the filters select (distinct when filtered by program)."""
    return (
        Partner.objects.filter(f.partner_q()).distinct()
        if f.program
        else Partner.objects.filter(f.partner_q())
    )


# --- partners ------------------------------------------------------------------------------------


def totals_qs(f: OverviewFilters) -> QuerySet[PartnerMonthTotal]:
    """The ``PartnerMonthTotal`` rows of the filters' months, region, tier and program: with a
    program, that program's rows; without, the rows that count every partner once."""
    qs = PartnerMonthTotal.objects.filter(month__gte=f.start, month__lte=f.month_list[-1])
    if f.region is not None:
        qs = qs.filter(region=f.region)
    if f.tier is not None:
        qs = qs.filter(tier=f.tier)
    return qs.filter(program=f.program) if f.program is not None else qs.filter(program__isnull=True)


def partners_over_time(f: OverviewFilters) -> list[dict[str, Any]]:
    """Per month: partners by status at the month's end, and the monthly active partners (MAP):
    active-status partners any of whose people signed in or acted in the month. One query, on
    the monthly totals of the ``PartnerMonth`` rollup."""
    counts: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in (
        totals_qs(f).values("month", "status").annotate(n=Sum("partners"), active=Sum("active")).order_by()
    ):
        counts[r["month"]][r["status"]] += r["n"]
        counts[r["month"]]["map"] += r["active"]
    rows = []
    for month in f.month_list:
        c = counts.get(month, {})
        row: dict[str, Any] = {"month": month, "total": sum(c.get(s, 0) for s in PartnerStatus.values)}
        for s in PartnerStatus.values:
            row[s] = c.get(s, 0)
        row["map"] = c.get("map", 0)
        row["map_rate"] = rate(row["map"], row[PartnerStatus.ACTIVE])
        rows.append(row)
    return rows


def partners_now(f: OverviewFilters, by: str) -> list[dict[str, Any]]:
    """This month's partners per ``by`` (``region``, ``tier`` or ``program``) and status, with the
    month's active partners (MAP). One query, on the monthly totals."""
    field = {"region": "region__code", "tier": "tier__name", "program": "program__name"}[by]
    key = {"region": "region__code", "tier": "tier__slug", "program": "program__slug"}[by]
    order = {"region": "region__code", "tier": "tier__rank", "program": "program__name"}[by]
    this_month = f.month_list[-1]
    qs = totals_qs(f).filter(month=this_month)
    if by == "program" and f.program is None:
        # per program: the programs' rows (a partner in several programs counts once in each)
        qs = PartnerMonthTotal.objects.filter(month=this_month, program__isnull=False)
        if f.region is not None:
            qs = qs.filter(region=f.region)
        if f.tier is not None:
            qs = qs.filter(tier=f.tier)
    rows: dict[str, dict[str, Any]] = {}
    for r in (
        qs.values(field, key, "status")
        .annotate(n=Sum("partners"), active=Sum("active"))
        .order_by(order, "status")
    ):
        if r[key] is None:
            continue
        row = rows.setdefault(
            r[key],
            {
                "key": r[key],
                "label": r[field],
                "total": 0,
                "map": 0,
                **dict.fromkeys(PartnerStatus.values, 0),
            },
        )
        row[r["status"]] += r["n"]
        row["total"] += r["n"]
        row["map"] += r["active"]
    for row in rows.values():
        row["map_rate"] = rate(row["map"], row[PartnerStatus.ACTIVE])
    return list(rows.values())


# --- funnel --------------------------------------------------------------------------------------

FUNNEL_STEPS = ("received", "verified", "approved", "signed_in", "accepted", "first_use")


def _local_day(value: Any, tz: Any) -> date | None:
    """A date, or a datetime as the local date in ``tz`` (``timezone.localdate`` without its
    per-call lookups: the funnel converts tens of thousands of values)."""
    if isinstance(value, datetime):
        return value.astimezone(tz).date()
    return value


def _days(a: Any, b: Any, tz: Any = None) -> float | None:
    if a is None or b is None:
        return None
    tz = tz or timezone.get_current_timezone()
    return max(0, (_local_day(b, tz) - _local_day(a, tz)).days)  # type: ignore[operator]


def funnel(f: OverviewFilters) -> dict[str, Any]:
    """Applications received in the period and how far each got: verified → approved → first
    sign-in → first agreement accepted → first NFR request or certification; per region, with
    conversion from the previous step and the median days between steps. Five queries."""
    apps = Application.objects.filter(created_at__gte=f.start_instant)
    if f.region is not None:
        apps = apps.filter(region=f.region)
    if f.program is not None:
        apps = apps.filter(programs=f.program)
    if f.tier is not None:
        apps = apps.filter(partner__tier=f.tier)
    rows = list(
        apps.values_list(
            "pk", "region__code", "created_at", "verified_at", "decided_at", "status", "partner_id"
        )
    )
    partner_ids = apps.exclude(partner=None).values("partner_id")
    first_sign_in = dict(
        EngagementDaily.objects.filter(partner_id__in=partner_ids, sign_ins__gt=0)
        .values("partner_id")
        .annotate(d=Min("day"))
        .values_list("partner_id", "d")
    )
    first_accept = dict(
        Acceptance.objects.filter(partner_id__in=partner_ids)
        .values("partner_id")
        .annotate(d=Min("accepted_at"))
        .values_list("partner_id", "d")
    )
    first_nfr = dict(
        NfrRequest.objects.filter(partner_id__in=partner_ids)
        .values("partner_id")
        .annotate(d=Min("created_at"))
        .values_list("partner_id", "d")
    )
    first_cert = dict(
        PractitionerRecord.objects.filter(partner_id__in=partner_ids, exam_passed=True)
        .values("partner_id")
        .annotate(d=Min("completed_on"))
        .values_list("partner_id", "d")
    )
    tz = timezone.get_current_timezone()
    per_region: dict[str, dict[str, Any]] = {}
    total = _empty_funnel("")
    for _pk, region, created, verified, decided, status, pid in rows:
        approved = decided if status == "approved" and pid else None
        # Each step's local date (the days between steps are counted on dates), or None.
        days_at: list[date | None] = [
            _local_day(created, tz),
            _local_day(verified, tz),
            _local_day(approved, tz),
        ]
        if approved is not None:
            uses = [d for d in (first_nfr.get(pid), first_cert.get(pid)) if d is not None]
            days_at += [
                _local_day(first_sign_in.get(pid), tz),
                _local_day(first_accept.get(pid), tz),
                min(_local_day(d, tz) for d in uses) if uses else None,  # type: ignore[type-var]
            ]
        key = region or ""
        if key not in per_region:
            per_region[key] = _empty_funnel(key)
        targets = (total, per_region[key])
        previous: date | None = None
        for i, step in enumerate(FUNNEL_STEPS):
            day = days_at[i] if i < len(days_at) else None
            if day is None:
                break
            for target in targets:
                target["counts"][step] += 1
                if i:
                    target["days"][step].append(max(0, (day - previous).days))  # type: ignore[operator]
            previous = day
    return {
        "total": _finish_funnel(total),
        "regions": [_finish_funnel(r) for _k, r in sorted(per_region.items())],
    }


def _empty_funnel(region: str) -> dict[str, Any]:
    return {"region": region, "counts": dict.fromkeys(FUNNEL_STEPS, 0), "days": {s: [] for s in FUNNEL_STEPS}}


def _finish_funnel(data: dict[str, Any]) -> dict[str, Any]:
    steps = []
    previous = None
    for step in FUNNEL_STEPS:
        n = data["counts"][step]
        days = data["days"][step]
        steps.append(
            {
                "key": step,
                "count": n,
                "conversion": rate(n, data["counts"][previous]) if previous else None,
                "median_days": statistics.median(days) if days else None,
            }
        )
        previous = step
    return {"region": data["region"], "steps": steps}


# --- requests and licenses -----------------------------------------------------------------------


def nfr_pipeline(f: OverviewFilters) -> list[dict[str, Any]]:
    """NFR requests submitted per month of the period, by their status today. One query."""
    counts: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in (
        NfrRequest.objects.filter(f.partner_q("partner__"), created_at__gte=f.start_instant)
        .annotate(m=TruncMonth("created_at"))
        .values("m", "status")
        .annotate(n=Count("id"))
        .order_by()
    ):
        m = r["m"].date() if isinstance(r["m"], datetime) else r["m"]
        counts[m][r["status"]] += r["n"]
    rows = []
    for month in f.month_list:
        c = counts.get(month, {})
        row: dict[str, Any] = {"month": month, **{s: c.get(s, 0) for s in RequestStatus.values}}
        row["total"] = sum(c.values())
        rows.append(row)
    return rows


def _percentile(values: list[float], p: float) -> float | None:
    """The ``p``-th percentile (nearest rank) of ``values``."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil
    return ordered[int(rank) - 1]


def decision_times(f: OverviewFilters) -> dict[str, Any]:
    """Time from submission to decision (approve or reject) of the requests decided in the period,
    in days (hours / 24): median and 90th percentile, against ``CHANNELOPS_NFR_DECISION_TARGET_DAYS``.
    One query."""
    spans = [
        (decided - created).total_seconds() / 86400
        for created, decided in NfrRequest.objects.filter(
            f.partner_q("partner__"), decided_at__gte=f.start_instant, decided_at__isnull=False
        ).values_list("created_at", "decided_at")
        if decided is not None
    ]
    target = settings.NFR_DECISION_TARGET_DAYS
    within = sum(1 for s in spans if s <= target)
    median = statistics.median(spans) if spans else None
    return {
        "decided": len(spans),
        "median_days": round(median, 1) if median is not None else None,
        "p90_days": round(p90, 1) if (p90 := _percentile(spans, 90)) is not None else None,
        "target_days": target,
        "within_target": within,
        "within_rate": rate(within, len(spans)),
    }


EXPIRY_WINDOWS = (30, 60, 90)


def licenses_expiring(f: OverviewFilters) -> list[dict[str, Any]]:
    """Licenses (not revoked) expiring within 30, 60 and 90 days of today. One query."""
    today = f.today
    counts = License.objects.filter(
        f.partner_q("partner__"), revoked_at__isnull=True, expires__gte=today
    ).aggregate(
        **{f"d{d}": Count("id", filter=Q(expires__lte=today + timedelta(days=d))) for d in EXPIRY_WINDOWS}
    )
    return [{"days": d, "count": counts[f"d{d}"] or 0} for d in EXPIRY_WINDOWS]


# --- enablement, badges, reviews -----------------------------------------------------------------


def certified_people(f: OverviewFilters) -> list[dict[str, Any]]:
    """People certified today per certification (distinct e-mail addresses). One query."""
    return list(
        PractitionerRecord.objects.certified(f.today)
        .filter(f.partner_q("partner__"))
        .values("certification_id", "certification__name")
        .annotate(people=Count("email", distinct=True), partners=Count("partner", distinct=True))
        .order_by("certification__name")
    )


def partner_certifications(f: OverviewFilters) -> list[dict[str, Any]]:
    """Partners meeting each partner certification (certified, or certified and under review). One query."""
    rows: Any = (
        PartnerCertificationStatus.objects.filter(
            f.partner_q("partner__"), state__in=[CertState.AWARDED, CertState.UNDER_REVIEW]
        )
        .values("certification_id", "certification__name")
        .annotate(partners=Count("partner", distinct=True))
        .order_by("certification__name")
    )
    return list(rows)


def badges_issued(f: OverviewFilters) -> dict[str, int]:
    """Badges issued in the period, and badges valid today. One query."""
    return Badge.objects.filter(f.partner_q("partner__")).aggregate(
        issued_in_period=Count(
            "id",
            filter=Q(issued_at__gte=f.start_instant, status__in=[BadgeStatus.ISSUED, BadgeStatus.REVOKED]),
        ),
        valid_now=Count(
            "id",
            filter=Q(status=BadgeStatus.ISSUED) & (Q(valid_until__isnull=True) | Q(valid_until__gt=f.today)),
        ),
    )


def review_completion(f: OverviewFilters) -> list[dict[str, Any]]:
    """This quarter's account reviews due up to today, per region: done, and done by the due date. One query."""
    start, end, _m = quarter_bounds(f.today)
    rows = []
    for r in (
        AccountReview.objects.filter(
            f.partner_q("partner__"), due_date__gte=start, due_date__lte=min(f.today, end - timedelta(days=1))
        )
        .values("partner__region__code", "partner__region__name")
        .annotate(
            due=Count("id", distinct=True),
            done=Count("id", filter=Q(status=ReviewStatus.DONE), distinct=True),
            on_time=Count(
                "id", filter=Q(status=ReviewStatus.DONE, completed_at__date__lte=F("due_date")), distinct=True
            ),
        )
        .order_by("partner__region__code")
    ):
        rows.append(
            {
                "code": r["partner__region__code"],
                "name": r["partner__region__name"],
                "due": r["due"],
                "done": r["done"],
                "on_time": r["on_time"],
                "rate": rate(r["on_time"], r["due"]),
            }
        )
    return rows


# --- agreements ----------------------------------------------------------------------------------

COMPLIANCE_STATES = ("due", "overdue", "required", "negotiating")


def agreement_compliance(f: OverviewFilters) -> list[dict[str, Any]]:
    """Per region, today: active partners, those with every applicable agreement accepted in its
    current version, and the partners with an agreement in each not-accepted state (a partner may
    count under several). Read from the maintained compliance table (two queries)."""
    from channelops.agreements.querysets import compliance_rows

    active = dict(
        filtered_partners(f)
        .filter(status=PartnerStatus.ACTIVE)
        .values_list("region__code")
        .annotate(n=Count("id", distinct=True))
        .order_by()
    )
    names = dict(Region.objects.values_list("code", "name"))
    rows_qs = compliance_rows(
        region=f.region.code if f.region else "",
        tier=f.tier.slug if f.tier else "",
        program=f.program.slug if f.program else "",
        today=f.today,
    ).order_by()
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for r in rows_qs.values("region").annotate(
        any=Count("partner_id", distinct=True),
        **{s: Count("partner_id", filter=Q(state=s), distinct=True) for s in COMPLIANCE_STATES},
    ):
        counts[r["region"]] = r
    out = []
    for code in sorted(set(active) | set(counts)):
        c = counts.get(code, {})
        n = active.get(code, 0)
        accepted = max(0, n - c.get("any", 0))
        out.append(
            {
                "code": code,
                "name": names.get(code, code),
                "active": n,
                "accepted": accepted,
                "rate": rate(accepted, n),
                **{s: c.get(s, 0) for s in COMPLIANCE_STATES},
            }
        )
    return out


def month_bounds(month: date) -> tuple[date, date]:
    return month, month_last_day(month)
