"""The partner webcast series (channelops/communications/webcasts.py, views_other.py): the console
calendar (create, change with a new calendar revision, cancel, the quarter's program webcast warning),
the portal page of the partner's region in local and session time, the RFC 5545 .ics download, and
invitation and cancellation e-mails with the calendar attached, read from the SMTP server."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
import time_machine

from channelops.communications import webcasts
from channelops.communications.models import Subscriber, SubscriberStatus, Suppression, Webcast
from channelops.partners.models import Region

from .factories import MembershipFactory, PartnerFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 16, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def marketing(db):
    return StaffFactory(email="marketing@vendor.test", roles=["channel_marketing"])


def person(email_, region="EMEA", **kw):
    partner = PartnerFactory(country="GB", region=Region.objects.get(code=region))
    return MembershipFactory(partner=partner, user=UserFactory(email=email_, **kw)).user


def session(**kw):
    data = {
        "kind": "regional",
        "title": "EMEA partner update",
        "region": Region.objects.get(code="EMEA"),
        "starts_at": dt.datetime(2026, 12, 3, 15, 0, tzinfo=dt.UTC),
        "time_zone": "Europe/Berlin",
        "duration_minutes": 60,
        "registration_url": "https://webinar.example/emea-dec",
    }
    data.update(kw)
    return Webcast.objects.create(**data)


def test_console_creates_and_changes_a_session(client, marketing):
    client.force_login(marketing)
    assert client.get("/console/communications/webcasts/new/").status_code == 200
    emea = Region.objects.get(code="EMEA")
    r = client.post(
        "/console/communications/webcasts/new/",
        {
            "kind": "regional",
            "title": "EMEA December session",
            "region": emea.pk,
            "start": "2026-12-03T16:00",
            "time_zone": "Europe/Berlin",
            "duration_minutes": "45",
            "registration_url": "https://webinar.example/emea",
        },
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    w = Webcast.objects.get()
    assert w.starts_at == dt.datetime(2026, 12, 3, 15, 0, tzinfo=dt.UTC)  # 16:00 in Berlin
    assert (w.sequence, w.region, w.duration_minutes) == (0, emea, 45)
    page = client.get(f"/console/communications/webcasts/{w.pk}/").content.decode()
    assert "2026-12-03T16:00" in page
    # a regional session needs its region; bad input changes nothing
    r = client.post(
        f"/console/communications/webcasts/{w.pk}/",
        {
            "kind": "regional",
            "title": "X",
            "start": "2026-12-03T17:00",
            "time_zone": "Europe/Berlin",
            "duration_minutes": "45",
        },
    )
    assert r.status_code == 400 and "needs its region" in r.content.decode()
    w.refresh_from_db()
    assert (w.title, w.sequence) == ("EMEA December session", 0)
    # moving it raises the calendar revision
    r = client.post(
        f"/console/communications/webcasts/{w.pk}/",
        {
            "kind": "regional",
            "title": "EMEA December session",
            "region": emea.pk,
            "start": "2026-12-03T17:00",
            "time_zone": "Europe/Berlin",
            "duration_minutes": "45",
            "registration_url": "https://webinar.example/emea",
        },
    )
    assert r.status_code == 302
    w.refresh_from_db()
    assert w.sequence == 1 and w.starts_at == dt.datetime(2026, 12, 3, 16, 0, tzinfo=dt.UTC)
    # a recording added later is not a calendar change
    r = client.post(
        f"/console/communications/webcasts/{w.pk}/",
        {
            "kind": "regional",
            "title": "EMEA December session",
            "region": emea.pk,
            "start": "2026-12-03T17:00",
            "time_zone": "Europe/Berlin",
            "duration_minutes": "45",
            "registration_url": "https://webinar.example/emea",
            "recording_url": "https://video.example/emea-dec",
        },
    )
    w.refresh_from_db()
    assert w.sequence == 1 and w.recording_url == "https://video.example/emea-dec"


def test_calendar_warns_of_quarters_without_a_program_webcast(client, marketing, cam):
    session(
        kind="program",
        region=None,
        title="Q4 program webcast",
        starts_at=dt.datetime(2026, 12, 10, 16, 0, tzinfo=dt.UTC),
    )
    assert webcasts.quarters_without_program() == ["2027 Q1", "2027 Q2", "2027 Q3"]
    client.force_login(cam)  # may view, not manage
    page = client.get("/console/communications/webcasts/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "2027 Q1" in text and "Q4 program webcast" in text and "New session" not in text
    assert client.get("/console/communications/webcasts/new/").status_code == 403


def test_portal_lists_the_regions_sessions_in_local_and_session_time(client, django_assert_max_num_queries):
    user = person("p@gb.test")
    emea = session()
    every = session(
        kind="program",
        region=None,
        title="Program webcast Q4",
        starts_at=dt.datetime(2026, 12, 10, 17, 0, tzinfo=dt.UTC),
        time_zone="America/Denver",
    )
    amer = session(title="AMER only", region=Region.objects.get(code="AMER"), time_zone="America/New_York")
    session(title="Cancelled one", cancelled=True)
    session(
        title="Last month",
        starts_at=dt.datetime(2026, 11, 5, 15, 0, tzinfo=dt.UTC),
        recording_url="https://video.example/nov",
    )
    client.force_login(user)
    with django_assert_max_num_queries(20):
        page = client.get("/portal/communications/webcasts/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "EMEA partner update" in text and "Program webcast Q4" in text
    assert "AMER only" not in text and "Cancelled one" not in text
    # London time (the partner's country) and the session's own zone
    assert "Thursday 3 December 2026, 15:00" in text and "16:00 in the session" in text
    assert "Europe/London" in text
    assert "https://video.example/nov" in text
    assert (
        f"/portal/communications/webcasts/{emea.pk}.ics" in text
        and f"/portal/communications/webcasts/{every.pk}.ics" in text
    )
    # another time zone on request
    text = client.get("/portal/communications/webcasts/?tz=Asia/Tokyo").content.decode()
    assert "Friday 4 December 2026, 00:00" in text
    assert client.get(f"/portal/communications/webcasts/{amer.pk}.ics").status_code == 404
    # constant queries as sessions grow
    for i in range(5):
        session(title=f"More {i}", starts_at=dt.datetime(2027, 1, 5 + i, 15, 0, tzinfo=dt.UTC))
    with django_assert_max_num_queries(20):
        assert client.get("/portal/communications/webcasts/").status_code == 200


def test_ics_download_is_rfc_5545(client):
    user = person("p@gb.test")
    w = session(description="What is new for partners.")
    client.force_login(user)
    r = client.get(f"/portal/communications/webcasts/{w.pk}.ics")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(r.content)
    assert str(cal["METHOD"]) == "PUBLISH" and str(cal["VERSION"]) == "2.0"
    ev = cal.walk("VEVENT")[0]
    assert str(ev["UID"]) == webcasts.uid(w)
    assert ev["DTSTART"].dt == dt.datetime(2026, 12, 3, 15, 0, tzinfo=dt.UTC)
    assert ev["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert ev["DTEND"].dt - ev["DTSTART"].dt == dt.timedelta(hours=1)
    assert ev["DTSTAMP"].dt == NOW
    assert str(ev["SUMMARY"]) == "EMEA partner update"
    assert "What is new" in str(ev["DESCRIPTION"])
    assert str(ev["URL"]) == "https://webinar.example/emea-dec"
    assert int(ev["SEQUENCE"]) == 0 and str(ev["STATUS"]) == "CONFIRMED"
    assert cal.walk("VTIMEZONE")  # the TZID is defined in the file
    assert b"\r\n" in r.content


def _calendar(msg):
    parts = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    return parts[0], icalendar.Calendar.from_ical(parts[0].get_payload(decode=True))


def test_invitations_with_the_ics_and_the_cancellation(client, marketing, smtp_server, deliver):
    gb = person("gb@emea.test", full_name="Gina Brown")
    person("de@emea.test", language="de")
    person("us@amer.test", region="AMER")
    unsub = person("unsub@emea.test")
    Subscriber.objects.create(
        email=unsub.email, user=unsub, status=SubscriberStatus.SUBSCRIBED, topics=["flash"]
    )
    gone = person("gone@emea.test")
    Suppression.objects.create(email=gone.email, reason="hard_bounce")
    w = session()
    client.force_login(marketing)
    page = client.get(f"/console/communications/webcasts/{w.pk}/").content.decode()
    assert "2 partner people" in page
    r = client.post(f"/console/communications/webcasts/{w.pk}/invite/", follow=True)
    assert "Invitations queued: 2" in r.content.decode()
    deliver()
    msgs = {m["To"]: m for m in smtp_server.box.messages}
    assert set(msgs) == {"gb@emea.test", "de@emea.test"}
    part, cal = _calendar(msgs["gb@emea.test"])
    assert part.get_param("method") == "REQUEST"
    assert str(cal["METHOD"]) == "REQUEST"
    ev = cal.walk("VEVENT")[0]
    assert str(ev["UID"]) == webcasts.uid(w) and int(ev["SEQUENCE"]) == 0
    assert "gb@emea.test" in str(ev["ATTENDEE"])
    assert "EMEA partner update" in msgs["gb@emea.test"]["Subject"]
    assert msgs["de@emea.test"]["Subject"].startswith("Einladung: EMEA partner update")
    body = msgs["gb@emea.test"].get_body(preferencelist=("plain",)).get_content()
    assert "Thursday 3 December 2026, 16:00–17:00 (Europe/Berlin)" in body
    assert "https://webinar.example/emea-dec" in body
    # inviting again sends nothing new (once per session, person and revision)
    smtp_server.box.clear()
    client.post(f"/console/communications/webcasts/{w.pk}/invite/")
    deliver()
    assert smtp_server.box.messages == []
    # cancelling tells everyone invited (and only them), with METHOD:CANCEL and a higher SEQUENCE
    late = person("late@emea.test")
    r = client.post(f"/console/communications/webcasts/{w.pk}/cancel/", follow=True)
    assert "2 cancellations" in r.content.decode()
    deliver()
    msgs = {m["To"]: m for m in smtp_server.box.messages}
    assert set(msgs) == {"gb@emea.test", "de@emea.test"} and late.email not in msgs
    part, cal = _calendar(msgs["gb@emea.test"])
    assert part.get_param("method") == "CANCEL"
    ev = cal.walk("VEVENT")[0]
    assert str(cal["METHOD"]) == "CANCEL" and str(ev["STATUS"]) == "CANCELLED" and int(ev["SEQUENCE"]) == 1
    assert str(ev["UID"]) == webcasts.uid(w)
    w.refresh_from_db()
    assert w.cancelled and w.sequence == 1
    # a cancelled session is gone from the portal and cannot be invited to
    client.force_login(gb)
    assert "EMEA partner update" not in client.get("/portal/communications/webcasts/").content.decode()
    client.force_login(marketing)
    r = client.post(f"/console/communications/webcasts/{w.pk}/invite/", follow=True)
    assert "cancelled" in r.content.decode()


def test_changed_session_invites_again_with_a_new_sequence(marketing, smtp_server, deliver):
    person("gb@emea.test")
    w = session()
    assert webcasts.webcast_invite(webcast=w, by=marketing) == 1
    w = webcasts.webcast_save(
        webcast=w, data={"starts_at": dt.datetime(2026, 12, 3, 16, 0, tzinfo=dt.UTC)}, by=marketing
    )
    assert webcasts.webcast_invite(webcast=w, by=marketing) == 1
    deliver()
    seqs = sorted(int(_calendar(m)[1].walk("VEVENT")[0]["SEQUENCE"]) for m in smtp_server.box.messages)
    assert seqs == [0, 1]
