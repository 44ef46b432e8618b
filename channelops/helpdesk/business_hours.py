"""Business hours of a region (S9): the clock help-desk targets run on.

A region works Monday to Friday within its opening hours in its own time zone, except on the
public holidays of the region's country — the same country its cadence calendars observe
(``work.cadences.holiday_countries``, setting ``CHANNELOPS_CADENCE_HOLIDAY_COUNTRIES``).
Opening hours are the setting ``CHANNELOPS_HELPDESK_HOURS``: region code →
``"<IANA time zone> HH:MM-HH:MM"``; a region not listed uses ``HELPDESK_DEFAULT_HOURS``.

``add_business_hours(start, 8, region_code="EMEA")`` is the moment eight working hours after
``start`` (a target's due time); ``business_hours_between(a, b, region_code=…)`` is how many
working hours lie between two moments (a response time as measured against its target). Both
take and return aware datetimes; the answers are in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from channelops.work.cadences import holiday_countries, holiday_names, is_working_day

DEFAULT_HOURS = {
    "AMER": "America/New_York 09:00-17:00",
    "EMEA": "Europe/London 09:00-17:00",
    "APAC": "Asia/Singapore 09:00-17:00",
    "PUBSEC": "America/New_York 09:00-17:00",
}
FALLBACK_HOURS = "UTC 09:00-17:00"
#: A target further out than this many calendar days is refused (a misconfiguration, not a target).
MAX_DAYS = 3660


@dataclass(frozen=True)
class Schedule:
    tz: ZoneInfo
    opens: time
    closes: time
    country: str

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """The working window of a local calendar day (aware, in the region's zone), or None."""
        if not is_working_day(day, self._holidays(day.year)):
            return None
        return (
            datetime.combine(day, self.opens, tzinfo=self.tz),
            datetime.combine(day, self.closes, tzinfo=self.tz),
        )

    def _holidays(self, year: int) -> frozenset[date]:
        if not self.country:
            return frozenset()
        return frozenset(holiday_names(self.country, year))


def _parse(spec: str, code: str) -> tuple[ZoneInfo, time, time]:
    try:
        zone, hours = spec.split()
        opens, closes = (time.fromisoformat(part) for part in hours.split("-"))
        tz = ZoneInfo(zone)
    except (ValueError, ZoneInfoNotFoundError) as exc:
        raise ImproperlyConfigured(
            f'CHANNELOPS_HELPDESK_HOURS for {code!r} must read "<time zone> HH:MM-HH:MM", not {spec!r}'
        ) from exc
    if closes <= opens:
        raise ImproperlyConfigured(f"CHANNELOPS_HELPDESK_HOURS for {code!r}: closing must be after opening")
    return tz, opens, closes


@lru_cache(maxsize=64)
def _schedule(code: str, spec: str, country: str) -> Schedule:
    tz, opens, closes = _parse(spec, code)
    return Schedule(tz=tz, opens=opens, closes=closes, country=country)


def schedule_for(region_code: str) -> Schedule:
    """The working schedule of a region (by code; an unknown or empty code gets the default)."""
    code = (region_code or "").upper()
    configured = {
        k.upper(): v for k, v in (getattr(settings, "HELPDESK_HOURS", None) or DEFAULT_HOURS).items()
    }
    spec = configured.get(code) or getattr(settings, "HELPDESK_DEFAULT_HOURS", FALLBACK_HOURS)
    return _schedule(code, spec, holiday_countries().get(code, ""))


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None:
        raise ValueError(f"{name} must be an aware datetime")


def add_business_hours(start: datetime, hours: float, *, region_code: str) -> datetime:
    """The moment ``hours`` working hours after ``start`` in the region (UTC).

    Time outside the opening hours, at weekends and on the region's public holidays does not
    count: a question asked on Friday evening with an 8-hour target is due Monday at closing.
    """
    _require_aware(start, "start")
    if hours < 0:
        raise ValueError("hours must not be negative")
    sched = schedule_for(region_code)
    remaining = timedelta(hours=hours)
    local = start.astimezone(sched.tz)
    day = local.date()
    for _ in range(MAX_DAYS):
        window = sched.window(day)
        if window is not None:
            begin = max(local, window[0])
            if begin < window[1]:
                available = window[1] - begin
                if remaining <= available:
                    return (begin + remaining).astimezone(UTC)
                remaining -= available
        day += timedelta(days=1)
    raise ValueError(f"{hours} business hours do not fit in {MAX_DAYS} days")


def business_hours_between(start: datetime, end: datetime, *, region_code: str) -> float:
    """How many working hours of the region lie between ``start`` and ``end`` (0 when end ≤ start)."""
    _require_aware(start, "start")
    _require_aware(end, "end")
    if end <= start:
        return 0.0
    sched = schedule_for(region_code)
    local_start, local_end = start.astimezone(sched.tz), end.astimezone(sched.tz)
    total = timedelta()
    day = local_start.date()
    while day <= local_end.date():
        window = sched.window(day)
        if window is not None:
            begin, finish = max(local_start, window[0]), min(local_end, window[1])
            if finish > begin:
                total += finish - begin
        day += timedelta(days=1)
    return total.total_seconds() / 3600
