"""The staff console: directory with search, filters and export; partner page timeline; queues; admin."""

from __future__ import annotations

import csv
import html
import io
import json
import re

from openpyxl import load_workbook

from channelops.partners.models import PartnerStatus, Region, Tier
from channelops.partners.services import partner_set_status

from .factories import PartnerFactory


def test_directory_searches_and_filters(cam, login):
    PartnerFactory(legal_name="Zeta Analytics", region=Region.objects.get(code="APAC"))
    PartnerFactory(legal_name="Omega Consulting", tier=Tier.objects.get(slug="select"))
    PartnerFactory(legal_name="Applied Newcomer", status=PartnerStatus.APPLIED)
    client = login(cam)
    body = client.get("/console/partners/", {"q": "zeta"}).content.decode()
    assert "Zeta Analytics" in body and "Omega Consulting" not in body
    body = client.get("/console/partners/", {"region": "APAC"}).content.decode()
    assert "Zeta Analytics" in body and "Omega Consulting" not in body
    body = client.get("/console/partners/", {"tier": "select"}).content.decode()
    assert "Omega Consulting" in body and "Zeta Analytics" not in body
    body = client.get("/console/partners/", {"status": "applied"}).content.decode()
    assert "Applied Newcomer" in body and "Zeta Analytics" not in body


def test_directory_ignores_an_invalid_filter_value_with_a_message(cam, login):
    PartnerFactory(legal_name="Zeta Analytics")
    resp = login(cam).get("/console/partners/", {"region": "MARS"})
    assert resp.status_code == 200
    assert "Select a valid choice" in resp.content.decode()


def test_directory_exports_csv_and_xlsx_with_the_filters_applied(cam, login):
    PartnerFactory(legal_name="Zeta Analytics", region=Region.objects.get(code="APAC"))
    PartnerFactory(legal_name="=HYPERLINK(evil)")
    client = login(cam)
    resp = client.get("/console/partners/export.csv", {"region": "APAC"})
    assert resp["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(resp.streaming_content).decode())))
    assert rows[0][1] == "Legal name"
    assert [r[1] for r in rows[1:]] == ["Zeta Analytics"]
    resp = client.get("/console/partners/export.xlsx")
    ws = load_workbook(io.BytesIO(resp.content)).active
    names = sorted(row[1] for row in ws.iter_rows(min_row=2, values_only=True))
    assert names == ["'=HYPERLINK(evil)", "Zeta Analytics"]  # formulas are neutralised
    assert client.get("/console/partners/export.pdf").status_code == 404


def test_partner_page_shows_one_timeline_of_history_and_status_changes(cam, login, administrator):
    from channelops.partners.services import partner_create

    p = partner_create(
        legal_name="Timeline Co",
        country="FR",
        region=Region.objects.get(code="EMEA"),
        tier=Tier.objects.get(slug="open"),
        by=administrator,
    )
    partner_set_status(partner=p, to=PartnerStatus.ACTIVE, by=administrator, note="welcome")
    p.website = "https://timeline.example"
    p.save()
    body = login(cam).get(f"/console/partners/{p.pk}/?tab=timeline").content.decode()
    assert "Status: Applied → Active (welcome)" in body
    assert "Changed: website" in body
    assert "Partner record created" in body


def test_work_queues_page_lists_registered_queues_with_counts(cam, login):
    PartnerFactory(status=PartnerStatus.APPLIED)
    PartnerFactory(status=PartnerStatus.APPLIED)
    body = login(cam).get("/console/queues/").content.decode()
    assert "Partners awaiting activation" in body
    assert "<strong>2</strong>" in body
    assert "dead letters" not in body.lower()  # that queue is for administrators and leadership


def test_the_data_admin_is_themed_and_reachable_for_staff_with_mfa(administrator, login, partner_a):
    client = login(administrator)
    resp = client.get("/console/admin/")
    assert resp.status_code == 200
    assert b"unfold" in resp.content.lower()
    assert client.get("/console/admin/partners/partner/").status_code == 200
    assert client.get(f"/console/admin/partners/partner/{partner_a.pk}/history/").status_code == 200


def test_directory_query_count_is_constant(cam, login, django_assert_num_queries):
    client = login(cam)
    for _ in range(3):
        PartnerFactory()
    client.get("/console/partners/")  # warm caches
    # session, user, MFA check, page count, page rows, and one UNION query for the navigation: the
    # unread notifications badge with the person's permissions and roles (only permitted entries are
    # shown; the filter choices are memoised per process after the warm-up request: regions, tiers,
    # programs and CAMs are 4 more on a cold process)
    with django_assert_num_queries(6) as ctx:
        client.get("/console/partners/")
    small = len(ctx.captured_queries)
    for _ in range(50):
        PartnerFactory()
    with django_assert_num_queries(small):
        client.get("/console/partners/")


def test_directory_rows_escape_partner_data(cam, login):
    PartnerFactory(legal_name='<script>alert("x")</script> & Co')
    body = login(cam).get("/console/partners/").content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in body


def test_partner_page_charts_weekly_engagement_points(cam, login, partner_a):
    from datetime import timedelta

    from django.utils import timezone

    from channelops.console.timeline import engagement_weeks
    from channelops.partners.models import EngagementDaily

    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    EngagementDaily.objects.create(partner=partner_a, day=monday, events=3, points=10)
    EngagementDaily.objects.create(partner=partner_a, day=monday + timedelta(days=1), events=1, points=10)
    EngagementDaily.objects.create(partner=partner_a, day=monday - timedelta(weeks=2), events=2, points=5)
    EngagementDaily.objects.create(partner=partner_a, day=monday - timedelta(weeks=40), events=9, points=99)
    weeks = engagement_weeks(partner_a, today=today)
    assert len(weeks) == 26
    assert [w["points"] for w in weeks[-3:]] == [5, 0, 20]
    assert [w["events"] for w in weeks[-3:]] == [2, 0, 4]
    body = login(cam).get(f"/console/partners/{partner_a.pk}/?tab=engagement").content.decode()
    # A Chart.js chart (drawn by channelops/charts.js from the canvas's JSON), no hand-drawn SVG.
    (raw,) = re.findall(r'<canvas data-chart="([^"]*)"', body)
    chart = json.loads(html.unescape(raw))
    assert chart["type"] == "bar" and len(chart["labels"]) == 26
    assert chart["labels"][-1] == monday.isoformat()
    assert chart["datasets"][0]["data"][-3:] == [5, 0, 20]
    assert chart["x_title"] and chart["y_title"]
    assert "vendor/chartjs/chart.umd.min.js" in body and "channelops/charts.js" in body
    assert "<rect" not in body
    # The same figures as a table beside it: the accessible fallback.
    assert body.count('data-points="') == 26
    assert 'data-points="20"' in body and 'role="img"' in body
