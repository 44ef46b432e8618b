"""Every partner request kind shows where it stands on its portal page: state, who holds it now, the
next step (issue 14); none leaves the partner with nothing to do while staff can only reject."""

from __future__ import annotations

import pytest

from channelops.agreements.models import AgreementTemplate
from channelops.agreements.services import (
    legal_request_open,
    region_exception_decide,
    region_exception_request,
)
from channelops.partners.models import Region, RegionRouting

from .factories import StaffFactory
from .test_nfr_requests import submit

pytestmark = [pytest.mark.django_db]


def standing(page: str) -> str:
    i = page.index('data-testid="standing"')
    return page[i : page.index("</section>", i)]


def test_an_nfr_request_names_the_help_desk_then_the_partner_then_closes(partner_a, admin_a, phd_emea, login):
    from channelops.licensing.services import nfr_request_ask, nfr_request_withdraw

    RegionRouting.objects.filter(region=partner_a.region).update(phd_specialist=phd_emea)
    phd_emea.full_name = "Petra Desk"
    phd_emea.save()
    req = submit(partner_a, admin_a)
    client = login(admin_a)
    card = standing(client.get(f"/portal/nfr/{req.pk}/").content.decode())
    assert "Submitted" in card and "The partner help desk (Petra Desk)" in card
    assert "approves it" in card and "withdraw it" in card
    nfr_request_ask(request=req, by=phd_emea, question="Which lab?")
    card = standing(client.get(f"/portal/nfr/{req.pk}/").content.decode())
    assert "Needs information" in card and ">You<" in card and 'href="#answer"' in card
    nfr_request_withdraw(request=req, by=admin_a)
    card = standing(client.get(f"/portal/nfr/{req.pk}/").content.decode())
    assert "Withdrawn" in card and "Make a new request" in card and 'href="/portal/nfr/new/"' in card


def test_a_region_exception_names_leadership_and_after_a_denial_the_partner_can_ask_again(
    partner_a, admin_a, login
):
    leader = StaffFactory(email="lead2@vendor.test", roles=["channel_leadership"])
    exc = region_exception_request(
        partner=partner_a,
        regions=[Region.objects.get(code="APAC")],
        justification="Customers there",
        by=admin_a,
    )
    client = login(admin_a)
    card = standing(client.get("/portal/agreements/").content.decode())
    assert "Your request for more regions: where it stands" in card and "Channel leadership" in card
    region_exception_decide(exception=exc, approve=False, note="Not this year", by=leader)
    page = client.get("/portal/agreements/").content.decode()
    card = standing(page)
    assert "Denied" in card and "Not this year." in card and 'href="#region-form-h"' in card
    assert 'id="region-form-h"' in page  # the form to ask again is there


def test_a_legal_request_names_legal_and_an_offer_is_the_partners_turn(partner_a, admin_a, login):
    lr = legal_request_open(
        partner=partner_a,
        template=AgreementTemplate.objects.get(slug="master-partner-agreement"),
        proposed_changes="Liability cap",
        by=admin_a,
    )
    card = standing(login(admin_a).get(f"/portal/agreements/legal/{lr.pk}/").content.decode())
    assert "The vendor&#x27;s legal team" in card or "The vendor's legal team" in card
    assert 'href="#comment-h"' in card


def test_a_business_plan_returned_is_the_partners_turn(partner_a, admin_a, cam, login):
    from channelops.enablement.models import Certification
    from channelops.enablement.services.plans import business_plan_return, business_plan_submit

    from .test_plans import full_plan

    client = login(admin_a)
    card = standing(client.get("/portal/enablement/business-plan/").content.decode())
    assert "Not started" in card and ">You<" in card
    full_plan(partner_a, admin_a, Certification.objects.get(slug="solution-architect-core"))
    plan = business_plan_submit(partner=partner_a, by=admin_a)
    card = standing(client.get("/portal/enablement/business-plan/").content.decode())
    assert "Submitted" in card and "Your channel account manager" in card
    business_plan_return(plan=plan, by=cam, comment="More targets")
    card = standing(client.get("/portal/enablement/business-plan/").content.decode())
    assert "Returned" in card and "More targets" in card and 'href="#edit-h"' in card


def test_the_training_partner_certification_says_whose_turn_it_is(partner_a, admin_a, login):
    page = login(admin_a).get("/portal/enablement/certifications/").content.decode()
    card = standing(page)
    assert "application: where it stands" in card
    assert ("Apply to start onboarding" in card) or ("ask your CAM to invite you" in card)
