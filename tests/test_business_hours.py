"""Business hours of a region (helpdesk/business_hours.py): the clock help-desk targets run on."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from channelops.helpdesk.business_hours import add_business_hours, business_hours_between


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_hours_outside_opening_time_and_weekends_do_not_count() -> None:
    # Friday 4 December 2026, 16:00 in London (UTC in winter): one hour left on Friday, seven on Monday.
    assert add_business_hours(utc(2026, 12, 4, 16), 8, region_code="EMEA") == utc(2026, 12, 7, 16)
    # Asked on Saturday: the clock starts on Monday at opening.
    assert add_business_hours(utc(2026, 12, 5, 11), 2, region_code="EMEA") == utc(2026, 12, 7, 11)
    # Asked before opening: starts at 09:00.
    assert add_business_hours(utc(2026, 12, 8, 6, 30), 1, region_code="EMEA") == utc(2026, 12, 8, 10)


def test_the_regions_public_holidays_do_not_count() -> None:
    # Thursday 24 December, noon in London: 5 hours that day; Christmas, the weekend and Monday
    # 28 December (Boxing Day observed) are holidays; the remaining 3 hours fall on Tuesday 29th.
    assert add_business_hours(utc(2026, 12, 24, 12), 8, region_code="EMEA") == utc(2026, 12, 29, 12)
    # In AMER (US holidays) Monday 28 December is a working day.
    assert add_business_hours(utc(2026, 12, 24, 17), 8, region_code="AMER") < utc(2026, 12, 29)


def test_each_region_counts_in_its_own_time_zone() -> None:
    # Monday 7 December 00:00 UTC is 08:00 in Singapore: opens at 09:00 (01:00 UTC), +2 hours.
    assert add_business_hours(utc(2026, 12, 7, 0), 2, region_code="APAC") == utc(2026, 12, 7, 3)
    # New York across the start of daylight saving time (Sunday 8 March 2026): Friday 16:00 EST
    # leaves one hour; Monday opens at 09:00 EDT = 13:00 UTC.
    assert add_business_hours(utc(2026, 3, 6, 21), 2, region_code="AMER") == utc(2026, 3, 9, 14)


@pytest.mark.parametrize("region", ["EMEA", "AMER", "APAC", "PUBSEC", "NOWHERE", ""])
@pytest.mark.parametrize("hours", [0, 0.5, 1, 7.25, 8, 24, 40, 100])
def test_between_measures_what_add_adds(region: str, hours: float) -> None:
    start = utc(2026, 12, 23, 15, 10)
    due = add_business_hours(start, hours, region_code=region)
    assert business_hours_between(start, due, region_code=region) == pytest.approx(hours)


def test_between_counts_only_working_time() -> None:
    assert business_hours_between(utc(2026, 12, 4, 16), utc(2026, 12, 7, 10), region_code="EMEA") == 2
    assert business_hours_between(utc(2026, 12, 5, 0), utc(2026, 12, 6, 23), region_code="EMEA") == 0
    assert business_hours_between(utc(2026, 12, 7, 12), utc(2026, 12, 7, 11), region_code="EMEA") == 0


@override_settings(HELPDESK_HOURS={"EMEA": "Europe/Berlin 08:00-18:00"})
def test_opening_hours_are_a_setting() -> None:
    # 07:00 UTC is 08:00 in Berlin in winter; a 10-hour day.
    assert add_business_hours(utc(2026, 12, 7, 6), 10, region_code="EMEA") == utc(2026, 12, 7, 17)
    # A region not listed falls back to the default (UTC 09:00-17:00).
    assert add_business_hours(utc(2026, 12, 7, 6), 1, region_code="APAC") == utc(2026, 12, 7, 10)


@pytest.mark.parametrize("spec", ["Europe/Berlin", "Mars/Olympus 09:00-17:00", "UTC 17:00-09:00", "UTC 9-5"])
def test_a_bad_setting_names_the_region(spec: str) -> None:
    with override_settings(HELPDESK_HOURS={"EMEA": spec}), pytest.raises(ImproperlyConfigured, match="EMEA"):
        add_business_hours(utc(2026, 12, 7, 6), 1, region_code="EMEA")


def test_naive_datetimes_and_negative_hours_are_refused() -> None:
    with pytest.raises(ValueError):
        add_business_hours(datetime(2026, 12, 7, 9), 1, region_code="EMEA")
    with pytest.raises(ValueError):
        add_business_hours(utc(2026, 12, 7, 9), -1, region_code="EMEA")
    with pytest.raises(ValueError):
        business_hours_between(utc(2026, 12, 7, 9), datetime(2026, 12, 7, 10), region_code="EMEA")
