"""The Partner Flash draft of a month follows the webcast calendar: a session added, moved or cancelled
recomputes the send date by rule (first Thursday after the series ends); a date set by hand stays."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from channelops.communications import webcasts
from channelops.communications.editions import edition_open, edition_set_send_on

from .factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketing():
    with time_machine.travel(dt.datetime(2027, 2, 1, 12, 0, tzinfo=dt.UTC), tick=False):
        yield StaffFactory(email="marketing.schedule@vendor.test", roles=["channel_marketing"])


def test_the_draft_edition_follows_the_webcast_series(marketing):
    march = edition_open(month=dt.date(2027, 3, 1), by=marketing)
    assert march.send_on == dt.date(2027, 3, 4)  # first Thursday of March 2027, no webcasts
    session = webcasts.webcast_save(
        webcast=None,
        data={
            "title": "Partner webcast March",
            "kind": "program",
            "starts_at": dt.datetime(2027, 3, 9, 16, 0, tzinfo=dt.UTC),
            "time_zone": "UTC",
            "duration_minutes": 60,
        },
        by=marketing,
    )
    march.refresh_from_db()
    assert march.send_on == dt.date(2027, 3, 11)  # the Thursday after the series ends (Tue 9th)
    webcasts.webcast_save(
        webcast=session, data={"starts_at": dt.datetime(2027, 3, 2, 16, 0, tzinfo=dt.UTC)}, by=marketing
    )
    march.refresh_from_db()
    assert march.send_on == dt.date(2027, 3, 4)  # moved before the first Thursday: back to it
    webcasts.webcast_save(
        webcast=session, data={"starts_at": dt.datetime(2027, 3, 16, 16, 0, tzinfo=dt.UTC)}, by=marketing
    )
    march.refresh_from_db()
    assert march.send_on == dt.date(2027, 3, 18)
    webcasts.webcast_cancel(webcast=session, by=marketing)
    march.refresh_from_db()
    assert march.send_on == dt.date(2027, 3, 4)


def test_a_date_set_by_hand_stays(marketing):
    march = edition_open(month=dt.date(2027, 3, 1), by=marketing)
    edition_set_send_on(edition=march, by=marketing, send_on=dt.date(2027, 3, 5), reason="Pricing update")
    webcasts.webcast_save(
        webcast=None,
        data={
            "title": "Partner webcast March",
            "kind": "program",
            "starts_at": dt.datetime(2027, 3, 9, 16, 0, tzinfo=dt.UTC),
            "time_zone": "UTC",
            "duration_minutes": 60,
        },
        by=marketing,
    )
    march.refresh_from_db()
    assert march.send_on == dt.date(2027, 3, 5)
