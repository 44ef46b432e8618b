"""Engagement events, the daily rollup and the score shown in the console."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from channelops.partners.models import EngagementDaily, EngagementEvent, EngagementKind
from channelops.partners.services import engagement_record, engagement_rollup


def test_rollup_counts_events_per_partner_and_day_and_scores_the_last_90_days(partner_a, partner_b):
    now = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
    for days_ago, kind in [(0, "sign_in"), (0, "download"), (1, "request"), (100, "training")]:
        EngagementEvent.objects.create(partner=partner_a, kind=kind, at=now - timedelta(days=days_ago))
    EngagementEvent.objects.create(partner=partner_b, kind="sign_in", at=now)
    result = engagement_rollup(since=(now - timedelta(days=200)).date(), now=now)
    assert result["days"] == 4
    today = EngagementDaily.objects.get(partner=partner_a, day=now.date())
    assert (today.events, today.sign_ins, today.downloads, today.points) == (2, 1, 1, 2 + 3)
    partner_a.refresh_from_db()
    partner_b.refresh_from_db()
    assert partner_a.engagement_score == 2 + 3 + 5  # the 100-day-old training is outside the window
    assert partner_b.engagement_score == 2


def test_rollup_is_idempotent(partner_a):
    now = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
    EngagementEvent.objects.create(partner=partner_a, kind="sign_in", at=now)
    engagement_rollup(since=now.date(), now=now)
    engagement_rollup(since=now.date(), now=now)
    assert EngagementDaily.objects.get(partner=partner_a).events == 1
    partner_a.refresh_from_db()
    assert partner_a.engagement_score == 2


def test_a_partner_persons_sign_in_is_recorded(client, admin_a, partner_a):
    from .factories import TEST_PASSWORD

    resp = client.post("/accounts/login/", {"login": admin_a.email, "password": TEST_PASSWORD})
    assert resp.status_code == 302
    assert EngagementEvent.objects.filter(
        partner=partner_a, kind=EngagementKind.SIGN_IN, user=admin_a
    ).exists()


def test_staff_sign_ins_are_not_partner_engagement(client, cam):
    from .factories import TEST_PASSWORD

    client.post("/accounts/login/", {"login": cam.email, "password": TEST_PASSWORD})
    assert not EngagementEvent.objects.exists()


def test_record_accepts_a_partner_id(partner_a):
    engagement_record(partner=partner_a.pk, kind=EngagementKind.DOWNLOAD, detail="x" * 500)
    ev = EngagementEvent.objects.get()
    assert ev.partner == partner_a and len(ev.detail) == 200


def test_the_score_counts_the_last_90_days_of_the_sites_time_zone_whatever_the_utc_date(partner_a, settings):
    # 23:30 UTC on 1 January is 00:30 on 2 January in Berlin: the rollup's days are Berlin days
    # (TruncDate in TIME_ZONE), so the window must be 90 Berlin days too, not 90 UTC days.
    settings.TIME_ZONE = "Europe/Berlin"
    now = datetime(2027, 1, 1, 23, 30, tzinfo=UTC)
    berlin_noon = {day: datetime(2026, 10, day, 10, 0, tzinfo=UTC) for day in (4, 5)}  # 12:00 in Berlin
    EngagementEvent.objects.create(partner=partner_a, kind="download", at=berlin_noon[4])  # 90 days ago: out
    EngagementEvent.objects.create(partner=partner_a, kind="sign_in", at=berlin_noon[5])  # 89 days ago: in
    engagement_rollup(since=datetime(2026, 9, 1).date(), now=now)
    assert sorted(EngagementDaily.objects.values_list("day", "points")) == [
        (datetime(2026, 10, 4).date(), 3),
        (datetime(2026, 10, 5).date(), 2),
    ]
    partner_a.refresh_from_db()
    assert partner_a.engagement_score == 2
