"""The Partner Flash schedule rule (channelops/communications/schedule.py) with fixed dates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from channelops.communications import schedule
from channelops.communications.models import Webcast

pytestmark = pytest.mark.django_db

DENVER = ZoneInfo("America/Denver")


def webcast(day: date, hour: int = 9, **kw):
    return Webcast.objects.create(
        title="Partner webcast", starts_at=datetime(day.year, day.month, day.day, hour, tzinfo=DENVER), **kw
    )


def test_no_webcasts_first_thursday():
    assert schedule.send_date_by_rule(date(2026, 12, 1)) == date(2026, 12, 3)
    assert schedule.send_date_by_rule(date(2027, 2, 1)) == date(2027, 2, 4)


def test_webcasts_before_the_first_thursday_do_not_move_it():
    webcast(date(2026, 12, 1))
    webcast(date(2026, 12, 2))
    assert schedule.send_date_by_rule(date(2026, 12, 1)) == date(2026, 12, 3)


def test_series_ending_after_the_first_thursday_moves_to_the_next_thursday():
    webcast(date(2026, 12, 1))
    webcast(date(2026, 12, 8))  # a Tuesday, after the first Thursday (3 Dec)
    assert schedule.send_date_by_rule(date(2026, 12, 1)) == date(2026, 12, 10)


def test_a_session_on_the_first_thursday_itself_moves_to_the_week_after():
    webcast(date(2026, 12, 3))
    assert schedule.send_date_by_rule(date(2026, 12, 1)) == date(2026, 12, 10)


def test_cancelled_sessions_and_other_months_do_not_count():
    webcast(date(2026, 12, 15), cancelled=True)
    webcast(date(2026, 11, 30))
    webcast(date(2027, 1, 5))
    assert schedule.send_date_by_rule(date(2026, 12, 1)) == date(2026, 12, 3)


def test_session_late_at_night_counts_in_the_comms_time_zone():
    # 1 Dec 2026 23:30 in Denver is 2 Dec UTC: still before the first Thursday.
    Webcast.objects.create(title="Late", starts_at=datetime(2026, 12, 2, 6, 30, tzinfo=UTC))
    assert schedule.send_date_by_rule(date(2026, 12, 1)) == date(2026, 12, 3)


def test_holiday_thursday_moves_to_the_next_business_day(settings):
    settings.COMMS_HOLIDAYS = "US"
    # 1 January 2026 is a Thursday and New Year's Day: the edition goes out on Friday 2 January.
    assert schedule.send_date_by_rule(date(2026, 1, 1)) == date(2026, 1, 2)
    # 4 July 2024 (Independence Day) was the first Thursday of July.
    assert schedule.send_date_by_rule(date(2024, 7, 1)) == date(2024, 7, 5)


def test_without_holidays_the_thursday_stays(settings):
    settings.COMMS_HOLIDAYS = ""
    assert schedule.send_date_by_rule(date(2026, 1, 1)) == date(2026, 1, 1)


def test_business_days_and_deadlines_across_the_new_year(settings):
    settings.COMMS_HOLIDAYS = "US"
    settings.COMMS_TEST_SEND_BUSINESS_DAYS = 2
    settings.COMMS_FEEDBACK_CUTOFF = "15:00"
    settings.COMMS_TIME_ZONE = "America/Denver"
    send_on = date(2026, 1, 2)  # Friday, after the New Year holiday
    # two business days before: 1 Jan is a holiday, so 31 Dec (1) and 30 Dec (2)
    assert schedule.test_send_due(send_on) == date(2025, 12, 30)
    # feedback closes on the business day before: 31 December 2025 at 15:00 Denver time
    assert schedule.feedback_cutoff(send_on) == datetime(2025, 12, 31, 15, 0, tzinfo=DENVER)
    assert schedule.business_days_before(date(2026, 12, 7), 1) == date(2026, 12, 4)  # Monday → Friday
    assert schedule.is_business_day(date(2026, 12, 25)) is False
    assert schedule.next_business_day(date(2026, 12, 25)) == date(2026, 12, 28)


def test_send_moment_uses_the_send_time_and_zone(settings):
    settings.COMMS_SEND_TIME = "09:30"
    settings.COMMS_TIME_ZONE = "America/Denver"
    moment = schedule.send_moment(date(2026, 12, 3))
    assert moment == datetime(2026, 12, 3, 9, 30, tzinfo=DENVER)
    assert moment.astimezone(UTC).hour == 16
