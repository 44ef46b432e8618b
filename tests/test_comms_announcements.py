"""Announcements and special notices (channelops/communications/announcements.py, views_other.py):
requesting one creates the mailing and its work item in Partner Communication; the 30-day rule
refuses a send with less notice (with a clear error naming the latest date); channel leadership's
override is recorded with who, when and why (page, work item comment); scheduling sets the send
moment and checks the rule again — all through the console pages."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from channelops.communications import announcements
from channelops.communications.models import Mailing, MailingStatus
from channelops.core.exceptions import NotAllowed
from channelops.work.models import Comment, WorkItem

from .factories import PartnerFactory, StaffFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 16, 15, 0, tzinfo=dt.UTC)  # Monday 16 Nov 2026, 08:00 in Denver
TODAY = dt.date(2026, 11, 16)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def marketing(db):
    return StaffFactory(
        email="marketing@vendor.test", full_name="Mara Marketing", roles=["channel_marketing"]
    )


@pytest.fixture
def lead(db):
    return StaffFactory(email="lead@vendor.test", full_name="Leo Leadership", roles=["channel_leadership"])


def form(**over):
    data = {
        "title": "New price list",
        "change_kind": "pricing",
        "effective_on": "2027-01-31",
        "send_on": "2026-12-31",  # 31 days before
        "subject": "Pricing changes on 31 January",
        "body": "Prices change. See [the list](https://example.com/prices).",
        "regions": ["EMEA"],
        "signups": "on",
    }
    data.update(over)
    return data


def test_request_creates_the_mailing_and_its_work_item(client, marketing):
    partner = PartnerFactory(legal_name="Gamma Ltd", country="GB")
    client.force_login(marketing)
    page = client.get("/console/communications/announcements/new/")
    assert page.status_code == 200
    assert "30 days" in page.content.decode()
    assert "notice_override_reason" not in page.content.decode()  # not leadership
    r = client.post("/console/communications/announcements/new/", form(partners=[partner.pk]))
    assert r.status_code == 302, r.content.decode()[:2000]
    m = Mailing.objects.get()
    assert r["Location"] == f"/console/communications/announcements/{m.pk}/"
    assert (m.kind, m.topic, m.status, m.change_kind) == ("announcement", "announcements", "draft", "pricing")
    assert m.audience == {"partners": [partner.pk], "regions": ["EMEA"], "signups": True}
    item = m.work_item
    assert item.project.slug == "partner-communication"
    assert item.title == "Announcement: New price list"
    assert item.due_date == dt.date(2026, 12, 31)
    assert item.dri == marketing
    assert f"/console/communications/announcements/{m.pk}/" in item.description
    assert item.subject_id == m.pk
    detail = client.get(r["Location"]).content.decode()
    assert "New price list" in detail and "Gamma Ltd" in detail and f"/console/work/{item.pk}/" in detail
    assert "the list</a>" in detail and "&lt;p&gt;" not in detail  # the Markdown, rendered


def test_the_30_day_rule_refuses_less_notice_with_the_latest_date(client, marketing):
    client.force_login(marketing)
    r = client.post("/console/communications/announcements/new/", form(send_on="2027-01-05"))
    assert r.status_code == 400
    text = r.content.decode()
    assert "30 days" in text and "1 January 2027" in text  # 31 Jan − 30 days
    assert (
        not Mailing.objects.exists()
        and not WorkItem.objects.filter(project__slug="partner-communication").exists()
    )
    # exactly 30 days' notice is fine
    r = client.post("/console/communications/announcements/new/", form(send_on="2027-01-01"))
    assert r.status_code == 302


def test_a_reason_from_someone_not_in_leadership_is_refused(marketing):
    with pytest.raises(NotAllowed):
        announcements.announcement_request(
            kind="announcement",
            data={
                "title": "X",
                "change_kind": "program",
                "effective_on": TODAY + dt.timedelta(days=10),
                "send_on": TODAY,
            },
            by=marketing,
            override_reason="urgent",
        )
    assert not Mailing.objects.exists()


def test_leadership_override_is_recorded_and_audited(client, lead):
    client.force_login(lead)
    page = client.get("/console/communications/announcements/new/").content.decode()
    assert 'name="notice_override_reason"' in page
    # without a reason, leadership is refused like anyone
    r = client.post("/console/communications/announcements/new/", form(send_on="2027-01-20"))
    assert r.status_code == 400
    r = client.post(
        "/console/communications/announcements/new/",
        form(
            send_on="2027-01-20",
            notice_override_reason="Regulator deadline moved; partners were told on the call.",
        ),
    )
    assert r.status_code == 302
    m = Mailing.objects.get()
    assert m.notice_override_by == lead
    assert m.notice_override_at == NOW
    assert m.notice_override_reason.startswith("Regulator deadline")
    detail = client.get(r["Location"]).content.decode()
    assert "Less notice allowed" in detail and "Leo Leadership" in detail and "Regulator deadline" in detail
    comment = Comment.objects.get(item=m.work_item)
    assert comment.author == lead
    assert (
        "Leo Leadership" in comment.body
        and "Regulator deadline" in comment.body
        and "1 January 2027" in comment.body
    )
    # the override holds at scheduling time
    r = client.post(f"/console/communications/announcements/{m.pk}/schedule/")
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.status == MailingStatus.SCHEDULED


def test_an_override_is_not_recorded_when_the_notice_is_enough(lead):
    m = announcements.announcement_request(
        kind="announcement",
        data={
            "title": "X",
            "change_kind": "product",
            "effective_on": dt.date(2027, 3, 1),
            "send_on": dt.date(2026, 12, 1),
        },
        by=lead,
        override_reason="not needed",
    )
    assert m.notice_override_at is None and not Comment.objects.filter(item=m.work_item).exists()


def test_schedule_sets_the_send_moment_and_checks_the_rule_again(client, marketing, lead):
    client.force_login(marketing)
    client.post("/console/communications/announcements/new/", form())
    m = Mailing.objects.get()
    # the change moved earlier after the request (edited directly, as another process could)
    Mailing.objects.filter(pk=m.pk).update(effective_on=dt.date(2027, 1, 15))
    r = client.post(f"/console/communications/announcements/{m.pk}/schedule/", follow=True)
    assert "16 December 2026" in r.content.decode()
    m.refresh_from_db()
    assert m.status == MailingStatus.DRAFT and m.send_at is None
    # edited back: scheduled for 09:00 in Denver on the send date
    r = client.post(f"/console/communications/announcements/{m.pk}/edit/", form(effective_on="2027-02-15"))
    assert r.status_code == 302
    r = client.post(f"/console/communications/announcements/{m.pk}/schedule/")
    m.refresh_from_db()
    assert m.status == MailingStatus.SCHEDULED
    assert m.send_at == dt.datetime(2026, 12, 31, 16, 0, tzinfo=dt.UTC)  # 09:00 MST
    assert Comment.objects.filter(item=m.work_item, body__startswith="Scheduled by").exists()
    # a scheduled mailing is not edited; it goes back to a draft first
    r = client.get(f"/console/communications/announcements/{m.pk}/edit/")
    assert r.status_code == 302
    client.post(f"/console/communications/announcements/{m.pk}/unschedule/")
    m.refresh_from_db()
    assert (m.status, m.send_at) == ("draft", None)


def test_edit_moves_the_work_item_and_drops_an_old_override(client, lead):
    client.force_login(lead)
    client.post(
        "/console/communications/announcements/new/",
        form(send_on="2027-01-20", notice_override_reason="Late."),
    )
    m = Mailing.objects.get()
    assert m.notice_override_at
    r = client.post(f"/console/communications/announcements/{m.pk}/edit/", form(send_on="2027-01-22"))
    assert r.status_code == 400  # the override was for the old dates
    r = client.post(f"/console/communications/announcements/{m.pk}/edit/", form(send_on="2026-12-20"))
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.notice_override_at is None and m.notice_override_reason == ""
    assert m.work_item.due_date == dt.date(2026, 12, 20)


def test_past_send_dates_are_refused(client, marketing):
    client.force_login(marketing)
    r = client.post("/console/communications/announcements/new/", form(send_on="2026-11-10"))
    assert r.status_code == 400 and "has passed" in r.content.decode()
    # today's send time (09:00 Denver = 16:00 UTC) has not passed at 15:00 UTC; at 17:00 it has
    client.post(
        "/console/communications/announcements/new/",
        form(title="Today", send_on="2026-11-16", effective_on="2027-01-01"),
    )
    m = Mailing.objects.get(title="Today")
    later = dt.datetime(2026, 11, 16, 17, 0, tzinfo=dt.UTC)
    with time_machine.travel(later, tick=False), pytest.raises(ValidationError) as exc:
        announcements.announcement_schedule(mailing=m, by=marketing)
    assert "send_on" in exc.value.error_dict


def test_special_notice_has_no_30_day_rule(client, marketing):
    client.force_login(marketing)
    page = client.get("/console/communications/announcements/new/?kind=special").content.decode()
    assert 'name="effective_on"' not in page
    r = client.post(
        "/console/communications/announcements/new/?kind=special",
        {
            "title": "Partner summit invitation",
            "send_on": "2026-11-17",
            "body": "Join us.",
            "tiers": ["select"],
        },
    )
    assert r.status_code == 302
    m = Mailing.objects.get()
    assert (m.kind, m.topic, m.effective_on) == ("special", "special", None)
    assert m.work_item.title == "Special notice: Partner summit invitation"
    client.post(f"/console/communications/announcements/{m.pk}/schedule/")
    m.refresh_from_db()
    assert m.status == "scheduled" and m.send_at == dt.datetime(2026, 11, 17, 16, 0, tzinfo=dt.UTC)


def test_list_and_permissions(client, marketing, cam, django_assert_max_num_queries):
    for i in range(3):
        announcements.announcement_request(
            kind="announcement",
            data={
                "title": f"A{i}",
                "change_kind": "program",
                "effective_on": dt.date(2027, 3, 1),
                "send_on": dt.date(2027, 1, 1),
            },
            by=marketing,
        )
    client.force_login(cam)  # views, does not manage
    with django_assert_max_num_queries(12):
        page = client.get("/console/communications/announcements/")
    assert page.status_code == 200 and "A2" in page.content.decode()
    assert "Request an announcement" not in page.content.decode()
    assert client.get("/console/communications/announcements/new/").status_code == 403
    m = Mailing.objects.first()
    assert client.get(f"/console/communications/announcements/{m.pk}/").status_code == 200
    assert client.post(f"/console/communications/announcements/{m.pk}/schedule/").status_code == 403
    m.refresh_from_db()
    assert m.status == "draft"


def test_cancel(client, marketing):
    client.force_login(marketing)
    client.post("/console/communications/announcements/new/", form())
    m = Mailing.objects.get()
    client.post(f"/console/communications/announcements/{m.pk}/cancel/")
    m.refresh_from_db()
    assert m.status == "cancelled"
