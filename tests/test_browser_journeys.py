"""Browser journeys (Chromium via Playwright against the live server).

1. A partner admin invites a colleague; the invitation e-mail arrives at the real SMTP
   server; the colleague opens the link, chooses a password, signs in and lands on the
   portal dashboard.
2. Staff sign in with password + authenticator code (allauth MFA stage) and reach the
   console; staff without an authenticator are sent to set one up instead.
"""

from __future__ import annotations

import re
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.cache import cache
from playwright.sync_api import Page, expect

from channelops.accounts.models import Invitation, User

from .conftest import BROWSER_MARKS
from .factories import (
    TEST_PASSWORD,
    TEST_TOTP_SECRET,
    MembershipFactory,
    PartnerFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = BROWSER_MARKS  # see tests/conftest.py

INVITATION_LINK = re.compile(r"https?://\S+/accounts/invitation/[\w-]+/")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Sign-in rate limits and used TOTP codes live in the (per-process) cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def site(live_server, settings):
    """The live server's address, also used for the links in e-mails."""
    settings.SITE_URL = live_server.url
    return live_server.url


def sign_in(page: Page, site: str, email: str, password: str) -> None:
    page.goto(f"{site}/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def current_totp_code(secret: str) -> str:
    """The authenticator code for now; waits for a fresh 30 s window when this one is about to end."""
    if 30 - time.time() % 30 < 5:
        time.sleep(30 - time.time() % 30 + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


# --- 1. invitation → first sign-in → dashboard -----------------------------------------------


def test_invited_colleague_accepts_by_email_link_signs_in_and_sees_dashboard(
    page: Page, browser, site, smtp_server, deliver
):
    partner = PartnerFactory(legal_name="Acme Journey Partner", country="GB")  # English e-mails for Nina
    admin = MembershipFactory(
        partner=partner, role="admin", user=UserFactory(email="admin@journey.test", full_name="Ada Admin")
    ).user
    invitee = "nina@journey.test"
    new_password = "Nina-Journey-Password-42"

    # The partner admin signs in and invites a colleague.
    sign_in(page, site, admin.email, TEST_PASSWORD)
    expect(page).to_have_url(f"{site}/portal/")
    page.goto(f"{site}/portal/users/")
    form = page.get_by_role("form", name="Invite a colleague")
    form.get_by_label("Name").fill("Nina Newcomer")
    form.get_by_label("E-mail address").fill(invitee)
    form.get_by_label("Role").select_option("user")
    form.get_by_role("button", name="Send invitation").click()
    expect(page).to_have_url(f"{site}/portal/users/")
    expect(page.get_by_text(f"Invitation sent to {invitee}.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(invitee))).to_contain_text("Invited")

    # Nothing is sent until the outbox is delivered (what the worker does).
    assert smtp_server.box.to(invitee) == []
    result = deliver()
    assert result["failed"] == 0 and result["sent"] >= 1
    received = smtp_server.box.to(invitee)
    assert len(received) == 1
    mail = received[0]
    assert "Acme Journey Partner" in mail["Subject"]
    text = smtp_server.box.text(mail)
    assert "Ada Admin invited you to the partner portal of Acme Journey Partner" in text
    links = INVITATION_LINK.findall(text)
    assert len(links) == 1, text
    link = links[0]
    assert link.startswith(f"{site}/accounts/invitation/")
    assert link in smtp_server.box.html(mail)  # the HTML part carries the same link

    # The invitee cannot sign in before accepting: the account has no usable password.
    user = User.objects.get(email=invitee)
    assert not user.has_usable_password()
    assert not EmailAddress.objects.get(user=user, email=invitee).verified
    invitee_context = browser.new_context()
    try:
        tab = invitee_context.new_page()
        sign_in(tab, site, invitee, new_password)
        expect(tab).to_have_url(re.compile(r"/accounts/login/$"))
        expect(
            tab.get_by_text("The email address and/or password you specified are not correct.")
        ).to_be_visible()

        # The link from the e-mail: choose name and password.
        tab.goto(link)
        expect(tab.get_by_role("heading", level=1)).to_have_text("Accept your invitation")
        expect(tab.get_by_text(f"Choose a password for {invitee}.")).to_be_visible()
        tab.get_by_label("Your name").fill("Nina N. Newcomer")
        tab.get_by_label("Password", exact=True).fill(new_password)
        tab.get_by_label("Password (again)", exact=True).fill(new_password)
        tab.get_by_role("button", name="Set password").click()

        # Sent to sign-in; the link proved the mailbox, so no verification step follows.
        expect(tab).to_have_url(f"{site}/accounts/login/")
        expect(tab.get_by_text("Your account is ready.")).to_be_visible()
        sign_in(tab, site, invitee, new_password)
        expect(tab).to_have_url(f"{site}/portal/")
        expect(tab.get_by_role("heading", level=1)).to_have_text("Welcome, Acme Journey Partner")
        expect(tab.locator(".dropdown-header").first).to_have_text(invitee)  # the person menu

        user.refresh_from_db()
        assert user.full_name == "Nina N. Newcomer"
        assert EmailAddress.objects.get(user=user, email=invitee).verified
        assert Invitation.objects.get(user=user).accepted_at is not None
        deliver()
        assert len(smtp_server.box.to(invitee)) == 1  # no verification (or other) mail was needed

        # The link works once.
        response = tab.goto(link)
        assert response is not None and response.status == 404
        expect(tab.get_by_role("heading", level=1)).to_have_text("This invitation is not valid")
    finally:
        invitee_context.close()


# --- 2. staff sign-in with an authenticator code ---------------------------------------------


def test_staff_signs_in_with_password_and_totp_code_and_reaches_the_directory(page: Page, site):
    PartnerFactory(legal_name="Zephyr Directory Partner")
    staff = StaffFactory(email="cam.journey@vendor.test", roles=["cam"])

    sign_in(page, site, staff.email, TEST_PASSWORD)
    expect(page).to_have_url(f"{site}/accounts/2fa/authenticate/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-Factor Authentication")
    # No console before the second factor: sign-in sends them back to the code stage.
    page.goto(f"{site}/console/partners/")
    expect(page).to_have_url(f"{site}/accounts/2fa/authenticate/")
    expect(page.get_by_text("Zephyr Directory Partner")).to_have_count(0)

    page.locator("input[name=code]").fill(current_totp_code(TEST_TOTP_SECRET))
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{site}/console/queues/")

    page.get_by_role("navigation", name="Console").get_by_role("link", name="Partners").click()
    expect(page).to_have_url(f"{site}/console/partners/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Partner directory")
    expect(page.get_by_role("link", name="Zephyr Directory Partner")).to_be_visible()


def test_staff_with_a_wrong_totp_code_stays_at_the_second_factor(page: Page, site):
    staff = StaffFactory(email="wrong.code@vendor.test", roles=["cam"])
    sign_in(page, site, staff.email, TEST_PASSWORD)
    expect(page).to_have_url(f"{site}/accounts/2fa/authenticate/")
    good = current_totp_code(TEST_TOTP_SECRET)
    page.locator("input[name=code]").fill(f"{(int(good) + 1) % 1_000_000:06d}")
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{site}/accounts/2fa/authenticate/")
    expect(page.get_by_text("Incorrect code.")).to_be_visible()


def test_staff_without_an_authenticator_is_sent_to_totp_activation(page: Page, site):
    PartnerFactory(legal_name="Hidden Until MFA Partner")
    staff = StaffFactory(email="no.mfa@vendor.test", roles=["cam"], mfa=False)

    # Signing in leads to the TOTP activation page, not the console. allauth guards the
    # activation page with a password confirmation (MFA_REAUTHENTICATION_REQUIRED).
    sign_in(page, site, staff.email, TEST_PASSWORD)
    expect(page).to_have_url(f"{site}/accounts/reauthenticate/?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F")
    expect(page.get_by_text("Staff accounts must set up an authenticator app")).to_be_visible()
    expect(page.get_by_text("Hidden Until MFA Partner")).to_have_count(0)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(f"{site}/accounts/2fa/totp/activate/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Activate Authenticator App")

    # Every console page sends them back there.
    page.goto(f"{site}/console/partners/")
    expect(page).to_have_url(f"{site}/accounts/2fa/totp/activate/")
    expect(page.get_by_text("Staff accounts must set up an authenticator app")).to_be_visible()
    expect(page.get_by_text("Hidden Until MFA Partner")).to_have_count(0)

    # Activating an authenticator with the secret shown opens the console.
    secret = page.locator("#authenticator_secret").input_value()
    page.locator("input[name=code]").fill(current_totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    expect(page).not_to_have_url(re.compile(r"/totp/activate/"))
    page.goto(f"{site}/console/partners/")
    expect(page).to_have_url(f"{site}/console/partners/")
    expect(page.get_by_role("link", name="Hidden Until MFA Partner")).to_be_visible()
