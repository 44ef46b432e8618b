"""Mailing metrics (docs/communications-tracking.md "Metrics"): the figures of a mailing, the console's
report and over-time pages with their charts and exports, the per-subscriber history on the
partner page, and their query counts as the data grows."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from channelops.communications import links, metrics, tracking
from channelops.communications.models import EventKind, RecipientStatus

from .comms_factories import (
    EventFactory,
    MailingLinkFactory,
    RecipientFactory,
    SentMailingFactory,
)
from .factories import PartnerFactory, StaffFactory

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"


def _open(r, agent=BROWSER):
    tracking.record_open(recipient_id=r.pk, user_agent=agent)


def _click(r, position):
    assert tracking.record_click(recipient_id=r.pk, position=position, user_agent=BROWSER)


def build_mailing(n_extra: int = 0, **kw):
    """A sent edition: 10 recipients (8 sent, 1 bounced hard, 1 failed) plus ``n_extra`` sent ones;
    4 people opened, 2 only machines; 2 people clicked link 1, one of them link 2 as well; one
    unsubscribed, one complained; ratings 5, 4 and 3 (one with a comment)."""
    m = SentMailingFactory(**kw)
    l1 = MailingLinkFactory(mailing=m, position=1)
    MailingLinkFactory(mailing=m, position=2)
    MailingLinkFactory(mailing=m, position=3)
    partner = PartnerFactory(country="GB")
    rs = [RecipientFactory(mailing=m, partner=partner) for _ in range(8 + n_extra)]
    bounced = RecipientFactory(mailing=m, partner=partner, status=RecipientStatus.BOUNCED)
    EventFactory(recipient=bounced, kind=EventKind.HARD_BOUNCE)
    RecipientFactory(mailing=m, partner=partner, status=RecipientStatus.FAILED, sent_at=None)
    for r in rs[:4]:
        _open(r)
    _open(rs[0])  # a second open
    _open(rs[4], "Mozilla/5.0")
    _open(rs[5], "Mozilla/5.0")
    _click(rs[0], 1)
    _click(rs[0], 2)
    _click(rs[1], 1)
    tracking.record_click(recipient_id=rs[6].pk, position=1, user_agent="curl/8.0")  # a scanner
    EventFactory(recipient=rs[7], kind=EventKind.UNSUBSCRIBE)
    EventFactory(recipient=rs[3], kind=EventKind.COMPLAINT)
    tracking.record_feedback(recipient_id=rs[0].pk, rating=5, comment="Loved the deal of the month")
    tracking.record_feedback(recipient_id=rs[1].pk, rating=4)
    tracking.record_feedback(recipient_id=rs[2].pk, rating=3)
    return m, rs, l1


def test_the_figures_of_a_mailing():
    m, _rs, _l1 = build_mailing()
    f = metrics.figures(m)
    assert (f.recipients, f.sent, f.delivered, f.bounced, f.failed) == (10, 9, 8, 1, 1)
    assert (f.hard_bounces, f.soft_bounces, f.complaints, f.unsubscribes) == (1, 0, 1, 1)
    assert (f.human_openers, f.machine_openers) == (4, 2)
    assert (f.total_opens, f.human_opens, f.machine_opens) == (7, 5, 2)
    assert (f.clickers, f.clicks, f.machine_clicks) == (2, 3, 1)
    assert f.open_rate == 50.0  # 4 people of 8 delivered; machine opens do not count
    assert f.open_rate_with_machines == 75.0
    assert f.click_rate == 25.0
    assert (f.feedback, f.average_rating, f.comments) == (3, 4.0, 1)
    per_link = {r.link.position: (r.clicks, r.clickers, r.machine_clicks) for r in metrics.link_clicks(m)}
    assert per_link == {1: (2, 2, 1), 2: (1, 1, 0), 3: (0, 0, 0)}
    assert metrics.rating_counts(m) == [0, 0, 1, 1, 1]


def test_a_mailing_without_recipients_has_no_rates():
    f = metrics.figures(SentMailingFactory())
    assert f.delivered == 0 and f.open_rate is None and f.click_rate is None


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(url)
    assert resp.status_code == 200, resp.content[:500]
    return len(ctx.captured_queries), resp


def test_the_report_page_shows_the_figures_links_feedback_and_charts(login, cam):
    m, rs, _l1 = build_mailing(title="Partner Flash — November")
    client = login(cam)
    _n, resp = _count_queries(client, f"/console/communications/mailings/{m.pk}/report/")
    body = resp.content.decode()
    assert 'data-figure="open_rate">50.0 %' in body
    assert 'data-figure="click_rate">25.0 %' in body
    assert 'data-figure="machine_openers">2' in body
    assert "Loved the deal of the month" in body and rs[0].email in body
    assert "vendor/chartjs/chart.umd.min.js" in body and "data-chart=" in body
    assert "https://vendor.example/flash/link-1" in body
    charts = [json.loads(c.replace("&quot;", '"')) for c in re.findall(r'data-chart="([^"]+)"', body)]
    assert {c["type"] for c in charts} == {"line", "bar"}


def test_the_report_page_runs_the_same_queries_whatever_the_number_of_recipients(login, cam):
    small, _rs, _l1 = build_mailing()
    big, _rs2, _l2 = build_mailing(n_extra=25)
    client = login(cam)
    _count_queries(client, f"/console/communications/mailings/{small.pk}/report/")  # warm caches
    n_small, _ = _count_queries(client, f"/console/communications/mailings/{small.pk}/report/")
    n_big, _ = _count_queries(client, f"/console/communications/mailings/{big.pk}/report/")
    assert n_small == n_big


def test_the_per_recipient_export(login, cam):
    m, rs, _l1 = build_mailing()
    client = login(cam)
    resp = client.get(f"/console/communications/mailings/{m.pk}/report/recipients.csv")
    assert resp.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(resp.streaming_content).decode())))
    assert rows[0][0] == "E-mail" and len(rows) == 11
    by_email = {r[0]: r for r in rows[1:]}
    assert by_email[rs[0].email][10] == "5" and by_email[rs[0].email][11] == "Loved the deal of the month"
    assert by_email[rs[4].email][7] == "yes"  # opened by a machine only
    assert by_email[rs[7].email][12] == "yes"  # unsubscribed
    resp = client.get(f"/console/communications/mailings/{m.pk}/report/recipients.xlsx")
    assert resp.status_code == 200 and resp["Content-Type"].startswith("application/vnd.openxml")
    assert client.get(f"/console/communications/mailings/{m.pk}/report/recipients.pdf").status_code == 404


def test_staff_without_the_permission_and_partner_people_cannot_see_the_reports(login, admin_a):
    m, _rs, _l1 = build_mailing()
    legal = StaffFactory(roles=["legal"])
    for user in (legal, admin_a):
        client = login(user)
        for url in (
            f"/console/communications/mailings/{m.pk}/report/",
            f"/console/communications/mailings/{m.pk}/report/recipients.csv",
            "/console/communications/metrics/",
        ):
            assert client.get(url).status_code == 403, (user, url)
    anonymous = Client()
    resp = anonymous.get(f"/console/communications/mailings/{m.pk}/report/")
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]


def test_over_time_the_first_editions_are_measured_against_the_targets(settings, login, cam):
    settings.COMMS_TARGET_MONTHS = 2
    settings.COMMS_TARGET_OPEN_RATE = 40.0
    settings.COMMS_TARGET_CLICK_RATE = 30.0
    first, _a, _b = build_mailing()  # open 50 %, click 25 %
    second = SentMailingFactory()
    MailingLinkFactory(mailing=second, position=1)
    readers = [RecipientFactory(mailing=second) for _ in range(4)]
    for r in readers[:2]:
        _open(r)
    _click(readers[0], 1)  # open 50 %, click 25 %
    build_mailing()  # a third edition: outside the target period
    data = metrics.flash_over_time()
    assert [e.mailing.pk for e in data.editions][:2] == [first.pk, second.pk]
    assert [e.in_target_window for e in data.editions] == [True, True, False]
    assert (data.window_open_rate, data.window_click_rate, data.window_editions) == (50.0, 25.0, 2)
    assert data.open_on_target is True and data.click_on_target is False
    client = login(cam)
    n3, resp = _count_queries(client, "/console/communications/metrics/")
    body = resp.content.decode()
    assert 'data-figure="window_open_rate">50.0 %' in body and "Below target" in body
    assert f"/console/communications/mailings/{second.pk}/report/" in body
    build_mailing()
    build_mailing(n_extra=10)
    n5, _ = _count_queries(client, "/console/communications/metrics/")
    assert n3 == n5  # the same queries for 3 or 5 editions of any size


def test_over_time_without_editions_says_what_comes(login, cam):
    _n, resp = _count_queries(login(cam), "/console/communications/metrics/")
    assert "No Partner Flash edition has been sent yet." in resp.content.decode()


# --- per-subscriber history ----------------------------------------------------------------------


def test_history_of_a_person_over_mailings():
    m1, rs, _l1 = build_mailing()
    m2 = SentMailingFactory()
    again = RecipientFactory(mailing=m2, email=rs[0].email, partner=rs[0].partner)
    _open(again, "Mozilla/5.0")
    rows, total = metrics.history_for(email=rs[0].email.upper())
    assert total == 2
    by_mailing = {r.mailing_id: r for r in rows}
    first = by_mailing[m1.pk]
    assert (first.opens, first.clicks, first.rating, first.comment) == (
        2,
        2,
        5,
        "Loved the deal of the month",
    )
    assert by_mailing[m2.pk].machine_open is True
    unsub = metrics.history_for(email=rs[7].email)[0][0]
    assert unsub.unsubscribed is True and unsub.complained is False


def _partner_tab(client, partner):
    return _count_queries(client, f"/console/partners/{partner.pk}/?tab=mailings")


def test_the_partner_page_shows_its_peoples_mailings_with_a_constant_query_count(login, cam):
    m, rs, _l1 = build_mailing(title="Partner Flash — October")
    partner = rs[0].partner
    client = login(cam)
    _partner_tab(client, partner)
    n_before, resp = _partner_tab(client, partner)
    body = resp.content.decode()
    assert "Partner Flash &amp; mailings" in body or "Partner Flash & mailings" in body
    assert "Partner Flash — October" in body and rs[0].email in body
    assert f"/console/communications/mailings/{m.pk}/report/" in body
    assert "The newest 10 of 10" not in body
    for _ in range(3):  # more mailings, more people of the partner
        other = SentMailingFactory()
        for r in rs[:5]:
            _open(RecipientFactory(mailing=other, email=r.email, partner=partner))
    n_after, resp = _partner_tab(client, partner)
    assert n_after == n_before
    assert "The newest 10 of 25" in resp.content.decode()


def test_the_partner_tab_is_only_for_staff_who_see_mailings(login):
    partner = PartnerFactory(country="GB")
    legal = StaffFactory(roles=["legal"])
    client = login(legal)
    assert client.get(f"/console/partners/{partner.pk}/?tab=mailings").status_code in (403, 404)
    assert "tab=mailings" not in client.get(f"/console/partners/{partner.pk}/").content.decode()


def test_the_history_include_renders_for_one_person(rf, cam):
    """The include other pages (the subscriber page) reuse: ``_history.html`` with ``history_for``."""
    from django.template.loader import render_to_string

    _m, rs, _l1 = build_mailing()
    rows, total = metrics.history_for(email=rs[0].email)
    html = render_to_string(
        "communications/tracking/_history.html",
        {
            "history": rows,
            "history_total": total,
            "history_show_addresses": False,
            "history_report_links": True,
        },
    )
    assert "5 of 5" in html and rs[0].email not in html
    assert links.PUBLIC_PREFIX not in html  # no tracking link (no token) on a staff page
