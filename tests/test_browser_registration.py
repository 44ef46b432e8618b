"""Browser journey (Chromium): registration → e-mail verification → staff approval → invitation →
first sign-in → agreement acceptance. Every e-mail is read from the real SMTP server (aiosmtpd).
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from channelops.agreements.models import Acceptance, AgreementVersion
from channelops.partners.models import Application, Partner, Region, RegionRouting

from .conftest import BROWSER_MARKS
from .factories import TEST_PASSWORD, TEST_TOTP_SECRET, StaffFactory
from .test_browser_journeys import current_totp_code, sign_in

pytestmark = BROWSER_MARKS  # see tests/conftest.py

VERIFY_LINK = re.compile(r"https?://\S+/register/verify/[\w-]+/")
INVITATION_LINK = re.compile(r"https?://\S+/accounts/invitation/[\w-]+/")
CONSOLE_LINK = re.compile(r"https?://\S+/console/applications/\d+/")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits (registration, sign-in) and used TOTP codes live in the per-process cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def site(live_server, settings):
    settings.SITE_URL = live_server.url
    return live_server.url


def one_mail(smtp_server, to: str, subject_part: str):  # type: ignore[no-untyped-def]
    mails = [m for m in smtp_server.box.to(to) if subject_part in m["Subject"]]
    assert len(mails) == 1, [m["Subject"] for m in smtp_server.box.to(to)]
    return mails[0]


def test_a_company_registers_is_approved_and_its_admin_accepts_the_agreements(
    page: Page, browser, site, smtp_server, deliver
):
    applicant = "olga@northwind-journey.example"
    phd = StaffFactory(email="phd.journey@vendor.test", full_name="Petra PHD", roles=["phd_specialist"])
    RegionRouting.objects.filter(region=Region.objects.get(code="EMEA")).update(phd_specialist=phd)

    # 1. The company applies on the public form.
    page.goto(f"{site}/")
    page.get_by_role("link", name="Become a partner").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Become a partner")
    page.get_by_label("Company name").fill("Northwind Journey GmbH")
    page.get_by_label("Company website").fill("https://northwind-journey.example")
    page.get_by_label("Country").select_option(label="Germany")  # chosen by name, stored as DE
    page.get_by_label("Region").select_option("EMEA")
    page.get_by_label("Reseller").check()
    page.get_by_label("First name").fill("Olga")
    page.get_by_label("Last name").fill("Olsen")
    page.get_by_label("Business e-mail address").fill(applicant)
    page.get_by_label("I agree to be contacted").check()
    page.get_by_role("button", name="Send my application").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    app = Application.objects.get(email=applicant)
    assert app.status == "unverified"
    assert app.country == "DE"

    # 2. The verification e-mail arrives; its link leads to a confirmation button.
    deliver()
    text = smtp_server.box.text(one_mail(smtp_server, applicant, "Confirm your partner application"))
    verify_link = VERIFY_LINK.search(text).group(0)
    assert verify_link.startswith(site)
    page.goto(verify_link)
    app.refresh_from_db()
    assert app.status == "unverified"  # opening the link (as a mail scanner would) confirms nothing
    page.get_by_role("button", name="Confirm my e-mail address").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your partner application")
    expect(page.get_by_text("Submitted, under review")).to_be_visible()

    # 3. The region's PHD specialist hears of it, signs in with password + code, approves.
    deliver()
    staff_mail = one_mail(smtp_server, phd.email, "New partner application: Northwind Journey GmbH")
    console_link = CONSOLE_LINK.search(smtp_server.box.text(staff_mail)).group(0)
    staff_context = browser.new_context()
    try:
        tab = staff_context.new_page()
        sign_in(tab, site, phd.email, TEST_PASSWORD)
        tab.locator("input[name=code]").fill(current_totp_code(TEST_TOTP_SECRET))
        tab.get_by_role("button", name="Sign In").click()
        expect(tab).to_have_url(f"{site}/console/queues/")
        tab.get_by_role("link", name="Partner applications to decide").click()
        expect(tab.get_by_role("heading", level=1)).to_have_text("Partner applications")
        tab.get_by_role("link", name="Northwind Journey GmbH").click()
        expect(tab).to_have_url(console_link)
        tab.get_by_role("button", name="Approve and invite").click()
        expect(tab.get_by_text(applicant).first).to_be_visible()
    finally:
        staff_context.close()
    partner = Partner.objects.get(legal_name="Northwind Journey GmbH")
    assert partner.status == "active" and partner.region.code == "EMEA"
    assert list(partner.programs.values_list("slug", flat=True)) == ["reseller"]

    # 4. The invitation arrives; the new partner admin chooses a password and signs in.
    deliver()
    # The new admin has no language yet: the partner's country (Germany) gives a German invitation;
    # the pages follow the browser's language (English) until they choose one (docs/i18n.md).
    invitation = one_mail(smtp_server, applicant, "Willkommen im Partnerprogramm")
    invitation_text = smtp_server.box.text(invitation)
    assert "Prüfen und akzeptieren Sie nach der Anmeldung Ihre Partnerverträge" in invitation_text
    page.goto(INVITATION_LINK.search(invitation_text).group(0))
    page.get_by_label("Your name").fill("Olga Olsen")
    page.get_by_label("Password", exact=True).fill("Tulip-Harbour-Lantern-58")
    page.get_by_label("Password (again)", exact=True).fill("Tulip-Harbour-Lantern-58")
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_text("Your account is ready.")).to_be_visible()
    sign_in(page, site, applicant, "Tulip-Harbour-Lantern-58")
    expect(page).to_have_url(f"{site}/portal/")
    expect(page.get_by_text("2 agreements need your company's acceptance")).to_be_visible()

    # 5. The agreements: the master agreement and the reseller addendum, accepted one after the other.
    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Agreements").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Agreements of Northwind Journey GmbH")
    for name in ("Master Partner Agreement", "Reseller Addendum"):
        page.get_by_role("link", name=f"Read and accept the {name}").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(name)
        page.get_by_label(re.compile(r"I have read and accept the")).check()
        page.get_by_role("button", name="Accept", exact=True).click()
        expect(page).to_have_url(f"{site}/portal/agreements/")
        expect(
            page.get_by_text(f"Thank you: Northwind Journey GmbH accepted the {name} (v1).")
        ).to_be_visible()
    expect(page.locator("td[data-state=accepted]")).to_have_count(2)
    page.goto(f"{site}/portal/")
    expect(page.get_by_text("agreements need your company's acceptance")).to_have_count(0)

    # The evidence: who, from where, which exact text.
    evidence = list(Acceptance.objects.filter(partner=partner).select_related("version", "accepted_by"))
    assert len(evidence) == 2
    for acceptance in evidence:
        assert acceptance.accepted_by.email == applicant
        assert acceptance.ip_address == "127.0.0.1"
        assert acceptance.content_hash == AgreementVersion.objects.get(pk=acceptance.version_id).content_hash
        assert acceptance.regions == "EMEA"
        assert "Chrome" in acceptance.user_agent

    # 6. Each acceptance is confirmed by e-mail (in German, as the invitation), with the text's hash.
    deliver()
    for acceptance in evidence:
        mail = one_mail(smtp_server, applicant, f"Sie haben {acceptance.version.template.name}")
        assert acceptance.content_hash in smtp_server.box.text(mail)
