"""Who is due on a review occurrence (SPEC S9): new applicants, new partners, the quarterly rotation.

Every function answers for one occurrence of one region's cadence (or of a cadence without
a region: then every region) and returns :class:`Candidate` rows; creating the reviews is the
service's job. The windows are dates in the current time zone:

* weekly — partners created from the previous occurrence's date up to the day before this one;
* monthly — partners created in the calendar month before the occurrence;
* quarterly Select — the region's active Select partners, ordered by id, split into thirds by
  rank (rank mod 3 = month of the fiscal quarter − 1); a partner already reviewed this quarter
  is skipped, and the quarter's last month also takes everyone not reviewed yet, so each
  Select partner is reviewed exactly once per quarter even when the set changes;
* quarterly Open — active Open partners flagged by reporting (agreement overdue, engagement
  falling, no sign-in last month), most flagged first, at most ``REVIEW_OPEN_PER_MONTH`` per
  occurrence, none reviewed twice in a quarter; chosen once per occurrence.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet, Sum

from channelops.partners.models import Partner, PartnerStatus

from .checks import aware
from .models import AccountReview, ReviewKind

SELECT_TIER, OPEN_TIER = "select", "open"
SCORE_DAYS = 90
OPEN_PRIORITY_BASE = 0  # Open partners flagged by reporting come first…
DEFAULT_PRIORITY = 500  # …then everyone else


@dataclass(frozen=True)
class Candidate:
    partner_id: int
    priority: int = DEFAULT_PRIORITY
    reason: str = ""


def previous_month(day: date) -> tuple[date, date]:
    """[first day of the month before ``day``'s month, first day of ``day``'s month)."""
    first = day.replace(day=1)
    return (first - timedelta(days=1)).replace(day=1), first


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def quarter_bounds(day: date) -> tuple[date, date, int]:
    """The fiscal quarter of ``day`` (``WORK_FISCAL_YEAR_START_MONTH``): [start, end) and the
    month of the quarter (0, 1 or 2)."""
    from channelops.work.calendar import fiscal_start_month

    months_into_year = (day.month - fiscal_start_month()) % 12
    month_of_quarter = months_into_year % 3
    start = day.replace(day=1)
    for _i in range(month_of_quarter):
        start = (start - timedelta(days=1)).replace(day=1)
    end = start
    for _i in range(3):
        end = month_end(end) + timedelta(days=1)
    return start, end, month_of_quarter


def _partners(cadence: Any) -> QuerySet:
    qs = Partner.objects.all()
    if cadence.region_id is not None:
        qs = qs.filter(region_id=cadence.region_id)
    return qs


def weekly_new_applicants(cadence: Any, occurrence: Any, previous: date | None) -> list[Candidate]:
    start = (
        previous
        if previous is not None and previous < occurrence.date
        else occurrence.date - timedelta(days=7)
    )
    ids = (
        _partners(cadence)
        .filter(created_at__gte=aware(start), created_at__lt=aware(occurrence.date))
        .exclude(status=PartnerStatus.TERMINATED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    reason = f"new since {start:%Y-%m-%d}"
    return [Candidate(pid, DEFAULT_PRIORITY, reason) for pid in ids]


def monthly_new_partners(cadence: Any, occurrence: Any) -> list[Candidate]:
    start, end = previous_month(occurrence.date)
    ids = (
        _partners(cadence)
        .filter(status=PartnerStatus.ACTIVE, created_at__gte=aware(start), created_at__lt=aware(end))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    reason = f"joined in {start:%B %Y}"
    return [Candidate(pid, DEFAULT_PRIORITY, reason) for pid in ids]


def _reviewed_this_quarter(kind: str, cadence: Any, scheduled: date) -> set[int]:
    start, end, _m = quarter_bounds(scheduled)
    qs = AccountReview.objects.filter(
        kind=kind, occurrence__scheduled_date__gte=start, occurrence__scheduled_date__lt=end
    )
    if cadence.region_id is not None:
        qs = qs.filter(partner__region_id=cadence.region_id)
    return set(qs.values_list("partner_id", flat=True))


def select_third(ids: list[int], month_of_quarter: int) -> list[int]:
    """The third of ``ids`` (in the order given) reviewed in this month of the quarter."""
    return [pid for rank, pid in enumerate(ids) if rank % 3 == month_of_quarter]


def quarterly_select(cadence: Any, occurrence: Any) -> list[Candidate]:
    scheduled = occurrence.scheduled_date
    _s, _e, month = quarter_bounds(scheduled)
    ids = list(
        _partners(cadence)
        .filter(status=PartnerStatus.ACTIVE, tier__slug=SELECT_TIER)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    done = _reviewed_this_quarter(ReviewKind.QUARTERLY_SELECT, cadence, scheduled)
    chosen = {pid: f"Select rotation: third {month + 1} of 3" for pid in select_third(ids, month)}
    if month == 2:  # the quarter's last month: everyone not reviewed yet
        for pid in ids:
            chosen.setdefault(pid, "Select rotation: not yet reviewed this quarter")
    return [Candidate(pid, DEFAULT_PRIORITY, why) for pid, why in chosen.items() if pid not in done]


def open_flags(
    candidates: QuerySet,
    *,
    as_of: date,
    window: tuple[date, date],
    agreements: dict[int, list[tuple[str, str]]],
) -> dict[int, tuple[int, int, list[str]]]:
    """Partner id → (weight, engagement drop, reasons) for the flagged partners among ``candidates``.

    Flags: an agreement overdue or never accepted (weight 4), engagement score lower than the
    90 days before (2), an agreement re-acceptance due (1), no sign-in in ``window`` (1).
    3 queries, whatever the number of candidates.
    """
    from channelops.partners.models import EngagementDaily, EngagementEvent, EngagementKind

    ids = list(candidates.values_list("pk", flat=True))
    signed_in = set(
        EngagementEvent.objects.filter(
            partner__in=candidates,
            kind=EngagementKind.SIGN_IN,
            at__gte=aware(window[0]),
            at__lt=aware(window[1]),
        )
        .values_list("partner_id", flat=True)
        .distinct()
    )
    recent_from = as_of - timedelta(days=SCORE_DAYS)
    earlier_from = recent_from - timedelta(days=SCORE_DAYS)
    scores = {
        row["partner_id"]: (row["recent"] or 0, row["earlier"] or 0)
        for row in EngagementDaily.objects.filter(
            partner__in=candidates, day__gt=earlier_from, day__lte=as_of
        )
        .values("partner_id")
        .annotate(
            recent=Sum("points", filter=Q(day__gt=recent_from)),
            earlier=Sum("points", filter=Q(day__lte=recent_from)),
        )
    }
    out: dict[int, tuple[int, int, list[str]]] = {}
    for pid in ids:
        weight, reasons = 0, []
        states = agreements.get(pid, [])
        late = [n for n, s in states if s in ("overdue", "required")]
        soon = [n for n, s in states if s == "due"]
        if late:
            weight += 4
            reasons.append("agreement overdue: " + ", ".join(late))
        elif soon:
            weight += 1
            reasons.append("agreement re-acceptance due: " + ", ".join(soon))
        recent, earlier = scores.get(pid, (0, 0))
        drop = max(earlier - recent, 0)
        if recent < earlier:
            weight += 2
            reasons.append(f"engagement falling ({recent}, was {earlier})")
        if pid not in signed_in:
            weight += 1
            reasons.append(f"no sign-in in {window[0]:%B %Y}")
        if weight:
            out[pid] = (weight, drop, reasons)
    return out


def quarterly_open(
    cadence: Any, occurrence: Any, *, today: date, agreements: dict[int, list[tuple[str, str]]]
) -> list[Candidate]:
    if AccountReview.objects.filter(occurrence=occurrence, kind=ReviewKind.QUARTERLY_OPEN).exists():
        return []  # chosen once per occurrence: a later run does not add more
    limit = int(getattr(settings, "REVIEW_OPEN_PER_MONTH", 5))
    if limit <= 0:
        return []
    done = _reviewed_this_quarter(ReviewKind.QUARTERLY_OPEN, cadence, occurrence.scheduled_date)
    candidates = (
        _partners(cadence).filter(status=PartnerStatus.ACTIVE, tier__slug=OPEN_TIER).exclude(pk__in=done)
    )
    flags = open_flags(
        candidates,
        as_of=min(today, occurrence.date),
        window=previous_month(occurrence.date),
        agreements=agreements,
    )
    ranked = sorted(flags.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))[:limit]
    return [
        Candidate(pid, OPEN_PRIORITY_BASE + i, "; ".join(reasons)[:300])
        for i, (pid, (_w, _d, reasons)) in enumerate(ranked)
    ]
