"""The program overview (issue 13): every figure against a hand computation on a small dataset.

The world (clock frozen at 15 June 2026, noon UTC; fiscal quarters start in February, so this
quarter runs May–July):

=========  ======  ===========  ==========================================  ==============
partner    region  created      status history                              activity
=========  ======  ===========  ==========================================  ==============
P1         EMEA    10 Jan 2026  active throughout                           3 May (2 events)
P2         EMEA    5 Mar 2026   applied → active on 2 Apr                    10 May sign-in
P3         EMEA    1 Dec 2025   active → suspended on 20 May                 1 Apr (1 event)
P4         AMER    1 Feb 2026   active throughout (filtered out by EMEA)     11 May
=========  ======  ===========  ==========================================  ==============
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from channelops.agreements.querysets import partner_agreement_rows
from channelops.agreements.services import agreement_accept
from channelops.badges.models import Badge
from channelops.badges.services import badges_create_for_records
from channelops.enablement.models import Certification, PartnerCertification, PartnerCertificationStatus
from channelops.helpdesk.models import AccountReview
from channelops.insight import querysets as q
from channelops.insight.models import PartnerMonth
from channelops.insight.querysets import OverviewFilters
from channelops.insight.services import partner_months_refresh
from channelops.licensing.models import License, NfrRequest
from channelops.partners.models import (
    Application,
    EngagementDaily,
    PartnerStatusChange,
    Region,
)
from channelops.work.models import Cadence, Occurrence

from .factories import MembershipFactory, PartnerFactory, PractitionerRecordFactory, StaffFactory, UserFactory

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


def at(y: int, m: int, d: int, h: int = 12) -> dt.datetime:
    return dt.datetime(y, m, d, h, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(db, clock) -> dict[str, Any]:
    emea, amer = Region.objects.get(code="EMEA"), Region.objects.get(code="AMER")
    p1 = PartnerFactory(legal_name="P1", region=emea, created_at=at(2026, 1, 10))
    p2 = PartnerFactory(legal_name="P2", region=emea, created_at=at(2026, 3, 5))
    p3 = PartnerFactory(legal_name="P3", region=emea, created_at=at(2025, 12, 1), status="suspended")
    p4 = PartnerFactory(legal_name="P4", region=amer, created_at=at(2026, 2, 1))
    PartnerStatusChange.objects.create(
        partner=p2, from_status="applied", to_status="active", at=at(2026, 4, 2)
    )
    PartnerStatusChange.objects.create(
        partner=p3, from_status="active", to_status="suspended", at=at(2026, 5, 20)
    )
    EngagementDaily.objects.create(partner=p1, day=dt.date(2026, 5, 3), events=2, points=2)
    EngagementDaily.objects.create(partner=p2, day=dt.date(2026, 5, 10), events=1, points=1, sign_ins=1)
    EngagementDaily.objects.create(partner=p3, day=dt.date(2026, 4, 1), events=1, points=1)
    EngagementDaily.objects.create(partner=p4, day=dt.date(2026, 5, 11), events=1, points=1, sign_ins=1)
    return {"emea": emea, "amer": amer, "p1": p1, "p2": p2, "p3": p3, "p4": p4}


def emea3(w: dict[str, Any]) -> OverviewFilters:
    return OverviewFilters(today=TODAY, months=3, region=w["emea"])


def test_partners_by_status_and_map_month_by_month(world):
    partner_months_refresh(today=TODAY)
    rows = {r["month"]: r for r in q.partners_over_time(emea3(world))}
    assert list(rows) == [dt.date(2026, 4, 1), dt.date(2026, 5, 1), dt.date(2026, 6, 1)]
    april, may, june = rows.values()
    # April: P1, P2 (active since 2 Apr) and P3 active; only P3 did something.
    assert (april["active"], april["suspended"], april["applied"], april["total"]) == (3, 0, 0, 3)
    assert (april["map"], april["map_rate"]) == (1, 33.3)
    # May: P3 suspended on 20 May; P1 and P2 active and both did something.
    assert (may["active"], may["suspended"], may["total"]) == (2, 1, 3)
    assert (may["map"], may["map_rate"]) == (2, 100.0)
    # June: nobody has done anything yet.
    assert (june["active"], june["suspended"], june["map"], june["map_rate"]) == (2, 1, 0, 0.0)
    # Without the region filter, P4 (AMER, active, did something in May) counts too.
    may_all = q.partners_over_time(OverviewFilters(today=TODAY, months=3))[1]
    assert (may_all["active"], may_all["map"]) == (3, 3)
    # March, before P2's activation: P2 was applied.
    march = q.partners_over_time(OverviewFilters(today=TODAY, months=4, region=world["emea"]))[0]
    assert (march["month"], march["applied"], march["active"], march["total"]) == (
        dt.date(2026, 3, 1),
        1,
        2,
        3,
    )


def test_partners_now_by_region_tier_and_program(world):
    partner_months_refresh(today=TODAY)
    by_region = {r["key"]: r for r in q.partners_now(OverviewFilters(today=TODAY, months=3), "region")}
    assert (by_region["EMEA"]["active"], by_region["EMEA"]["suspended"], by_region["EMEA"]["total"]) == (
        2,
        1,
        3,
    )
    assert (by_region["AMER"]["active"], by_region["AMER"]["total"]) == (1, 1)
    by_tier = q.partners_now(emea3(world), "tier")
    assert [(r["key"], r["total"]) for r in by_tier] == [("open", 3)]


def test_the_rollup_follows_a_status_change_at_once(world, administrator):
    from channelops.partners.services import partner_set_status

    partner_months_refresh(today=TODAY)
    partner_set_status(partner=world["p1"], to="suspended", by=administrator, note="test")
    june = PartnerMonth.objects.get(partner=world["p1"], month=dt.date(2026, 6, 1))
    assert june.status == "suspended"
    assert PartnerMonth.objects.get(partner=world["p1"], month=dt.date(2026, 5, 1)).status == "active"


def _application(region: Region, created: dt.datetime, **kw: Any) -> Application:
    n = Application.objects.count()
    return Application.objects.create(
        company_name=f"Applicant {n}",
        website=f"https://applicant{n}.example",
        company_domain=f"applicant{n}.example",
        region=region,
        first_name="A",
        last_name="Person",
        email=f"person@applicant{n}.example",
        token_hash=f"{n:064d}",
        created_at=created,
        **kw,
    )


def test_funnel_counts_conversion_and_median_days(world):
    emea, amer, p2 = world["emea"], world["amer"], world["p2"]
    # A1 → P2: verified after 1 day, approved after 3 more, first sign-in 10 May (35 days later),
    # agreements accepted 12 May, first NFR request 20 May.
    _application(
        emea,
        at(2026, 4, 1),
        verified_at=at(2026, 4, 2),
        decided_at=at(2026, 4, 5),
        status="approved",
        partner=p2,
    )
    _application(emea, at(2026, 5, 1), verified_at=at(2026, 5, 3), status="submitted")
    _application(emea, at(2026, 5, 2), status="unverified")
    _application(amer, at(2026, 5, 1), verified_at=at(2026, 5, 1, 13), status="submitted")  # other region
    _application(
        emea, at(2025, 12, 1), verified_at=at(2025, 12, 1, 13), status="submitted"
    )  # before the period
    admin = MembershipFactory(partner=p2, role="admin").user
    with time_machine.travel(at(2026, 5, 12), tick=False):
        for row in partner_agreement_rows(p2):
            if row.needs_action:
                agreement_accept(
                    partner=p2, version=row.current, submitted_hash=row.current.content_hash, by=admin
                )
    NfrRequest.objects.create(
        partner=p2,
        contact_name="X",
        contact_email="x@p2.test",
        seats=1,
        purpose="lab",
        created_at=at(2026, 5, 20),
    )
    data = q.funnel(emea3(world))
    steps = {s["key"]: s for s in data["total"]["steps"]}
    assert [steps[k]["count"] for k in q.FUNNEL_STEPS] == [3, 2, 1, 1, 1, 1]
    assert [steps[k]["conversion"] for k in q.FUNNEL_STEPS] == [None, 66.7, 50.0, 100.0, 100.0, 100.0]
    assert [steps[k]["median_days"] for k in q.FUNNEL_STEPS] == [None, 1.5, 3, 35, 2, 8]
    assert [r["region"] for r in data["regions"]] == ["EMEA"]
    whole = q.funnel(OverviewFilters(today=TODAY, months=3))
    assert [r["region"] for r in whole["regions"]] == ["AMER", "EMEA"]
    assert whole["total"]["steps"][0]["count"] == 4


def test_nfr_pipeline_decision_times_and_expiring_licenses(world, settings):
    settings.NFR_DECISION_TARGET_DAYS = 2
    p1, p4 = world["p1"], world["p4"]

    def nfr(
        partner: Any, created: dt.datetime, status: str, decided: dt.datetime | None = None
    ) -> NfrRequest:
        return NfrRequest.objects.create(
            partner=partner,
            contact_name="X",
            contact_email="x@x.test",
            seats=1,
            purpose="lab",
            created_at=created,
            status=status,
            decided_at=decided,
        )

    approved = nfr(p1, at(2026, 4, 10), "approved", at(2026, 4, 11))  # 1 day
    nfr(p1, at(2026, 5, 3), "rejected", at(2026, 5, 6))  # 3 days
    nfr(p1, at(2026, 5, 7), "submitted")
    nfr(p1, at(2026, 2, 1), "approved", at(2026, 2, 2))  # before the period
    nfr(p4, at(2026, 5, 7), "approved", at(2026, 5, 7, 13))  # other region
    pipeline = {r["month"]: r for r in q.nfr_pipeline(emea3(world))}
    assert (pipeline[dt.date(2026, 4, 1)]["approved"], pipeline[dt.date(2026, 4, 1)]["total"]) == (1, 1)
    may = pipeline[dt.date(2026, 5, 1)]
    assert (may["rejected"], may["submitted"], may["approved"], may["total"]) == (1, 1, 0, 2)
    assert pipeline[dt.date(2026, 6, 1)]["total"] == 0
    d = q.decision_times(emea3(world))
    assert (d["decided"], d["median_days"], d["p90_days"], d["within_target"], d["within_rate"]) == (
        2,
        2.0,
        3.0,
        1,
        50.0,
    )

    def lic(partner: Any, expires_in: int, revoked: bool = False) -> None:
        req = nfr(partner, at(2026, 4, 1), "approved", at(2026, 4, 1))
        License.objects.create(
            request=req,
            partner=partner,
            contact_email="x@x.test",
            plan="premium",
            users=1,
            starts=TODAY,
            expires=TODAY + dt.timedelta(days=expires_in),
            key_id="k",
            payload={},
            file_text="-",
            revoked_at=NOW if revoked else None,
        )

    for days in (10, 45, 80, 200):
        lic(p1, days)
    lic(p1, 5, revoked=True)
    lic(p4, 10)
    assert approved.pk
    assert q.licenses_expiring(emea3(world)) == [
        {"days": 30, "count": 1},
        {"days": 60, "count": 2},
        {"days": 90, "count": 3},
    ]


def test_enablement_badges_and_reviews(world):
    p1, p2, p4 = world["p1"], world["p2"], world["p4"]
    r1 = PractitionerRecordFactory(partner=p1, email="a@p1.test")
    PractitionerRecordFactory(partner=p1, email="b@p1.test")
    PractitionerRecordFactory(partner=p2, email="c@p2.test")
    PractitionerRecordFactory(partner=p2, email="d@p2.test", exam_passed=False)  # not certified
    PractitionerRecordFactory(partner=p4, email="e@p4.test")  # other region
    certified = {r["certification__name"]: r for r in q.certified_people(emea3(world))}
    (sac,) = certified.values()
    assert (sac["people"], sac["partners"]) == (3, 2)

    psp = PartnerCertification.objects.get(slug="certified-professional-services-partner")
    PartnerCertificationStatus.objects.create(partner=p1, certification=psp, state="awarded")
    PartnerCertificationStatus.objects.create(partner=p2, certification=psp, state="onboarding")
    PartnerCertificationStatus.objects.create(partner=p4, certification=psp, state="awarded")
    assert [(r["certification__name"], r["partners"]) for r in q.partner_certifications(emea3(world))] == [
        (psp.name, 1)
    ]

    r1.certification = Certification.objects.filter(grants_badge=True).first()
    r1.save()
    (badge,) = badges_create_for_records(record_ids=[r1.pk])
    Badge.objects.filter(pk=badge.pk).update(status="issued", issued_at=at(2026, 5, 1))
    assert q.badges_issued(emea3(world)) == {"issued_in_period": 1, "valid_now": 1}

    def review(partner: Any, due: dt.date, done: dt.datetime | None = None) -> None:
        occ = Occurrence.objects.create(
            cadence=Cadence.objects.get(slug=f"review-weekly-{partner.region.code.lower()}"),
            scheduled_date=due,
            date=due,
        )
        AccountReview.objects.create(
            partner=partner,
            kind="weekly_new_applicant",
            occurrence=occ,
            due_date=due,
            status="done" if done else "open",
            completed_at=done,
        )

    review(p1, dt.date(2026, 5, 5), done=at(2026, 5, 4))  # on time
    review(p2, dt.date(2026, 5, 12), done=at(2026, 5, 20))  # late
    review(p3 := world["p3"], dt.date(2026, 6, 1))  # open, overdue
    review(p3, dt.date(2026, 6, 30))  # not due yet
    review(p1, dt.date(2026, 4, 20), done=at(2026, 4, 20))  # last quarter
    review(p4, dt.date(2026, 5, 5))  # other region
    assert [
        (r["code"], r["due"], r["done"], r["on_time"], r["rate"]) for r in q.review_completion(emea3(world))
    ] == [("EMEA", 3, 2, 1, 33.3)]


def test_overview_page_exports_and_filters(world, login, leadership, django_assert_max_num_queries):
    partner_months_refresh(today=TODAY)
    client = login(leadership)
    assert client.get(reverse("console:home"))["Location"] == reverse("console:overview")
    with django_assert_max_num_queries(40):
        resp = client.get(reverse("console:overview"), {"region": "EMEA", "months": "3"})
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "Program overview" in body
    assert f"{reverse('console:directory')}?region=EMEA&amp;status=suspended" in body
    csv = client.get(
        reverse("console:overview_export", args=["partners-trend", "csv"]), {"region": "EMEA", "months": "3"}
    )
    lines = b"".join(csv.streaming_content).decode().splitlines()
    assert lines[0].startswith("Month,Applied,Active,Suspended,Terminated,Total")
    assert lines[2].startswith("May 2026,0,2,1,0,3,2,100 %")
    xlsx = client.get(reverse("console:overview_export", args=["funnel", "xlsx"]))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert client.get(reverse("console:overview_export", args=["nope", "csv"])).status_code == 404
    bad = client.get(reverse("console:overview"), {"region": "MARS", "months": "7"})
    assert bad.status_code == 400
    assert "Some filters are not valid" in bad.content.decode()


def test_overview_query_count_is_constant_in_the_data(world, login, leadership, django_assert_num_queries):
    partner_months_refresh(today=TODAY)
    client = login(leadership)
    client.get(reverse("console:overview"))  # warm caches (navigation, choices)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(reverse("console:overview"))
    for i in range(20):
        p = PartnerFactory(legal_name=f"More {i}", created_at=at(2026, 1, 1))
        EngagementDaily.objects.create(partner=p, day=dt.date(2026, 5, 3), events=1, points=1)
        NfrRequest.objects.create(
            partner=p, contact_name="X", contact_email="x@x.test", seats=1, purpose="lab"
        )
        PractitionerRecordFactory(partner=p)
    partner_months_refresh(today=TODAY)
    with CaptureQueriesContext(connection) as big:
        client.get(reverse("console:overview"))
    assert len(big) == len(small)


def test_partners_people_never_reach_the_overview(world, login):
    person = MembershipFactory(partner=world["p1"], role="admin", user=UserFactory()).user
    client = login(person)
    assert client.get(reverse("console:overview")).status_code == 403
    assert client.get(reverse("console:overview_export", args=["funnel", "csv"])).status_code == 403


def test_every_staff_role_may_open_the_overview(world, login):
    cam = StaffFactory(roles=["cam"])
    assert login(cam).get(reverse("console:overview")).status_code == 200
    assert login(cam).get(reverse("console:home"))["Location"] == reverse("console:queues")


def test_refresh_command_reports_rows(world, capsys):
    from django.core.management import call_command

    call_command("insight_refresh", "--months", "2")
    assert "Recomputed 8 partner-month rows for 2 months." in capsys.readouterr().out
    assert timezone.localdate() == TODAY


# --- engagement analytics ------------------------------------------------------------------------


def test_portal_page_views_are_counted_per_partner_and_day(world, login, settings):
    from channelops.insight.models import PortalViewDaily

    settings.PAGE_VIEW_FLUSH_SECONDS = 0  # write at every view (in production: once a minute)
    admin = MembershipFactory(partner=world["p1"], role="admin").user
    client = login(admin)
    assert client.get(reverse("portal:dashboard")).status_code == 200
    assert client.get(reverse("portal:dashboard")).status_code == 200
    client.get("/portal/no-such-page/")  # a 404 is no page view
    row = PortalViewDaily.objects.get(partner=world["p1"])
    assert (row.day, row.views) == (TODAY, 2)
    staff = StaffFactory(roles=["cam"])
    login(staff).get(reverse("console:directory"))  # staff pages are not portal views
    assert PortalViewDaily.objects.count() == 1


def test_page_views_wait_for_the_flush_interval(world, login, settings):
    from channelops.insight.models import PortalViewDaily

    settings.PAGE_VIEW_FLUSH_SECONDS = 3600
    client = login(MembershipFactory(partner=world["p1"], role="admin").user)
    client.get(reverse("portal:dashboard"))
    assert not PortalViewDaily.objects.exists()


def test_engagement_figures(world, settings):
    from channelops.insight import engagement as q
    from channelops.insight.models import PortalViewDaily
    from channelops.partners.models import EngagementEvent, Partner

    p1, p2, p3, p4 = world["p1"], world["p2"], world["p3"], world["p4"]
    u1, u2 = UserFactory(), UserFactory()
    for u in (u1, u2, u1):
        EngagementEvent.objects.create(partner=p1, user=u, kind="download", at=at(2026, 5, 3))
    EngagementDaily.objects.create(partner=p1, day=dt.date(2026, 1, 20), events=5, points=10)
    PortalViewDaily.objects.create(partner=p1, day=dt.date(2026, 6, 1), views=7)
    PortalViewDaily.objects.create(partner=p4, day=dt.date(2026, 6, 1), views=3)  # other region
    MembershipFactory(partner=p2, role="user")  # joins today (June)
    Partner.objects.filter(pk=p1.pk).update(engagement_score=50)
    Partner.objects.filter(pk=p2.pk).update(engagement_score=10)
    Partner.objects.filter(pk=p3.pk).update(engagement_score=99)  # suspended
    Partner.objects.filter(pk=p4.pk).update(engagement_score=70)  # AMER
    partner_months_refresh(today=TODAY)
    f = emea3(world)

    months = {r["month"]: r for r in q.engagement_by_month(f)}
    may, june = months[dt.date(2026, 5, 1)], months[dt.date(2026, 6, 1)]
    assert (may["sign_ins"], may["active_users"], may["partners_active"], may["page_views"]) == (1, 2, 2, 0)
    assert (june["page_views"], june["new_users"], june["partners_active"]) == (7, 1, 0)

    weeks = {r["week"]: r for r in q.engagement_by_week(f)}
    assert list(weeks)[0] == dt.date(2026, 3, 23) and list(weeks)[-1] == dt.date(2026, 6, 15)
    assert (weeks[dt.date(2026, 4, 27)]["events"], weeks[dt.date(2026, 5, 4)]["sign_ins"]) == (2, 1)
    assert weeks[dt.date(2026, 6, 1)]["page_views"] == 7

    assert [r["legal_name"] for r in q.top_partners(f)] == ["P1", "P2"]
    falling = q.falling_partners(f)
    assert [(r["partner__legal_name"], r["before"], r["recent"], r["change"]) for r in falling] == [
        ("P1", 10, 2, -80.0)
    ]
    dormant = q.dormant_partners(f)
    assert dormant["count"] == 1 and [r["legal_name"] for r in dormant["rows"]] == ["P1"]


def test_engagement_page_and_exports(world, login, leadership):
    partner_months_refresh(today=TODAY)
    client = login(leadership)
    resp = client.get(reverse("console:engagement"), {"region": "EMEA"})
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "How the engagement score is counted" in body
    assert reverse("console:partner_detail", args=[world["p1"].pk]) in body  # dormant P1 links to its page
    csv = client.get(reverse("console:overview_export", args=["engagement-score", "csv"]))
    lines = b"".join(csv.streaming_content).decode().splitlines()
    assert lines[0] == "Action,Points" and lines[1] == "Training completed,8"


def test_agreement_compliance_per_region_links_to_the_report(world, login, leadership):
    """P1 accepted v1 of the master agreement, then v2 was published (re-acceptance due by 25 June);
    P2 never accepted; P3 is suspended (not counted); P4 (AMER) accepted v2."""
    from channelops.agreements.compliance import compliance_refresh
    from channelops.agreements.models import AgreementTemplate
    from channelops.agreements.services import version_create, version_publish

    p1, p4 = world["p1"], world["p4"]

    def accept(partner: Any) -> None:
        admin = MembershipFactory(partner=partner, role="admin").user
        for row in partner_agreement_rows(partner):
            if row.needs_action:
                agreement_accept(
                    partner=partner, version=row.current, submitted_hash=row.current.content_hash, by=admin
                )

    accept(p1)
    legal = StaffFactory(email="legal.insight@vendor.test", roles=["legal"])
    master = AgreementTemplate.objects.get(slug="master-partner-agreement")
    latest = master.versions.filter(partner__isnull=True).order_by("-number").first()
    draft = version_create(template=master, body=latest.body + "\nNew.\n", change_summary="v2", by=legal)
    version_publish(version=draft, by=legal, reaccept_by=TODAY + dt.timedelta(days=10))
    accept(p4)
    compliance_refresh()  # the factories' partners passed no partner service
    emea = q.agreement_compliance(emea3(world))
    assert emea == [
        {
            "code": "EMEA",
            "name": "EMEA",
            "active": 2,
            "accepted": 0,
            "rate": 0.0,
            "due": 1,
            "overdue": 0,
            "required": 1,
            "negotiating": 0,
        }
    ]
    everywhere = {r["code"]: r for r in q.agreement_compliance(OverviewFilters(today=TODAY, months=3))}
    assert (everywhere["AMER"]["active"], everywhere["AMER"]["accepted"], everywhere["AMER"]["rate"]) == (
        1,
        1,
        100.0,
    )
    # after the deadline P1's re-acceptance is overdue, without any refresh
    later = OverviewFilters(today=TODAY + dt.timedelta(days=11), months=3, region=world["emea"])
    [row] = q.agreement_compliance(later)
    assert (row["due"], row["overdue"], row["required"]) == (0, 1, 1)
    # the figure links to the report filtered the same way, which lists exactly those partners
    client = login(leadership)
    body = client.get(reverse("console:overview"), {"region": "EMEA", "months": "3"}).content.decode()
    link = f"{reverse('console:agreement_report')}?region=EMEA&amp;state=required"
    assert link in body
    report = client.get(reverse("console:agreement_report"), {"region": "EMEA", "state": "required"})
    text = report.content.decode()
    assert ">P2<" in text and ">P1<" not in text and ">P4<" not in text


def test_nfr_pipeline_cells_link_to_the_filtered_queue(world, login, leadership):
    p1, p4 = world["p1"], world["p4"]
    for partner, created, status in (
        (p1, at(2026, 5, 3), "rejected"),
        (p1, at(2026, 5, 7), "submitted"),
        (p1, at(2026, 4, 30, 23), "submitted"),  # April: not in May's cell
        (p4, at(2026, 5, 7), "submitted"),  # AMER: filtered out
    ):
        NfrRequest.objects.create(
            partner=partner,
            contact_name="X",
            contact_email="x@x.test",
            seats=1,
            purpose="lab",
            created_at=created,
            status=status,
        )
    client = login(leadership)
    body = client.get(reverse("console:overview"), {"region": "EMEA", "months": "3"}).content.decode()
    queue = reverse("console:nfr_requests")
    assert f"{queue}?region=EMEA&amp;month=2026-05&amp;status=submitted" in body
    may_submitted = client.get(queue, {"region": "EMEA", "month": "2026-05", "status": "submitted"})
    assert may_submitted.status_code == 200
    assert may_submitted.context["page"].paginator.count == 1
    may_all = client.get(queue, {"region": "EMEA", "month": "2026-05"})
    assert may_all.context["page"].paginator.count == 2
    # a month that is not one is refused with a message, and filters nothing
    bad = client.get(queue, {"month": "May"})
    assert "Enter a month as YYYY-MM, e.g. 2026-05." in bad.content.decode()
    assert 'type="month"' in bad.content.decode()
    assert bad.context["page"].paginator.count == 4
    # legal may not see NFR requests: the figures without the links
    legal = StaffFactory(email="legal.nfr@vendor.test", roles=["legal"])
    assert not legal.has_perm("licensing.view_nfrrequest")
    other = login(legal).get(reverse("console:overview"), {"region": "EMEA"}).content.decode()
    assert "NFR requests per month" in other and f"{queue}?" not in other
