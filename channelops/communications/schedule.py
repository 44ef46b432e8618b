"""The Partner Flash schedule: the send date by rule, business days, the test-send and feedback deadlines.

The rule (docs/communications-editions.md):

1. An edition is for a month M (``Mailing.month``, the first day of M) and goes out in M.
2. The base date is the first Thursday of M.
3. The partner webcast series of M "ends" at its last session (``Webcast`` rows of M that are not
   cancelled, by their start date in ``COMMS_TIME_ZONE``). When that last session is on or after
   the first Thursday, the send date is the first Thursday *after* the last session's day.
   No webcasts in M: the first Thursday.
4. When that Thursday is not a business day (a holiday of ``COMMS_HOLIDAYS``, ``holidays``
   library), the send date moves to the next business day (e.g. Thursday 1 January → Friday 2).
5. Staff may override the date per edition with a reason (``send_on_overridden``).

Business days skip Saturdays, Sundays and the holidays of ``COMMS_HOLIDAYS``. ``send_at`` is the
send date at ``COMMS_SEND_TIME`` in ``COMMS_TIME_ZONE``. The test send is due no later than
``COMMS_TEST_SEND_BUSINESS_DAYS`` business days before the send date (by the end of that day);
reviewer feedback closes at ``COMMS_FEEDBACK_CUTOFF`` on the business day before the send date.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings

THURSDAY = 3


def comms_zone() -> ZoneInfo:
    return ZoneInfo(settings.COMMS_TIME_ZONE)


@lru_cache(maxsize=64)
def _holidays(country: str, year: int) -> frozenset[date]:
    if not country:
        return frozenset()
    try:
        return frozenset(holidays.country_holidays(country, years=year).keys())
    except NotImplementedError:
        return frozenset()


def is_holiday(day: date) -> bool:
    return day in _holidays(settings.COMMS_HOLIDAYS.strip().upper(), day.year)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and not is_holiday(day)


def next_business_day(day: date) -> date:
    """``day`` itself when it is a business day, else the next one."""
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def business_days_before(day: date, n: int) -> date:
    """The business day ``n`` business days before ``day`` (``n`` = 0: ``day``)."""
    d = day
    left = n
    while left > 0:
        d -= timedelta(days=1)
        if is_business_day(d):
            left -= 1
    return d


def first_thursday(month: date) -> date:
    first = month.replace(day=1)
    return first + timedelta(days=(THURSDAY - first.weekday()) % 7)


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def last_webcast_day(month: date) -> date | None:
    """The local day (``COMMS_TIME_ZONE``) of the month's last webcast session, or None."""
    from .models import Webcast

    zone = comms_zone()
    first, last = month_bounds(month)
    start = datetime.combine(first, time.min, tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
    latest = (
        Webcast.objects.filter(cancelled=False, starts_at__gte=start, starts_at__lt=end)
        .order_by("-starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    return latest.astimezone(zone).date() if latest else None


def send_date_by_rule(month: date) -> date:
    """The edition of ``month``'s send date by the rule (module docstring)."""
    thursday = first_thursday(month)
    series_end = last_webcast_day(month)
    if series_end is not None and series_end >= thursday:
        thursday = series_end + timedelta(days=(THURSDAY - series_end.weekday()) % 7 or 7)
    return next_business_day(thursday)


def _clock(value: str) -> time:
    hours, _sep, minutes = (value or "09:00").partition(":")
    return time(int(hours), int(minutes or 0))


def send_moment(send_on: date) -> datetime:
    """The send date at ``COMMS_SEND_TIME`` in ``COMMS_TIME_ZONE`` (an aware datetime)."""
    return datetime.combine(send_on, _clock(settings.COMMS_SEND_TIME), tzinfo=comms_zone())


def test_send_due(send_on: date) -> date:
    """The last day for the test send to reviewers."""
    return business_days_before(send_on, settings.COMMS_TEST_SEND_BUSINESS_DAYS)


def test_send_deadline(send_on: date) -> datetime:
    """The end of ``test_send_due`` in ``COMMS_TIME_ZONE`` (a test send at or before it is on time)."""
    return datetime.combine(test_send_due(send_on) + timedelta(days=1), time.min, tzinfo=comms_zone())


def feedback_cutoff(send_on: date) -> datetime:
    """Reviewer feedback closes at ``COMMS_FEEDBACK_CUTOFF`` on the business day before the send."""
    return datetime.combine(
        business_days_before(send_on, 1), _clock(settings.COMMS_FEEDBACK_CUTOFF), tzinfo=comms_zone()
    )
