"""The portal home (issue 14): "Needs your attention" — one provider per item kind, each item appears when
its condition holds and disappears when completed —, the tier's benefits, the next certification's
missing requirements, recent activity that is not sign-ins, the CAM and the regional help desk."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from channelops.core.attention import attention_for
from channelops.partners.models import EngagementEvent, Region, RegionRouting, Tier, TierBenefit

from .factories import MembershipFactory, PractitionerRecordFactory, StaffFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


def kinds(partner, user) -> list[str]:  # type: ignore[no-untyped-def]
    return [a.kind for a in attention_for(partner, user)]


def items(partner, user, kind: str) -> list:  # type: ignore[no-untyped-def]
    return [a for a in attention_for(partner, user) if a.kind == kind]


def home(client) -> str:  # type: ignore[no-untyped-def]
    response = client.get("/portal/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def accepted(partner_a, admin_a):  # type: ignore[no-untyped-def]
    """Partner A has accepted its agreements (no agreements item in the way)."""
    from .test_nfr_requests import accept_all

    accept_all(partner_a, admin_a)
    return partner_a


# --- one test per item kind ------------------------------------------------------------------------


def test_an_nfr_request_needing_information_appears_until_answered(accepted, admin_a, phd_emea, login):
    from channelops.licensing.services import nfr_request_answer, nfr_request_ask

    from .test_nfr_requests import submit

    req = submit(accepted, admin_a)
    assert "nfr_needs_info" not in kinds(accepted, admin_a)
    nfr_request_ask(request=req, by=phd_emea, question="Which lab is this for?")
    [item] = items(accepted, admin_a, "nfr_needs_info")
    assert item.url == f"/portal/nfr/{req.pk}/" and "Which lab is this for?" in item.detail
    page = home(login(admin_a))
    assert f"{req.reference} needs your answer" in page and "Nothing needs your attention" not in page
    nfr_request_answer(request=req, by=admin_a, answer="The Berlin lab.")
    assert "nfr_needs_info" not in kinds(accepted, admin_a)


def test_an_open_task_assigned_to_the_person_appears_with_its_due_date_until_done(
    accepted, admin_a, user_a, cam
):
    from channelops.work.models import Project, Task, WorkItem
    from channelops.work.services.items import task_set_done

    item = WorkItem.objects.create(
        project=Project.objects.first(),
        title="Onboarding",
        partner=accepted,
        shared_with_partner=True,
        dri=cam,
    )
    due = timezone.localdate() + timedelta(days=3)
    task = Task.objects.create(item=item, title="Upload your logo", assignee=admin_a, due_on=due)
    [a] = items(accepted, admin_a, "task")
    assert a.title == "Upload your logo" and a.due == due
    assert a.url == f"/portal/work/{item.pk}/#task-{task.pk}"
    assert "task" not in kinds(accepted, user_a)  # assigned to someone else
    task_set_done(task=task, done=True, by=admin_a)
    assert "task" not in kinds(accepted, admin_a)


def test_agreements_to_accept_appear_until_accepted(partner_a, admin_a):
    from .test_nfr_requests import accept_all

    [a] = items(partner_a, admin_a, "agreements")
    assert a.url == "/portal/agreements/"
    accept_all(partner_a, admin_a)
    assert "agreements" not in kinds(partner_a, admin_a)


def test_pending_invitations_appear_for_partner_admins_until_accepted(accepted, admin_a, user_a):
    from channelops.accounts.models import Invitation
    from channelops.accounts.services import invitation_accept
    from channelops.partners.services import partner_person_add

    partner_person_add(partner=accepted, email="new@a.test", full_name="New Person", by=admin_a)
    [a] = items(accepted, admin_a, "invitations")
    assert a.url == "/portal/users/" and a.title == "1 colleague has not accepted their invitation"
    assert "invitations" not in kinds(accepted, user_a)  # only admins manage invitations
    invitation_accept(
        invitation=Invitation.objects.get(user__email="new@a.test"), password="a-Long-pass-1234"
    )
    assert "invitations" not in kinds(accepted, admin_a)


def test_a_business_plan_returned_with_comments_appears_until_submitted_again(accepted, admin_a, user_a, cam):
    from channelops.enablement.models import Certification
    from channelops.enablement.services.plans import business_plan_return, business_plan_submit

    from .test_plans import full_plan

    sac = Certification.objects.get(slug="solution-architect-core")
    full_plan(accepted, admin_a, sac)
    plan = business_plan_submit(partner=accepted, by=admin_a)
    assert "business_plan_returned" not in kinds(accepted, admin_a)
    business_plan_return(plan=plan, by=cam, comment="Add your go-to-market targets for 2027.")
    [a] = items(accepted, admin_a, "business_plan_returned")
    assert "go-to-market targets" in a.detail and a.url == "/portal/enablement/business-plan/"
    assert "business_plan_returned" not in kinds(accepted, user_a)  # only admins edit plans
    full_plan(accepted, admin_a, sac)
    business_plan_submit(partner=accepted, by=admin_a)
    assert "business_plan_returned" not in kinds(accepted, admin_a)


def test_a_license_expiring_within_30_days_appears_until_its_renewal_is_requested(accepted, admin_a, user_a):
    from channelops.licensing.lifecycle import license_renewal_request

    from .test_nfr_requests import license_for

    lic = license_for(accepted, 5)
    assert "license_expiring" not in kinds(accepted, admin_a)  # 300 days left
    lic.expires = timezone.localdate() + timedelta(days=20)
    lic.save()
    [a] = items(accepted, admin_a, "license_expiring")
    assert a.due == lic.expires and a.url == f"/portal/licenses/{lic.pk}/"
    assert "license_expiring" not in kinds(accepted, user_a)  # may not request licenses
    license_renewal_request(license=lic, by=admin_a)
    assert "license_expiring" not in kinds(accepted, admin_a)


def test_a_certification_expiring_appears_until_a_renewed_record_arrives(accepted, admin_a, user_a):
    today = timezone.localdate()
    rec = PractitionerRecordFactory(
        partner=accepted,
        email="maria@a.test",
        full_name="Maria Muster",
        completed_on=today - timedelta(days=700),
        expires_on=today + timedelta(days=20),
    )
    [a] = items(accepted, admin_a, "certification_expiring")
    assert a.title.startswith("Maria Muster's Solution Architect Core certification expires")
    assert a.due == rec.expires_on and a.url == "/portal/enablement/people/"
    assert "certification_expiring" not in kinds(accepted, user_a)  # not theirs, not an admin
    PractitionerRecordFactory(
        partner=accepted,
        email="maria@a.test",
        full_name="Maria Muster",
        completed_on=today - timedelta(days=1),
    )
    assert "certification_expiring" not in kinds(accepted, admin_a)


def _review_with_reminder(partner, phd):  # type: ignore[no-untyped-def]
    from channelops.helpdesk.models import AccountReview, ItemStatus, ReviewItem, ReviewKind
    from channelops.helpdesk.services import review_remind
    from channelops.work.models import Cadence, Occurrence

    occ, _c = Occurrence.objects.get_or_create(
        cadence=Cadence.objects.get(slug="review-weekly-emea"),
        scheduled_date=date(2025, 5, 9),
        defaults={"date": date(2025, 5, 9)},
    )
    review = AccountReview.objects.create(
        partner=partner,
        specialist=phd,
        kind=ReviewKind.WEEKLY_NEW_APPLICANT,
        occurrence=occ,
        due_date=occ.date,
    )
    item = ReviewItem.objects.create(
        review=review,
        key="phone_set",
        text="Phone number on file",
        reminder="Add a phone number so customers can reach you.",
        status=ItemStatus.FAILED,
    )
    return review, item, review_remind


def test_a_review_reminder_appears_for_partner_admins_until_the_review_is_completed(
    accepted, admin_a, user_a, phd_emea
):
    from channelops.helpdesk.services import review_complete

    review, item, remind = _review_with_reminder(accepted, phd_emea)
    assert "review_reminder" not in kinds(accepted, admin_a)  # failed, but no reminder sent
    remind(item=item, by=phd_emea)
    [a] = items(accepted, admin_a, "review_reminder")
    assert a.title == "Phone number on file" and a.url == "/portal/company/"
    assert "review_reminder" not in kinds(accepted, user_a)
    review_complete(review=review, notes="Reminded about the phone.", by=phd_emea)
    assert "review_reminder" not in kinds(accepted, admin_a)


def test_an_incomplete_company_profile_appears_for_admins_until_completed(accepted, admin_a, user_a):
    from channelops.partners.services import partner_profile_update

    accepted.website, accepted.phone = "", ""
    accepted.save()
    [a] = items(accepted, admin_a, "profile")
    assert "website" in a.detail and "phone" in a.detail
    assert "profile" not in kinds(accepted, user_a)
    partner_profile_update(
        partner=accepted, by=admin_a, data={"website": "https://acme.example", "phone": "+49 30 123456"}
    )
    accepted.refresh_from_db()
    assert "profile" not in kinds(accepted, admin_a)


def test_a_partner_not_active_is_told_until_it_is_active_again(accepted, admin_a, cam):
    from channelops.partners.services import partner_set_status

    assert "partner_status" not in kinds(accepted, admin_a)
    partner_set_status(partner=accepted, to="suspended", by=None, note="Unpaid")
    accepted.refresh_from_db()
    [a] = items(accepted, admin_a, "partner_status")
    assert a.title == "Your partnership is suspended"
    partner_set_status(partner=accepted, to="active", by=None)
    accepted.refresh_from_db()
    assert "partner_status" not in kinds(accepted, admin_a)


# --- the rest of the home ------------------------------------------------------------------------------


def test_the_home_shows_the_tiers_benefits_as_staff_edit_them(partner_a, admin_a, login):
    select = Tier.objects.get(slug="select")
    labels = list(TierBenefit.objects.filter(tier__slug="open").values_list("label", flat=True))
    assert {"NFR allowance", "MDF eligibility", "Logo use"} <= set(labels)
    page = home(login(admin_a))
    assert "Your Open benefits" in page and "10 licensed users" in page and "25 licensed users" not in page
    TierBenefit.objects.filter(tier__slug="open", label="NFR allowance").update(value="12 licensed users")
    assert "12 licensed users" in home(login(admin_a))
    partner_a.tier = select
    partner_a.save()
    page = home(login(admin_a))
    assert "Your Select benefits" in page and "25 licensed users" in page


def test_the_home_says_what_the_next_certification_still_needs(accepted, admin_a, login):
    from channelops.enablement.services.awards import next_certification, partner_progress

    expected = next_certification(partner_progress(accepted))
    assert expected is not None and expected.still_needed
    page = home(login(admin_a))
    assert str(expected.certification.name) in page
    for line in expected.still_needed:
        assert str(line).replace("'", "&#x27;") in page
    assert "A business plan on file" in page


def test_recent_activity_shows_what_happened_to_the_partner_not_sign_ins(accepted, admin_a, phd_emea, login):
    from channelops.licensing.services import nfr_request_ask

    from .test_nfr_requests import submit

    for _ in range(10):
        EngagementEvent.objects.create(partner=accepted, user=admin_a, kind="sign_in")
    req = submit(accepted, admin_a)
    nfr_request_ask(request=req, by=phd_emea, question="Which lab?")
    page = home(login(admin_a))
    activity = page[page.index('data-testid="activity"') :]
    assert f"{req.reference}: the partner help desk asked a question" in activity
    assert "Accepted" in activity  # the agreements accepted
    assert "Sign-in" not in activity


def test_the_home_names_the_cam_with_a_contact_action_and_the_regions_help_desk(partner_a, admin_a, login):
    cam = StaffFactory(email="carla.cam@vendor.test", full_name="Carla Cam", roles=["cam"])
    phd = StaffFactory(email="phd.emea@vendor.test", full_name="Petra Desk", roles=["phd_specialist"])
    partner_a.cam = cam
    partner_a.save()
    RegionRouting.objects.filter(region=partner_a.region).update(phd_specialist=phd)
    page = home(login(admin_a))
    assert "Carla Cam" in page and 'href="mailto:carla.cam@vendor.test?subject=' in page
    assert "Contact your CAM" in page
    assert "Petra Desk" in page and 'href="mailto:phd.emea@vendor.test"' in page
    assert f"Partner help desk ({partner_a.region.name})" in page


def test_another_partners_items_never_show(partner_a, admin_a, partner_b, user_b, phd_emea, login):
    from channelops.licensing.services import nfr_request_ask

    from .test_nfr_requests import accept_all, submit

    accept_all(partner_a, admin_a)
    req = submit(partner_a, admin_a)
    nfr_request_ask(request=req, by=phd_emea, question="Which lab?")
    page = home(login(user_b))
    assert req.reference not in page
    assert all(a.kind != "nfr_needs_info" for a in attention_for(partner_b, user_b))


# --- the query count is constant --------------------------------------------------------------------------


def _one_more_of_each(partner, admin, phd, n: int) -> None:  # type: ignore[no-untyped-def]
    from channelops.accounts.models import Invitation
    from channelops.licensing.models import NfrRequest
    from channelops.work.models import Project, Task, WorkItem

    from .test_nfr_requests import license_for

    today = timezone.localdate()
    project = Project.objects.first()
    for i in range(n):
        NfrRequest.objects.create(
            partner=partner,
            contact_name="X",
            contact_email=f"x{i}-{n}@a.test",
            seats=1,
            purpose="p",
            status="needs_info",
            question="?",
        )
        item = WorkItem.objects.create(
            project=project, title=f"W{i}", partner=partner, shared_with_partner=True, dri=phd
        )
        Task.objects.create(item=item, title=f"T{i}", assignee=admin, due_on=today + timedelta(days=i))
        lic = license_for(partner, 100 + i + n * 10)
        lic.expires = today + timedelta(days=5)
        lic.save()
        PractitionerRecordFactory(partner=partner, expires_on=today + timedelta(days=9))
        invited = MembershipFactory(partner=partner, user=UserFactory(email=f"inv{i}-{n}@a.test")).user
        invited.set_unusable_password()
        invited.save()
        Invitation.objects.create(
            user=invited,
            token_hash=f"{i}-{n}".ljust(64, "x"),
            expires_at=timezone.now() + timedelta(days=i - 1),
        )
        EngagementEvent.objects.create(partner=partner, user=admin, kind="sign_in")


def test_the_homes_query_count_is_constant(accepted, admin_a, phd_emea, login, django_assert_num_queries):
    RegionRouting.objects.filter(region=Region.objects.get(code="EMEA")).update(phd_specialist=phd_emea)
    client = login(admin_a)
    _one_more_of_each(accepted, admin_a, phd_emea, 2)
    home(client)  # warm up
    with CaptureQueriesContext(connection) as small:
        page = home(client)
    for kind in ("nfr_needs_info", "task", "license_expiring", "certification_expiring", "invitations"):
        assert f'data-kind="{kind}"' in page
    _one_more_of_each(accepted, admin_a, phd_emea, 18)  # 20 of each kind
    # 15: session, user, the membership with its partner (+ region with its help-desk routing, tier, CAM)
    # (3); the attention items (3: the agreements item reads the maintained "not accepted" rows,
    # AgreementCompliance; the returned-plan item the current business plans; the other six kinds
    # are one UNION ALL query, core.union); programs (1); tier benefits (1); the next certification
    # (4: certifications, their requirements with their certifications, certified people, statuses —
    # its compliance and "business plan on file" reuse the rows the attention items read,
    # core.memo.read_memo); recent activity (1: the six sources in one UNION ALL); the navigation
    # (1); the portal notices addressed to the person (1, communications.notices.notices_for). The
    # help desk contact came with the partner.
    assert len(small.captured_queries) == 15, "\n".join(q["sql"][:120] for q in small.captured_queries)
    with django_assert_num_queries(15):
        home(client)
