"""Writes of the insight app: keeping the monthly rollup current (docs/insight.md).

``partner_months_refresh`` recomputes ``PartnerMonth`` rows from the partners, their status
history and the daily engagement rollup. It is idempotent (delete and insert per month, in one
transaction) and runs

- nightly for the last 13 months and hourly for the current month (``insight_refresh`` schedule),
- for one partner's current month whenever the partner services announce a change
  (``partners.hooks.partner_created`` / ``partner_changed``), inside their transaction,
- on demand: ``channelops insight_refresh --months 13``.

Each refresh then recomputes the ``PartnerMonthTotal`` rows of the months it refreshed (the
overview's partner tables read those totals, not the per-partner rows).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from channelops.partners.models import (
    EngagementDaily,
    EngagementEvent,
    Partner,
    PartnerStatus,
    PartnerStatusChange,
)

from .models import PartnerMonth, PartnerMonthTotal, PortalViewDaily
from .months import add_months, last_months, month_last_day

Progress = Callable[[int, int], None]


def _month_end_instant(month: date) -> datetime:
    """The last instant of ``month`` in the project's time zone (months are local calendar months)."""
    return timezone.make_aware(datetime.combine(add_months(month, 1), time.min)) - timedelta(microseconds=1)


def _as_date(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value


def _status_at(changes: list[tuple[str, str, datetime]], current: str, instant: datetime) -> str:
    """A partner's status at ``instant`` from its status changes (oldest first): the last change
    at or before it; before the first change, that change's ``from_status``."""
    if not changes:
        return current
    status = changes[0][0] or PartnerStatus.APPLIED
    for _from, to, at in changes:
        if at > instant:
            break
        status = to
    return status


@transaction.atomic
def partner_months_refresh(
    *,
    months: Iterable[date] | None = None,
    partner_ids: Iterable[int] | None = None,
    today: date | None = None,
    progress: Progress | None = None,
) -> int:
    """Recompute the rollup rows of ``months`` (default: the last 13) for ``partner_ids`` (default:
    every partner). Returns the number of rows written."""
    today = today or timezone.localdate()
    month_list = sorted(set(months)) if months is not None else last_months(today, 13)
    if not month_list:
        return 0
    pids = list(partner_ids) if partner_ids is not None else None
    partners = Partner.objects.all()
    if pids is not None:
        partners = partners.filter(pk__in=pids)
    rows = list(partners.values_list("pk", "region_id", "tier_id", "status", "created_at"))
    changes: dict[int, list[tuple[str, str, datetime]]] = defaultdict(list)
    history = PartnerStatusChange.objects.order_by("partner_id", "at", "pk")
    if pids is not None:
        history = history.filter(partner_id__in=pids)
    for pid, frm, to, at in history.values_list("partner_id", "from_status", "to_status", "at").iterator(
        chunk_size=5000
    ):
        changes[pid].append((frm, to, at))
    daily = EngagementDaily.objects.filter(day__gte=month_list[0], day__lte=month_last_day(month_list[-1]))
    if pids is not None:
        daily = daily.filter(partner_id__in=pids)
    activity: dict[tuple[int, date], dict[str, Any]] = {}
    r: Any
    for r in (
        daily.annotate(m=TruncMonth("day"))
        .values("partner_id", "m")
        .annotate(
            events=Sum("events"),
            sign_ins=Sum("sign_ins"),
            downloads=Sum("downloads"),
            requests=Sum("requests"),
            points=Sum("points"),
        )
        .iterator(chunk_size=5000)
    ):
        activity[(r["partner_id"], _as_date(r["m"]))] = dict(r)
    first_instant = timezone.make_aware(datetime.combine(month_list[0], time.min))
    events = EngagementEvent.objects.filter(
        at__gte=first_instant, at__lte=_month_end_instant(month_list[-1]), user__isnull=False
    )
    views = PortalViewDaily.objects.filter(day__gte=month_list[0], day__lte=month_last_day(month_list[-1]))
    if pids is not None:
        events = events.filter(partner_id__in=pids)
        views = views.filter(partner_id__in=pids)
    for r in (
        events.annotate(m=TruncMonth("at"))
        .values("partner_id", "m")
        .annotate(people=Count("user", distinct=True))
        .iterator(chunk_size=5000)
    ):
        activity.setdefault((r["partner_id"], _as_date(r["m"])), {})["active_users"] = r["people"]
    for r in (
        views.annotate(m=TruncMonth("day"))
        .values("partner_id", "m")
        .annotate(n=Sum("views"))
        .iterator(chunk_size=5000)
    ):
        activity.setdefault((r["partner_id"], _as_date(r["m"])), {})["page_views"] = r["n"]
    stale = PartnerMonth.objects.filter(month__in=month_list)
    groups: set[tuple[int, int]] | None = None
    if pids is not None:
        stale = stale.filter(partner_id__in=pids)
        # The totals that can change: the partners' (region, tier) before and after.
        groups = set(stale.values_list("region_id", "tier_id").distinct())
        groups |= {(region_id, tier_id) for _pk, region_id, tier_id, _s, _c in rows}
    stale.delete()
    objs = []
    written = 0
    for i, month in enumerate(month_list):
        end = _month_end_instant(month)
        for pid, region_id, tier_id, current, created_at in rows:
            if created_at > end:
                continue
            act = activity.get((pid, month)) or {}
            objs.append(
                PartnerMonth(
                    month=month,
                    partner_id=pid,
                    region_id=region_id,
                    tier_id=tier_id,
                    status=_status_at(changes.get(pid, []), current, end),
                    active=bool(act.get("events")),
                    events=act.get("events") or 0,
                    sign_ins=act.get("sign_ins") or 0,
                    downloads=act.get("downloads") or 0,
                    requests=act.get("requests") or 0,
                    points=act.get("points") or 0,
                    active_users=act.get("active_users") or 0,
                    page_views=act.get("page_views") or 0,
                )
            )
            if len(objs) >= 5000:
                PartnerMonth.objects.bulk_create(objs, batch_size=1000)
                written += len(objs)
                objs = []
        if progress:
            progress(i + 1, len(month_list))
    PartnerMonth.objects.bulk_create(objs, batch_size=1000)
    partner_month_totals_refresh(months=month_list, groups=groups)
    return written + len(objs)


def partner_month_totals_refresh(
    *, months: Iterable[date], groups: Iterable[tuple[int, int]] | None = None
) -> int:
    """Recompute the ``PartnerMonthTotal`` rows of ``months`` from their ``PartnerMonth`` rows: every
    total of those months, or only those of the ``(region_id, tier_id)`` ``groups`` (the refresh of
    some partners: the groups they were and are in; every program's total of a group is
    recomputed, so a change of the partners' programs counts too). Two ``GROUP BY`` queries.
    Returns the number of total rows written."""
    month_list = sorted(set(months))
    where = Q(month__in=month_list)
    if groups is not None:
        pairs = sorted(set(groups))
        if not pairs:
            return 0
        any_group = Q()
        for region_id, tier_id in pairs:
            any_group |= Q(region_id=region_id, tier_id=tier_id)
        where &= any_group
    PartnerMonthTotal.objects.filter(where).delete()
    rows = PartnerMonth.objects.filter(where).order_by()
    counted = {
        "n": Count("id"),
        "map": Count("id", filter=Q(active=True, status=PartnerStatus.ACTIVE)),
    }
    everyone: Any = rows.values("month", "region_id", "tier_id", "status").annotate(**counted)
    per_program: Any = (
        rows.filter(partner__programs__isnull=False)
        .values("month", "region_id", "tier_id", "status", "partner__programs")
        .annotate(**counted)
    )
    grouped: list[dict[str, Any]] = [*everyone, *per_program]
    objs = [
        PartnerMonthTotal(
            month=_as_date(r["month"]),
            region_id=r["region_id"],
            tier_id=r["tier_id"],
            program_id=r.get("partner__programs"),
            status=r["status"],
            partners=r["n"],
            active=r["map"],
        )
        for r in grouped
    ]
    PartnerMonthTotal.objects.bulk_create(objs, batch_size=1000)
    return len(objs)


@transaction.atomic
def portal_views_add(*, counts: dict[tuple[int, date], int]) -> None:
    """Add buffered portal page views (``{(partner_id, day): views}``) to the daily counters; views
    of a partner deleted since they were counted are dropped."""
    existing = set(Partner.objects.filter(pk__in={pid for pid, _day in counts}).values_list("pk", flat=True))
    for (partner_id, day), n in sorted(counts.items()):
        if partner_id not in existing:
            continue
        rows = PortalViewDaily.objects.filter(partner_id=partner_id, day=day)
        if not rows.update(views=F("views") + n):
            # The day's first views: create the row (get_or_create survives a concurrent first
            # flush), then add, so two processes flushing at once both count.
            PortalViewDaily.objects.get_or_create(partner_id=partner_id, day=day, defaults={"views": 0})
            rows.update(views=F("views") + n)


def refresh_partner_now(*, partner: Partner, **_kwargs: Any) -> None:
    """Hook function (partners.hooks.partner_created / partner_changed): the partner's row of the
    current month follows the change at once, in the change's transaction."""
    partner_months_refresh(months=[timezone.localdate().replace(day=1)], partner_ids=[partner.pk])
