"""Accessibility in the browser: axe-core finds no violations on the portal, sign-in,
invitation and console pages, and the skip link works from the keyboard."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from channelops.accounts.models import Invitation
from channelops.accounts.services import api_token_create, api_token_revoke
from channelops.core.models import OutboxMessage
from channelops.partners.models import EngagementKind, Program
from channelops.partners.services import engagement_record, engagement_rollup, partner_person_add

from .conftest import BROWSER_MARKS
from .factories import (
    TEST_PASSWORD,
    ContactFactory,
    MembershipFactory,
    PartnerFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = BROWSER_MARKS  # see tests/conftest.py

AXE = Axe()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Sign-in rate limits and used TOTP codes live in the (per-process) cache."""
    cache.clear()
    yield
    cache.clear()


def assert_no_axe_violations(page: Page) -> None:
    # Colour contrast only means something with the site's stylesheet applied.
    assert page.evaluate(
        "[...document.styleSheets].length > 0 && [...document.styleSheets].every(s => s.cssRules.length > 0)"
    ), f"{page.url}: a stylesheet did not load"
    results = AXE.run(page)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


def sign_in_as(page: Page, site: str, user) -> None:  # type: ignore[no-untyped-def]
    """Give the browser a signed-in session for ``user`` (the sign-in form is covered by the journeys)."""
    client = Client()
    client.force_login(user)
    name = django_settings.SESSION_COOKIE_NAME
    page.context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": site}])


def sign_in_with_password(page: Page, site: str, email: str) -> None:
    page.goto(f"{site}/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


@pytest.fixture
def partner_admin():
    """A partner admin whose pages have content: colleagues, pending invitations, activity, tokens."""
    staff = StaffFactory(email="cam.a11y@vendor.test", full_name="Carla Cam", roles=["cam"])
    partner = PartnerFactory(legal_name="Acme Accessible Partner", cam=staff, website="", phone="")
    admin = MembershipFactory(
        partner=partner, role="admin", user=UserFactory(email="admin@a11y.test", full_name="Ada Admin")
    ).user
    MembershipFactory(partner=partner, role="user", user=UserFactory(email="user@a11y.test"))
    partner_person_add(partner=partner, email="invited@a11y.test", full_name="Ivy Invited", by=admin)
    engagement_record(partner=partner, kind=EngagementKind.SIGN_IN, user=admin)
    engagement_record(partner=partner, kind=EngagementKind.DOWNLOAD, user=admin, detail="price list")
    api_token_create(user=admin, name="CRM sync")
    revoked, _clear = api_token_create(user=admin, name="Old script")
    api_token_revoke(token=revoked, by=admin)
    return admin


@pytest.fixture
def staff_with_partners():
    """A CAM (with an authenticator) and a directory of partners; returns (staff, a partner)."""
    staff = StaffFactory(email="cam.console@vendor.test", full_name="Carla Console", roles=["cam"])
    partner = PartnerFactory(
        legal_name="Acme Accessible Partner", cam=staff, account_notes="Met at the summit.\nWants training."
    )
    partner.programs.add(*Program.objects.all()[:2])
    for _ in range(3):
        PartnerFactory()
    ContactFactory(partner=partner, is_primary=True, title="CEO")
    ContactFactory(partner=partner)
    admin = MembershipFactory(partner=partner, role="admin").user
    engagement_record(partner=partner, kind=EngagementKind.SIGN_IN, user=admin)
    engagement_record(partner=partner, kind=EngagementKind.TRAINING, user=admin, detail="Sales 101")
    engagement_rollup(since=timezone.now().date() - timedelta(days=2))
    return staff, partner


@pytest.mark.parametrize(
    "path",
    [
        "/portal/",
        "/portal/company/",
        "/portal/users/",
        "/accounts/tokens/",
        "/portal/agreements/",
        "/portal/agreements/legal/",
        "/portal/work/",
    ],
)
def test_portal_page_has_no_axe_violations(page: Page, live_server, partner_admin, path):
    sign_in_as(page, live_server.url, partner_admin)
    response = page.goto(live_server.url + path)
    assert response is not None and response.status == 200
    expect(page.get_by_role("main")).to_be_visible()
    assert_no_axe_violations(page)


def test_portal_forms_with_errors_have_no_axe_violations(page: Page, live_server, partner_admin):
    sign_in_as(page, live_server.url, partner_admin)
    page.goto(live_server.url + "/portal/users/")
    form = page.get_by_role("form", name="Invite a colleague")
    form.get_by_label("Name").fill("Someone Again")
    form.get_by_label("E-mail address").fill("user@a11y.test")  # already a person: refused by the server
    form.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("A person with this e-mail address already exists.")).to_be_visible()
    assert_no_axe_violations(page)

    # ... and with a success message.
    form = page.get_by_role("form", name="Invite a colleague")
    form.get_by_label("Name").fill("Someone New")
    form.get_by_label("E-mail address").fill("new@a11y.test")
    form.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to new@a11y.test.")).to_be_visible()
    assert_no_axe_violations(page)

    page.goto(live_server.url + "/accounts/tokens/")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("heading", name="Your new token")).to_be_visible()
    assert_no_axe_violations(page)


def test_sign_in_page_has_no_axe_violations(page: Page, live_server):
    page.goto(live_server.url + "/accounts/login/")
    assert_no_axe_violations(page)
    # ... also after a failed attempt, with the error shown.
    page.get_by_label("E-mail address").fill("nobody@a11y.test")
    page.get_by_label("Password", exact=True).fill("wrong-password-123")
    page.get_by_role("button", name="Sign in").click()
    expect(
        page.get_by_text("The email address and/or password you specified are not correct.")
    ).to_be_visible()
    assert_no_axe_violations(page)


def test_demo_mode_banner_has_no_axe_violations(page: Page, live_server, settings):
    settings.DEMO_MODE = True
    page.goto(live_server.url + "/accounts/login/")
    expect(page.get_by_role("region", name="Demo mode")).to_contain_text("Demo mode: sample data")
    assert_no_axe_violations(page)


def test_staff_second_factor_pages_have_no_axe_violations(page: Page, live_server):
    with_totp = StaffFactory(email="totp.a11y@vendor.test", roles=["cam"])
    without_totp = StaffFactory(email="nototp.a11y@vendor.test", roles=["cam"], mfa=False)

    sign_in_with_password(page, live_server.url, with_totp.email)
    expect(page).to_have_url(f"{live_server.url}/accounts/2fa/authenticate/")
    assert_no_axe_violations(page)

    page.context.clear_cookies()
    sign_in_with_password(page, live_server.url, without_totp.email)
    expect(page.get_by_role("button", name="Confirm")).to_be_visible()  # allauth's password confirmation
    assert_no_axe_violations(page)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/2fa/totp/activate/")
    assert_no_axe_violations(page)


def test_invitation_pages_have_no_axe_violations(page: Page, live_server, partner_admin):
    # The link from the queued invitation e-mail (partner_person_add sent one).
    invitation = Invitation.objects.get(user__email="invited@a11y.test")
    text = OutboxMessage.objects.get(idempotency_key=f"invitation:{invitation.pk}").payload["text"]
    match = re.search(r"/accounts/invitation/[\w-]+/", text)
    assert match, text

    page.goto(live_server.url + match.group(0))
    expect(page.get_by_role("heading", level=1)).to_have_text("Accept your invitation")
    assert_no_axe_violations(page)
    # ... with validation errors shown.
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Password (again)", exact=True).fill("different")
    page.get_by_role("button", name="Set password").click()
    expect(page.locator(".errorlist").first).to_be_visible()
    assert_no_axe_violations(page)

    page.goto(f"{live_server.url}/accounts/invitation/not-a-real-token/")
    expect(page.get_by_role("heading", level=1)).to_have_text("This invitation is not valid")
    assert_no_axe_violations(page)


@pytest.mark.parametrize(
    "path",
    [
        "/console/queues/",
        "/console/partners/",
        "/console/partners/{pk}/",
        "/console/partners/{pk}/?tab=work",
        "/console/partners/{pk}/?tab=nfr",
        "/console/partners/{pk}/?tab=engagement",
        "/console/applications/?status=all",
        "/console/agreements/",
        "/console/agreements/report/",
        "/console/region-exceptions/",
        "/console/legal-requests/",
        "/console/work/",
        "/console/work/board/",
        "/console/work/new/?template=partner-certification-award&partner={pk}",
        "/console/work/journeys/",
    ],
)
def test_console_page_has_no_axe_violations(page: Page, live_server, staff_with_partners, path):
    staff, partner = staff_with_partners
    sign_in_as(page, live_server.url, staff)
    response = page.goto(live_server.url + path.format(pk=partner.pk))
    assert response is not None and response.status == 200
    expect(page.get_by_role("main")).to_be_visible()
    assert_no_axe_violations(page)


def test_work_pages_with_tasks_and_comments_have_no_axe_violations(page: Page, live_server, partner_admin):
    from channelops.work.models import Project, WorkTemplate
    from channelops.work.services.items import comment_add, work_item_create
    from channelops.work.services.templates import journey_assign

    partner = partner_admin.membership.partner
    cam = partner.cam
    item = work_item_create(
        project=Project.objects.get(slug="channels"),
        title="Joint webinar",
        description="We run it **together**.\n\n- agenda\n- speakers",
        dri=cam,
        by=cam,
        due_date=timezone.localdate() - timedelta(days=1),
        partner=partner,
        shared_with_partner=True,
        tasks=[
            {"title": "Book the room", "assignee": cam, "role": "cam", "section": "Vendor"},
            {
                "title": "Approve the budget",
                "assignee": partner_admin,
                "role": "partner_admin",
                "section": "Partner",
                "due_on": timezone.localdate() - timedelta(days=2),
            },
        ],
    )
    comment_add(item=item, body="Kick-off on Monday?", by=cam)
    comment_add(item=item, body="Monday works.", by=partner_admin)
    journey_assign(
        template=WorkTemplate.objects.get(slug="partner-onboarding"),
        partner=partner,
        user=partner_admin,
        by=None,
    )
    sign_in_as(page, live_server.url, partner_admin)
    for path in ("/portal/work/", f"/portal/work/{item.pk}/"):
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200
        assert_no_axe_violations(page)
    page.get_by_role("button", name="Mark done Approve the budget").click()
    expect(page.get_by_text("Task done: Approve the budget")).to_be_visible()
    assert_no_axe_violations(page)

    page.context.clear_cookies()
    sign_in_as(page, live_server.url, cam)
    for path in (
        "/console/work/",
        "/console/work/board/",
        "/console/work/journeys/",
        f"/console/work/{item.pk}/",
    ):
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200
        assert_no_axe_violations(page)
    # ... and the edit form with an error shown.
    form = page.get_by_role("form", name="Change this work item")
    form.get_by_label("Due date").fill("")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Give a due date, or a next best action with its date.")).to_be_visible()
    assert_no_axe_violations(page)


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(page: Page, live_server, partner_admin):
    sign_in_as(page, live_server.url, partner_admin)
    page.goto(live_server.url + "/portal/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Acme Accessible Partner")

    skip = page.get_by_role("link", name="Skip to content")
    box = skip.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 0  # off-screen until focused

    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    # It is visible while focused (it sits off-screen otherwise).
    box = skip.bounding_box()
    viewport = page.viewport_size
    assert box is not None and viewport is not None
    assert box["x"] >= 0 and box["y"] >= 0 and box["width"] > 0
    assert box["x"] + box["width"] <= viewport["width"]

    assert_focus_indicator_contrasts(page)

    page.keyboard.press("Enter")
    expect(page.locator("main#content")).to_be_focused()
    assert page.evaluate("location.hash") == "#content"

    # The next Tab continues inside the main content, past the header and navigation,
    # and the focused element shows a focus indicator that stands out from the page.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")
    assert_focus_indicator_contrasts(page)


def _rgb(css_colour: str, under: str = "rgb(255, 255, 255)") -> tuple[float, float, float]:
    """``rgb()``/``rgba()`` as 0..1 channels; a translucent colour is blended over ``under``."""
    values = [float(v) for v in re.findall(r"[\d.]+", css_colour)]
    alpha = values[3] if len(values) > 3 else 1.0
    if alpha >= 1:
        return values[0] / 255, values[1] / 255, values[2] / 255
    base = _rgb(under)
    return tuple(alpha * v / 255 + (1 - alpha) * b for v, b in zip(values[:3], base, strict=True))  # type: ignore[return-value]


def _luminance(css_colour: str, under: str = "rgb(255, 255, 255)") -> float:
    if css_colour.startswith("oklch(") and float(css_colour[6:].split()[1]) == 0:
        return float(css_colour[6:].split()[0]) ** 3  # a grey in OKLCH: luminance is L cubed
    r, g, b = _rgb(css_colour, under)
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def assert_focus_indicator_contrasts(page: Page) -> None:
    """WCAG 1.4.11: the focus outline needs 3:1 against the page background around it."""
    style = page.evaluate(
        """() => {
            const s = getComputedStyle(document.activeElement);
            return {style: s.outlineStyle, width: parseFloat(s.outlineWidth), colour: s.outlineColor,
                    page: getComputedStyle(document.body).backgroundColor};
        }"""
    )
    assert style["style"] not in ("none", "hidden") and style["width"] >= 2, style
    lighter, darker = sorted(
        (_luminance(style["colour"], style["page"]), _luminance(style["page"])), reverse=True
    )
    ratio = (lighter + 0.05) / (darker + 0.05)
    assert ratio >= 3, f"focus outline contrast {ratio:.2f}:1 is below 3:1 ({style})"


@pytest.mark.parametrize("path", ["/register/", "/register/sent/"])
def test_public_registration_pages_have_no_axe_violations(page: Page, live_server, path):
    page.goto(live_server.url + path)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_no_axe_violations(page)


def test_registration_form_with_errors_has_no_axe_violations(page: Page, live_server):
    page.goto(f"{live_server.url}/register/")
    page.locator("main form").evaluate("form => { form.noValidate = true; }")  # let the server validate
    page.get_by_role("button", name="Send my application").click()
    expect(page.get_by_text("This field is required.").first).to_be_visible()
    assert_no_axe_violations(page)


def test_nfr_license_and_access_pages_have_no_axe_violations(page: Page, live_server, settings, tmp_path):
    from channelops.accounts.services import access_request_approve, access_request_create
    from channelops.licensing.services import nfr_request_approve, nfr_request_ask, nfr_request_submit

    from .test_nfr_requests import FORM, accept_all

    settings.LICENSE_KEY_DIR = tmp_path / "license-keys"
    settings.LICENSE_KEY_AUTOGENERATE = True
    phd = StaffFactory(email="phd.a11y@vendor.test", full_name="Pat Help", roles=["phd_specialist"])
    lead = StaffFactory(email="lead.a11y@vendor.test", roles=["channel_leadership"])
    grant = access_request_create(
        perm="licensing.issue_license", justification="I send the NFR licenses.", by=phd
    )
    access_request_approve(request=grant, by=lead)
    partner = PartnerFactory(legal_name="Acme Accessible Partner", cam=lead)
    admin = MembershipFactory(
        partner=partner, role="admin", user=UserFactory(email="admin@a11y-nfr.test")
    ).user
    accept_all(partner, admin)
    approved = nfr_request_submit(partner=partner, by=admin, **{**FORM, "seats": 3, "term_months": 12})
    lic = nfr_request_approve(request=approved, by=phd)
    waiting = nfr_request_submit(
        partner=partner,
        by=admin,
        **{**FORM, "contact_email": "two@a11y-nfr.test", "seats": 2, "term_months": 6},
    )
    asked = nfr_request_submit(
        partner=partner,
        by=admin,
        **{**FORM, "contact_email": "three@a11y-nfr.test", "seats": 1, "term_months": 6},
    )
    nfr_request_ask(request=asked, by=phd, question="Which customer is the proof of concept for?")

    sign_in_as(page, live_server.url, phd)
    for path in (
        "/console/nfr/",
        f"/console/nfr/{waiting.pk}/",
        f"/console/nfr/{asked.pk}/",
        f"/console/nfr/{approved.pk}/",
        "/console/nfr/templates/",
        "/console/nfr/templates/nfr_encouragement/",
        "/console/licenses/",
        f"/console/licenses/{lic.id}/",
        "/console/access/",
        f"/console/access/{grant.pk}/",
    ):
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
        assert_no_axe_violations(page)
    page.context.clear_cookies()
    sign_in_as(page, live_server.url, admin)
    for path in (
        "/portal/nfr/",
        "/portal/nfr/new/",
        f"/portal/nfr/{approved.pk}/",
        f"/portal/nfr/{asked.pk}/",
        f"/portal/nfr/{waiting.pk}/withdraw/",
        "/portal/licenses/",
        f"/portal/licenses/{lic.id}/",
    ):
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
        assert_no_axe_violations(page)


def test_enablement_badge_and_plan_pages_have_no_axe_violations(page: Page, live_server, settings, tmp_path):
    from channelops.accounts.models import User
    from channelops.badges.models import Badge
    from channelops.demo.data import demo_people
    from channelops.enablement.models import Certification, PartnerCertificationStatus
    from channelops.partners.models import Partner

    settings.LICENSE_KEY_DIR = tmp_path / "license-keys"
    settings.LICENSE_KEY_AUTOGENERATE = True
    settings.BADGE_KEY_DIR = tmp_path / "badge-keys"
    demo_people()  # certified people, plans, an open award and badges for Acme
    acme = Partner.objects.get(crm_account_id="DEMO-ACME")
    badge = Badge.objects.filter(partner=acme).order_by("pk").first()
    status = PartnerCertificationStatus.objects.filter(partner=acme).order_by("pk").first()
    staff = StaffFactory(
        email="pm.a11y@vendor.test", roles=["channel_program_manager", "cam", "education_services"]
    )
    sign_in_as(page, live_server.url, staff)
    for path in (
        "/console/certifications/",
        f"/console/certifications/{Certification.objects.get(slug='solution-architect-core').slug}/",
        "/console/certifications/import/",
        "/console/badges/",
        f"/console/badges/{badge.pk}/",
        "/console/partner-certifications/",
        f"/console/partner-certifications/partners/{status.partner_id}/",
        "/console/enablement/plans/",
        f"/console/enablement/plans/{acme.pk}/",
    ):
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
        assert_no_axe_violations(page)
    page.context.clear_cookies()
    sign_in_as(page, live_server.url, User.objects.get(email="admin@acme.example"))
    for path in (
        "/portal/enablement/",
        "/portal/enablement/people/",
        "/portal/enablement/certifications/",
        "/portal/enablement/plan/",
        "/portal/enablement/business-plan/",
        "/portal/badges/",
        f"/badges/{badge.pk}/",
    ):
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
        assert_no_axe_violations(page)
