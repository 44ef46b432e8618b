"""The console's partner page, "Partner 360" (channelops/console/partner360/, docs/partners.md):
one tab per kind of record, each with a fixed number of queries whatever the partner's data size."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from channelops.agreements.models import AgreementEvent, AgreementTemplate, LegalRequest
from channelops.badges.services import badges_create_for_records
from channelops.console.partner360 import LIMIT, SECTIONS
from channelops.enablement.models import (
    BusinessPlan,
    Certification,
    EnablementPlanEntry,
    PartnerCertification,
    PartnerCertificationStatus,
)
from channelops.helpdesk.models import AccountReview
from channelops.licensing.issuing import license_issue
from channelops.licensing.models import NfrRequest
from channelops.partners.models import EngagementDaily, PartnerStatusChange
from channelops.work.models import Cadence, Occurrence, Project, WorkTemplate
from channelops.work.services.items import work_item_create
from channelops.work.services.templates import journey_assign

from .factories import ContactFactory, MembershipFactory, PractitionerRecordFactory, StaffFactory, UserFactory

TABS = [s.key for s in SECTIONS]


def page(client, partner, tab: str = "") -> str:
    resp = client.get(f"/console/partners/{partner.pk}/" + (f"?tab={tab}" if tab else ""))
    assert resp.status_code == 200, (tab, resp.status_code)
    return resp.content.decode()


def populate(partner, n: int, tag: str, *, by) -> dict[str, list]:
    """``n`` records of every kind the page shows for ``partner``; names and e-mails carry ``tag``."""
    today = timezone.localdate()
    made: dict[str, list] = {k: [] for k in ("legal", "work", "nfr", "licenses", "reviews")}
    opener = UserFactory(email=f"{tag.lower()}-opener@example.test")
    master = AgreementTemplate.objects.get(slug="master-partner-agreement")
    version = master.versions.get(number=1)
    project = Project.objects.get(slug="channels")
    onboarding = WorkTemplate.objects.get(slug="partner-onboarding")
    certs = list(Certification.objects.filter(grants_badge=True)[:1]) or list(Certification.objects.all()[:1])
    partner_certs = list(PartnerCertification.objects.all())
    start = EngagementDaily.objects.filter(partner=partner).count()  # a second batch follows the first
    for j in range(n):
        i = start + j
        ContactFactory(partner=partner, first_name=f"{tag}Contact", last_name=f"N{i}")
        made["legal"].append(
            LegalRequest.objects.create(
                partner=partner,
                template=master,
                version=version,
                proposed_changes=f"{tag} {i}",
                opened_by=opener,
            )
        )
        made["work"].append(
            work_item_create(
                project=project, title=f"{tag} work {i}", dri=by, by=by, due_date=today, partner=partner
            )
        )
        person = MembershipFactory(partner=partner, user=UserFactory(full_name=f"{tag}Person {i}")).user
        journey_assign(template=onboarding, partner=partner, user=person, by=by)
        made["nfr"].append(
            NfrRequest.objects.create(
                partner=partner,
                contact_name=f"{tag} contact",
                contact_email=f"{tag.lower()}-nfr{i}@example.test",
                plan="premium",
                seats=3,
                purpose=f"{tag} lab",
                status="submitted",
                requested_by=opener,
            )
        )
        approved = NfrRequest.objects.create(
            partner=partner,
            contact_name=f"{tag} contact",
            contact_email=f"{tag.lower()}-lic{i}@example.test",
            plan="premium",
            seats=3,
            purpose=f"{tag} licensed lab",
            status="approved",
            requested_by=opener,
        )
        made["licenses"].append(license_issue(request=approved, by=None))
        record = PractitionerRecordFactory(
            partner=partner, full_name=f"{tag}Practitioner {i}", certification=certs[0]
        )
        badges_create_for_records(record_ids=[record.pk])
        EnablementPlanEntry.objects.create(
            partner=partner,
            full_name=f"{tag}Planned {i}",
            email=f"{tag.lower()}-plan{i}@example.test",
            certification=certs[0],
            target_date=today + timedelta(days=30 + i),
        )
        BusinessPlan.objects.create(partner=partner, version=i + 1, state="submitted")
        if i < len(partner_certs):
            PartnerCertificationStatus.objects.create(
                partner=partner, certification=partner_certs[i], state="none"
            )
        occ, _new = Occurrence.objects.get_or_create(
            cadence=Cadence.objects.get(slug=f"review-weekly-{partner.region.code.lower()}"),
            scheduled_date=today - timedelta(days=7 * i + 1),
            defaults={"date": today - timedelta(days=7 * i + 1)},
        )
        made["reviews"].append(
            AccountReview.objects.create(
                partner=partner, kind="weekly_new_applicant", occurrence=occ, due_date=occ.date, reason=tag
            )
        )
        EngagementDaily.objects.create(partner=partner, day=today - timedelta(days=i), events=1, points=7)
        PartnerStatusChange.objects.create(
            partner=partner, from_status="active", to_status="active", note=f"{tag} {i}"
        )
        AgreementEvent.objects.create(partner=partner, kind="prompted", detail=f"{tag} event {i}")
    return made


@pytest.fixture
def two_partners(partner_a, partner_b, cam, license_key_dir):
    from channelops.partners.models import Partner

    Partner.objects.filter(pk__in=[partner_a.pk, partner_b.pk]).update(cam=cam)
    partner_a.refresh_from_db()
    a = populate(partner_a, 3, "ACMEMARK", by=cam)
    b = populate(partner_b, 3, "BETAMARK", by=cam)
    return a, b


def test_as_the_cam_every_tab_shows_partner_as_records_and_none_of_partner_bs(
    two_partners, partner_a, cam, login
):
    a, b = two_partners
    client = login(cam)
    seen = {}
    for tab in TABS:
        body = page(client, partner_a, tab)
        assert "BETAMARK" not in body, tab
        seen[tab] = body
    # every tab is offered to the CAM, and each tab shows partner A's records
    for tab in TABS:
        assert f'data-tab="{tab}"' in seen["overview"]
    assert "ACMEMARKContact" in seen["people"]
    for lr in a["legal"]:
        assert reverse("console:legal_request", args=[lr.pk]) in seen["agreements"]
    for item in a["work"]:
        assert reverse("console:work_item", args=[item.pk]) in seen["work"]
    assert "ACMEMARKPerson" in seen["work"]  # journeys of partner A's people
    for req in a["nfr"]:
        assert f'href="{reverse("console:nfr_request", args=[req.pk])}"' in seen["nfr"]
    for lic in a["licenses"]:
        assert reverse("console:license", args=[lic.pk]) in seen["nfr"]
    assert "ACMEMARKPractitioner" in seen["certifications"]
    assert "ACMEMARKPractitioner" in seen["badges"]
    assert "ACMEMARKPlanned" in seen["enablement"]
    assert reverse("console:plan_detail", args=[partner_a.pk]) in seen["enablement"]
    for r in a["reviews"]:
        assert reverse("console:review", args=[r.pk]) in seen["reviews"]
    assert "ACMEMARK 0" in seen["timeline"] and "ACMEMARK event 0" in seen["timeline"]
    (raw,) = re.findall(r'<canvas data-chart="([^"]*)"', seen["engagement"])
    assert sum(json.loads(html.unescape(raw))["datasets"][0]["data"]) == 3 * 7  # partner A's points only
    # and nothing of partner B's, not even a link
    for kind, name in (
        ("legal", "console:legal_request"),
        ("nfr", "console:nfr_request"),
        ("reviews", "console:review"),
    ):
        for obj in b[kind]:
            assert all(f'href="{reverse(name, args=[obj.pk])}"' not in body for body in seen.values()), kind
    for lic in b["licenses"]:
        assert all(reverse("console:license", args=[lic.pk]) not in body for body in seen.values())


def test_the_overview_shows_classification_agreements_state_review_notes_and_the_crm_link(
    partner_a, cam, login, settings
):
    from channelops.partners.models import Partner

    settings.CRM_ACCOUNT_URL = "https://crm.example.test/Account/{id}/view"
    Partner.objects.filter(pk=partner_a.pk).update(
        cam=cam,
        crm_account_id="001ABC",
        account_notes="Prefers calls on Fridays",
        last_phd_review="2026-03-04",
    )
    body = page(login(cam), partner_a)
    assert 'href="https://crm.example.test/Account/001ABC/view"' in body
    assert "Prefers calls on Fridays" in body and "2026-03-04" in body
    assert partner_a.tier.name in body and partner_a.region.name in body and cam.get_full_name() in body
    assert "data-agreement-state=" in body  # the state of the agreements that apply, by state
    settings.CRM_ACCOUNT_URL = ""
    body = page(login(cam), partner_a)
    assert "001ABC" in body and "crm.example.test" not in body


def test_a_tab_shows_the_first_rows_and_links_to_the_whole_filtered_list(
    partner_a, partner_b, cam, login, license_key_dir
):
    populate(partner_a, LIMIT + 2, "ACMEMARK", by=cam)
    populate(partner_b, 1, "BETAMARK", by=cam)
    client = login(cam)
    body = page(client, partner_a, "nfr")
    requests = body.split('id="nfr-requests"')[1].split('id="licenses"')[0]
    assert len(re.findall(r'href="/console/nfr/\d+/"', requests)) == LIMIT
    assert f"See all {LIMIT + 2}" in body and f"Showing {LIMIT} of {LIMIT + 2}" in body
    see_all = f"/console/nfr/?partner={partner_a.pk}"
    assert f'href="{see_all}"' in body
    listing = client.get(see_all).content.decode()
    assert "acmemark-nfr0@example.test" in listing and "betamark-nfr0@example.test" not in listing
    for url in (
        f"/console/licenses/?partner={partner_a.pk}",
        f"/console/legal-requests/?partner={partner_a.pk}",
    ):
        assert url in body or url in page(client, partner_a, "agreements")
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("role", ["channel_marketing", "channel_program_manager", "legal"])
def test_a_role_that_may_not_see_nfr_requests_or_licenses_gets_no_such_tab_nor_links(
    two_partners, partner_a, login, role
):
    a, _b = two_partners
    staff = StaffFactory(roles=[role])
    assert not staff.has_perm("licensing.view_nfrrequest") and not staff.has_perm("licensing.view_license")
    client = login(staff)
    bodies = []
    for tab in TABS:
        resp = client.get(f"/console/partners/{partner_a.pk}/?tab={tab}")
        if tab == "nfr":
            assert resp.status_code == 403
            continue
        assert resp.status_code in (200, 403), tab
        bodies.append(resp.content.decode())
    for body in bodies:
        assert 'data-tab="nfr"' not in body
        assert 'href="/console/nfr/' not in body and 'href="/console/licenses/' not in body
        for lic in a["licenses"]:
            assert reverse("console:license", args=[lic.pk]) not in body


def test_every_link_on_every_tab_opens_for_the_viewer(two_partners, partner_a, login):
    """No link that answers 403: every console link on every tab the viewer gets opens for them."""
    for role in (
        "cam",
        "channel_leadership",
        "channel_marketing",
        "education_services",
        "channel_program_manager",
    ):
        staff = StaffFactory(roles=[role])
        client = login(staff)
        links: set[str] = set()
        for tab in TABS:
            resp = client.get(f"/console/partners/{partner_a.pk}/?tab={tab}")
            if resp.status_code == 403:
                continue
            links |= set(re.findall(r'href="(/console/[^"#]*)"', resp.content.decode()))
        for url in sorted(links):
            if "/admin/" in url or url.endswith("/edit/"):
                continue
            status = client.get(html.unescape(url)).status_code
            assert status in (200, 302), (role, url, status)


def test_partner_people_cannot_open_any_tab(two_partners, partner_a, admin_a, user_b, client):
    for person in (admin_a, user_b):
        client.force_login(person)
        for tab in TABS:
            resp = client.get(f"/console/partners/{partner_a.pk}/?tab={tab}")
            assert resp.status_code in (302, 403, 404), (person, tab)
            assert "ACMEMARK" not in resp.content.decode()


def test_an_unknown_tab_is_not_found(partner_a, cam, login):
    assert login(cam).get(f"/console/partners/{partner_a.pk}/?tab=nope").status_code == 404


# Queries of each tab, as a CAM (SQLite and PostgreSQL alike). Eight on every tab: session, user,
# MFA check, partner (joined with region, routing, PHD specialist, tier and CAM), the user's and the
# groups' permissions, the user's roles, unread notifications. Each table: one query, its first rows
# with the number in all (COUNT(*) OVER ()).
BUDGET = {
    "overview": 16,  # programs; agreements state: program ids, versions, acceptances, legal requests,
    #                  templates + their programs + regions
    "people": 9,  # contacts
    "agreements": 16,  # legal requests; the agreements that apply (7, as on the overview)
    "work": 13,  # open items, their count, journeys, their people, their count
    "nfr": 10,  # NFR requests, licenses
    "certifications": 10,  # records, which of them certify today
    "badges": 9,  # badges
    "enablement": 11,  # partner certifications, enablement plan, business plans
    "reviews": 9,  # reviews
    "mailings": 10,  # the mailings of the partner's people (communications.metrics.history_for), totals
    "engagement": 10,  # weekly and daily engagement
    "timeline": 13,  # history, status changes, agreement events, contacts, engagement days
}


def test_the_budget_names_every_tab():
    assert set(BUDGET) == set(TABS)


def test_each_tab_stays_within_its_query_budget_with_2_or_20_records_of_each_kind(
    partner_a, partner_b, cam, login, license_key_dir, django_assert_max_num_queries
):
    populate(partner_b, 2, "BETAMARK", by=cam)
    populate(partner_a, 2, "ACMEMARK", by=cam)
    client = login(cam)
    for tab in TABS:
        page(client, partner_a, tab)  # warm the content-type and permission caches
    small = {}
    for tab in TABS:
        with django_assert_max_num_queries(BUDGET[tab]) as ctx:
            page(client, partner_a, tab)
        small[tab] = len(ctx.captured_queries)
    populate(partner_a, 18, "ACMEMORE", by=cam)
    large = {}
    for tab in TABS:
        with django_assert_max_num_queries(BUDGET[tab]) as ctx:
            page(client, partner_a, tab)
        large[tab] = len(ctx.captured_queries)
    assert large == small
