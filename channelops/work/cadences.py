"""Cadences (S9): the dates of a recurring schedule, with public holidays and one-off overrides.

A :class:`~channelops.work.models.Cadence` holds an RFC 5545 recurrence rule (``RRULE``)
evaluated by ``dateutil`` from the cadence's ``start``. Each date the rule produces (the
*scheduled date*) becomes one occurrence, whose actual date is decided in this order:

1. a :class:`~channelops.work.models.CadenceOverride` for that scheduled date moves it to
   ``new_date`` (taken as written, holidays or not) or cancels it (empty ``new_date``);
2. otherwise, when the scheduled date is a public holiday of the cadence's country, the
   holiday policy applies: ``ignore`` keeps the date, ``skip`` drops the occurrence,
   ``before``/``after`` move it to the previous/next *working day* (neither a Saturday,
   a Sunday nor a public holiday).

The country is the cadence's ``holiday_country`` or, when that is empty, the country
``CADENCE_HOLIDAY_COUNTRIES`` maps the cadence's region code to (defaults: AMER → US,
EMEA → GB, APAC → SG, PUBSEC → US). A cadence with neither has no holidays.

:func:`cadence_materialise` writes the occurrences up to a date as ``Occurrence`` rows,
unique per (cadence, scheduled date): running it twice, or on two machines at once,
creates nothing twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from dateutil.rrule import rrulestr
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Cadence, CadenceOverride, HolidayPolicy, Occurrence

log = logging.getLogger(__name__)

DEFAULT_HOLIDAY_COUNTRIES = {"AMER": "US", "EMEA": "GB", "APAC": "SG", "PUBSEC": "US"}
# How far outside a window rule dates are looked at, so that an occurrence moved into the
# window by the holiday policy (e.g. Monday → the Friday before) is not missed.
MARGIN = timedelta(days=31)
MAX_MOVE_DAYS = 31  # a move that finds no working day within this many days keeps the date


@dataclass(frozen=True)
class PlannedOccurrence:
    """One occurrence: the date by the rule and the date it actually falls on."""

    scheduled_date: date
    date: date
    note: str = ""  # why the date moved ("Good Friday", "override: …"), empty when it did not

    @property
    def moved(self) -> bool:
        return self.date != self.scheduled_date


# --- rules and holidays ----------------------------------------------------------------------------


def _midnight(d: date) -> datetime:
    return datetime.combine(d, time())


def _rule(rule: str, start: date):
    try:
        return rrulestr(rule.strip(), dtstart=_midnight(start))
    except (ValueError, TypeError) as exc:
        raise ValidationError({"rule": _("Not a valid RFC 5545 rule: %(e)s") % {"e": exc}}) from exc


def cadence_validate(cadence: Cadence) -> None:
    """Refuse a rule ``dateutil`` cannot read, a sub-daily rule, and an unknown holiday country."""
    if not cadence.rule or not cadence.start:
        return
    _rule(cadence.rule, cadence.start)
    freq = cadence.rule.upper().split("FREQ=", 1)[-1].split(";", 1)[0]
    if freq in {"SECONDLY", "MINUTELY", "HOURLY"}:
        raise ValidationError({"rule": _("A cadence repeats daily or less often.")})
    if cadence.holiday_country:
        try:
            holiday_names(cadence.holiday_country.upper(), cadence.start.year)
        except ValueError as exc:
            raise ValidationError({"holiday_country": str(exc)}) from exc


def rule_dates(cadence: Cadence, start: date, end: date) -> list[date]:
    """The dates the rule produces between ``start`` and ``end`` (both included)."""
    if end < start:
        return []
    rule = _rule(cadence.rule, cadence.start)
    return [d.date() for d in rule.between(_midnight(start), _midnight(end), inc=True)]


def holiday_countries() -> dict[str, str]:
    """Region code → ISO country whose public holidays the region's cadences observe."""
    configured = getattr(settings, "CADENCE_HOLIDAY_COUNTRIES", None)
    return {k.upper(): v.upper() for k, v in (configured or DEFAULT_HOLIDAY_COUNTRIES).items()}


def cadence_country(cadence: Cadence) -> str:
    """The country whose public holidays apply to the cadence ("" for none)."""
    if cadence.holiday_country:
        return cadence.holiday_country.upper()
    region = cadence.region if cadence.region_id is not None else None
    if region is None:
        return ""
    return holiday_countries().get(region.code.upper(), "")


@lru_cache(maxsize=256)
def holiday_names(country: str, year: int) -> dict[date, str]:
    """The public holidays of ``country`` in ``year`` (date → name), observed days included."""
    import holidays

    try:
        return dict(holidays.country_holidays(country, years=year))
    except NotImplementedError as exc:
        raise ValueError(_("No public holidays are known for the country %(c)s.") % {"c": country}) from exc


def _holidays_between(country: str, start: date, end: date) -> dict[date, str]:
    if not country:
        return {}
    out: dict[date, str] = {}
    for year in range(start.year, end.year + 1):
        out.update(holiday_names(country, year))
    return out


def is_working_day(day: date, holidays: dict[date, str] | frozenset[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def _move(day: date, step: int, holidays: dict[date, str]) -> date:
    d = day
    for _i in range(MAX_MOVE_DAYS):
        d += timedelta(days=step)
        if is_working_day(d, holidays):
            return d
    return day


# --- occurrences -----------------------------------------------------------------------------------


def cadence_plan(
    cadence: Cadence,
    start: date,
    end: date,
    *,
    overrides: dict[date, CadenceOverride] | None = None,
) -> tuple[list[PlannedOccurrence], list[date]]:
    """The occurrences whose actual date lies between ``start`` and ``end`` (included), by date,
    and the scheduled dates in that span that are cancelled (by an override or the ``skip`` policy).

    ``overrides`` (scheduled date → override) is read from the database when not given.
    """
    if end < start:
        return [], []
    if overrides is None:
        overrides = {o.date: o for o in cadence.overrides.all()}
    lo, hi = max(start - MARGIN, cadence.start), end + MARGIN
    candidates = set(rule_dates(cadence, lo, hi))
    # An override may move a date from far away into the window.
    for ov in overrides.values():
        moved_in = ov.new_date is not None and start <= ov.new_date <= end and not lo <= ov.date <= hi
        if moved_in and rule_dates(cadence, ov.date, ov.date):
            candidates.add(ov.date)
    hols = _holidays_between(cadence_country(cadence), lo - MARGIN, hi + MARGIN)
    planned: list[PlannedOccurrence] = []
    cancelled: list[date] = []
    for sd in sorted(candidates):
        override = overrides.get(sd)
        if override is not None:
            if override.new_date is None:
                if start <= sd <= end:
                    cancelled.append(sd)
                continue
            occ = PlannedOccurrence(
                sd, override.new_date, _("override: %(r)s") % {"r": override.reason or "-"}
            )
        elif sd in hols and cadence.holiday_policy != HolidayPolicy.IGNORE:
            if cadence.holiday_policy == HolidayPolicy.SKIP:
                if start <= sd <= end:
                    cancelled.append(sd)
                continue
            step = -1 if cadence.holiday_policy == HolidayPolicy.BEFORE else 1
            occ = PlannedOccurrence(sd, _move(sd, step, hols), hols[sd])
        else:
            occ = PlannedOccurrence(sd, sd)
        if start <= occ.date <= end:
            planned.append(occ)
    planned.sort(key=lambda o: (o.date, o.scheduled_date))
    return planned, cancelled


def cadence_occurrences(cadence: Cadence, start: date, end: date) -> list[PlannedOccurrence]:
    """The occurrences of ``cadence`` that fall between ``start`` and ``end`` (included), by date."""
    return cadence_plan(cadence, start, end)[0]


@dataclass
class MaterialiseResult:
    created: int = 0
    moved: int = 0
    removed: int = 0
    kept_cancelled: int = 0  # cancelled occurrences kept because records (e.g. reviews) use them


@transaction.atomic
def cadence_materialise(
    *, cadence: Cadence, until: date, since: date | None = None, today: date | None = None
) -> MaterialiseResult:
    """Write the occurrences of ``cadence`` dated from ``since`` (default: its start) to ``until``.

    Idempotent: rows are unique per (cadence, scheduled date) and inserted with
    ``ignore_conflicts``. Occurrences not yet passed (dated ``today`` or later) follow
    later changes: a new override or holiday moves them, a cancellation deletes them unless
    another record protects them (then they are kept and counted in ``kept_cancelled``).
    """
    today = today or timezone.localdate()
    since = max(since or cadence.start, cadence.start)
    result = MaterialiseResult()
    if not cadence.active or until < since:
        return result
    planned, cancelled = cadence_plan(cadence, since, until)
    wanted = {p.scheduled_date: p for p in planned}
    existing = {
        o.scheduled_date: o
        for o in Occurrence.objects.filter(cadence=cadence, scheduled_date__in=[*wanted, *cancelled]).only(
            "pk", "scheduled_date", "date"
        )
    }
    new = [
        Occurrence(cadence=cadence, scheduled_date=sd, date=p.date)
        for sd, p in wanted.items()
        if sd not in existing
    ]
    if new:
        before = Occurrence.objects.filter(cadence=cadence, scheduled_date__in=list(wanted)).count()
        Occurrence.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
        after = Occurrence.objects.filter(cadence=cadence, scheduled_date__in=list(wanted)).count()
        result.created = after - before
    moved = []
    for sd, occ in existing.items():
        p = wanted.get(sd)
        if p is not None and occ.date != p.date and min(occ.date, p.date) >= today:
            occ.date = p.date
            moved.append(occ)
    if moved:
        Occurrence.objects.bulk_update(moved, ["date"])
        result.moved = len(moved)
    for sd in cancelled:
        gone = existing.get(sd)
        if gone is None or gone.date < today:
            continue
        try:
            with transaction.atomic():
                gone.delete()
            result.removed += 1
        except ProtectedError:
            result.kept_cancelled += 1
            log.info("cadence %s: cancelled occurrence %s kept (records use it)", cadence.slug, sd)
    return result


def describe(cadence: Cadence) -> dict[str, Any]:
    """A short summary for pages: the rule, the holiday country and policy."""
    return {
        "rule": cadence.rule,
        "country": cadence_country(cadence),
        "policy": cadence.get_holiday_policy_display(),
    }
