"""Portal notices (channelops/communications/notices.py, views_other.py): the console's CRUD with
the audience fields and date validation, the notice on the portal home of the people addressed
between its dates until each dismisses it (plain POST), never to anyone else, in constant queries."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from channelops.communications import notices
from channelops.communications.models import NoticeDismissal, PortalNotice
from channelops.partners.models import Program, Region, Tier

from .factories import MembershipFactory, PartnerFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 16, 12, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 16)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def marketing(db):
    return StaffFactory(email="marketing@vendor.test", roles=["channel_marketing"])


@pytest.fixture
def select_emea(db):
    p = PartnerFactory(legal_name="Select EMEA Ltd", country="GB", tier=Tier.objects.get(slug="select"))
    return MembershipFactory(partner=p, role="admin", user=UserFactory(email="sel@emea.test")).user


@pytest.fixture
def open_amer(db):
    p = PartnerFactory(legal_name="Open AMER Inc", country="GB", region=Region.objects.get(code="AMER"))
    return MembershipFactory(partner=p, role="user", user=UserFactory(email="open@amer.test")).user


def notice(**kw):
    data = {"title": "For everyone", "starts_on": TODAY, "ends_on": TODAY + dt.timedelta(days=7)}
    data.update(kw)
    return PortalNotice.objects.create(**data)


def test_console_creates_a_notice_with_its_audience(client, marketing):
    client.force_login(marketing)
    assert client.get("/console/communications/notices/new/").status_code == 200
    r = client.post(
        "/console/communications/notices/new/",
        {
            "title": "Partner survey",
            "body": "Tell us how we do.",
            "link_url": "https://survey.example/q4",
            "link_label": "Take the survey",
            "starts_on": "2026-11-16",
            "ends_on": "2026-11-30",
            "tiers": ["select"],
            "regions": ["EMEA"],
            "roles": ["admin"],
            "languages": ["en"],
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    n = PortalNotice.objects.get()
    assert n.audience == {"languages": ["en"], "regions": ["EMEA"], "roles": ["admin"], "tiers": ["select"]}
    assert n.created_by == marketing
    assert "Partner survey" in client.get("/console/communications/notices/").content.decode()
    # the end before the start: a clear error, nothing changed
    r = client.post(
        f"/console/communications/notices/{n.pk}/",
        {"title": "Changed", "starts_on": "2026-11-20", "ends_on": "2026-11-19"},
    )
    assert r.status_code == 400 and "cannot be before the first day" in r.content.decode()
    n.refresh_from_db()
    assert n.title == "Partner survey"
    r = client.post(f"/console/communications/notices/{n.pk}/delete/")
    assert r.status_code == 302 and not PortalNotice.objects.exists()


def test_service_validates_dates():
    with pytest.raises(Exception) as exc:
        notices.notice_save(
            notice=None,
            data={"title": "X", "starts_on": TODAY, "ends_on": TODAY - dt.timedelta(days=1)},
            by=StaffFactory(roles=["channel_marketing"]),
        )
    assert "ends_on" in exc.value.error_dict  # type: ignore[attr-defined]


def test_cam_may_not_manage_notices(client, cam):
    client.force_login(cam)
    assert client.get("/console/communications/notices/new/").status_code == 403


def test_each_person_sees_only_the_notices_addressed_to_them(client, select_emea, open_amer):
    notice(title="Everyone")
    notice(title="Select tier only", audience={"tiers": ["select"]}, urgent=True)
    notice(title="AMER only", audience={"regions": ["AMER"]})
    notice(title="Admins only", audience={"roles": ["admin"]})
    notice(title="German only", audience={"languages": ["de"]})
    notice(title="Partner list", audience={"partners": [open_amer.partner_id]})
    notice(title="Over", starts_on=TODAY - dt.timedelta(days=9), ends_on=TODAY - dt.timedelta(days=1))
    notice(title="Not yet", starts_on=TODAY + dt.timedelta(days=1))
    program, _c = Program.objects.get_or_create(slug="comms-test-msp", defaults={"name": "Comms test MSP"})
    select_emea.partner_membership.partner.programs.add(program)
    notice(title="MSP partners", audience={"programs": ["comms-test-msp"]})

    client.force_login(select_emea)
    text = client.get("/portal/").content.decode()
    shown = {
        t
        for t in (
            "Everyone",
            "Select tier only",
            "AMER only",
            "Admins only",
            "German only",
            "Partner list",
            "Over",
            "Not yet",
            "MSP partners",
        )
        if f">{t}<" in text or f"{t}</h2>" in text
    }
    assert shown == {"Everyone", "Select tier only", "Admins only", "MSP partners"}
    assert text.index("Select tier only") < text.index("Everyone")  # urgent first

    client.force_login(open_amer)
    text = client.get("/portal/").content.decode()
    shown = {
        t
        for t in (
            "Everyone",
            "Select tier only",
            "AMER only",
            "Admins only",
            "German only",
            "Partner list",
            "MSP partners",
        )
        if f"{t}</h2>" in text
    }
    assert shown == {"Everyone", "AMER only", "Partner list"}


def test_dismiss_hides_the_notice_for_that_person_only(client, select_emea):
    n = notice(title="Summit invitation", link_url="https://summit.example", link_label="Register")
    colleague = MembershipFactory(
        partner=select_emea.partner_membership.partner, user=UserFactory(email="c@emea.test")
    ).user
    client.force_login(select_emea)
    assert "Summit invitation" in client.get("/portal/").content.decode()
    assert client.get(f"/portal/communications/notices/{n.pk}/dismiss/").status_code == 405
    r = client.post(f"/portal/communications/notices/{n.pk}/dismiss/", {"next": "/portal/"})
    assert r.status_code == 302 and r["Location"] == "/portal/"
    assert "Summit invitation" not in client.get("/portal/").content.decode()
    # twice is harmless; an outside "next" is not followed
    r = client.post(f"/portal/communications/notices/{n.pk}/dismiss/", {"next": "https://evil.example/"})
    assert r["Location"] == "/portal/"
    assert NoticeDismissal.objects.filter(notice=n).count() == 1
    client.force_login(colleague)
    assert "Summit invitation" in client.get("/portal/").content.decode()


def test_a_notice_not_addressed_to_the_person_cannot_be_dismissed(client, select_emea, open_amer):
    n = notice(title="AMER only", audience={"regions": ["AMER"]})
    client.force_login(select_emea)
    assert client.post(f"/portal/communications/notices/{n.pk}/dismiss/").status_code == 404
    assert not NoticeDismissal.objects.exists()


def test_portal_home_queries_stay_constant_as_notices_grow(client, select_emea, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    notice(title="One", audience={"programs": ["none"]})
    client.force_login(select_emea)
    client.get("/portal/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/portal/").status_code == 200
    for i in range(12):
        notice(
            title=f"N{i}",
            audience={"tiers": ["select"], "regions": ["EMEA"], "programs": ["none"] if i % 2 else []},
        )
    for i in range(3):
        NoticeDismissal.objects.create(notice=notice(title=f"D{i}"), user=select_emea)
    with CaptureQueriesContext(connection) as many:
        text = client.get("/portal/").content.decode()
    assert "N10</h2>" in text and "N11</h2>" not in text and "D1</h2>" not in text
    assert len(many.captured_queries) == len(few.captured_queries)
