"""Browser journey (Chromium): partner communications through the real pages (issue 18, S11).

A visitor signs up for the Partner Flash on the public form and confirms from the e-mail (the
welcome e-mail follows); channel marketing writes an edition in the console, reads the preview at
desktop and phone width and schedules it; a partner admin sees a portal notice on the home page and
dismisses it, finds the region's webcasts and the Partner Flash archive; a reader unsubscribes from
the page their e-mail links to. Every e-mail arrives at the real SMTP server; axe checks each page
and no page scrolls sideways at 390 px. Screenshots go to $SHOT_DIR (default /tmp/shots).
"""

from __future__ import annotations

import datetime
import re
from urllib.parse import urlsplit

from django.utils import timezone
from playwright.sync_api import Page, expect

from channelops.communications import links
from channelops.communications.editions import edition_open
from channelops.communications.models import (
    Mailing,
    MailingStatus,
    PortalNotice,
    Recipient,
    Subscriber,
    Webcast,
)

from .conftest import BROWSER_MARKS, Mailbox
from .factories import TEST_PASSWORD, MembershipFactory, PartnerFactory, StaffFactory, UserFactory
from .test_browser_accessibility import assert_no_axe_violations
from .test_browser_journeys import sign_in
from .test_browser_mdf import (
    _fresh_cache,  # noqa: F401 (autouse: rate limits live in the cache)
    staff_sign_in,
)
from .test_browser_mdf import shoot as mdf_shoot

pytestmark = BROWSER_MARKS  # see tests/conftest.py


def shoot(page: Page, name: str) -> None:
    mdf_shoot(page, name, prefix="comms")


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_sign_up_author_schedule_notice_webcasts_archive_and_unsubscribe(
    page: Page, browser, live_server, settings, smtp_server, deliver
):
    site = live_server.url
    settings.SITE_URL = site
    today = timezone.localdate()

    # 1. A visitor signs up on the public form and confirms from the e-mail.
    page.goto(f"{site}/newsletter/signup/")
    assert_no_axe_violations(page)
    shoot(page, "signup")
    page.locator("#id_email").fill("visitor@reader.example")
    page.locator("#id_name").fill("Vera Visitor")
    page.locator("input[name=consent]").check()
    page.get_by_role("button", name="Sign me up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")
    deliver()
    (confirm,) = smtp_server.box.to("visitor@reader.example")
    url = re.search(r"https?://\S+/newsletter/confirm/\S+/", Mailbox.text(confirm)).group(0)
    page.goto(site + _path(url))
    expect(page.get_by_role("heading", level=1)).to_have_text("You are subscribed")
    assert_no_axe_violations(page)
    assert Subscriber.objects.get(email="visitor@reader.example").status == "subscribed"
    deliver()
    assert len(smtp_server.box.to("visitor@reader.example")) == 2  # the confirmation, then the welcome

    # 2. Channel marketing writes an edition, previews it and schedules it.
    marketing = StaffFactory(
        email="mira.flash@vendor.test", full_name="Mira Market", roles=["channel_marketing"]
    )
    month = (today.replace(day=1) + datetime.timedelta(days=70)).replace(day=1)
    edition = edition_open(month=month, by=marketing)
    staff = browser.new_context()
    try:
        tab = staff.new_page()
        staff_sign_in(tab, site, marketing.email)
        tab.goto(f"{site}/console/communications/editions/")
        assert_no_axe_violations(tab)
        shoot(tab, "editions")
        tab.goto(f"{site}/console/communications/editions/{edition.pk}/")
        tab.locator("#id_subject").fill("Partner Flash: the month in two minutes")
        tab.locator("#id_featured").fill(
            "## Record quarter\n\nRead the [partner stories](https://vendor.example/stories)."
        )
        tab.locator("#id_product").fill("1. Faster\n2. Safer\n3. Simpler")
        tab.get_by_role("button", name="Save the edition").click()
        expect(tab.get_by_role("heading", level=1)).to_contain_text("Partner Flash")
        assert_no_axe_violations(tab)
        shoot(tab, "edition")
        tab.goto(f"{site}/console/communications/editions/{edition.pk}/preview/")
        expect(tab.get_by_role("heading", level=1)).to_contain_text("Preview")
        assert_no_axe_violations(tab)
        shoot(tab, "preview")
        tab.goto(f"{site}/console/communications/editions/{edition.pk}/")
        tab.get_by_role("button", name="Schedule the send").click()
        tab.wait_for_load_state()
        edition.refresh_from_db()
        assert edition.status == MailingStatus.SCHEDULED and edition.send_at is not None
    finally:
        staff.close()

    # 3. A partner admin: the portal notice (dismissed), the region's webcasts, the archive.
    partner = PartnerFactory(legal_name="Flash Readers Ltd", country="GB")
    admin = MembershipFactory(
        partner=partner,
        role="admin",
        user=UserFactory(email="ada@flash-readers.example", full_name="Ada Reader"),
    ).user
    PortalNotice.objects.create(
        title="Partner summit: registration is open",
        body="Two days of roadmap and enablement.",
        starts_on=today - datetime.timedelta(days=1),
        ends_on=today + datetime.timedelta(days=10),
    )
    Webcast.objects.create(
        title="Partner webcast for your region",
        region=partner.region,
        starts_at=timezone.now() + datetime.timedelta(days=5),
        time_zone="Europe/London",
        registration_url="https://vendor.example/webcasts/register",
    )
    sent = Mailing.objects.create(
        kind="flash",
        title="Partner Flash (last month)",
        subject="Partner Flash (last month)",
        month=(today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1),
        status=MailingStatus.SENT,
        public=True,
        slug="last-month-partner-flash",
        sections={"featured": "Last month's news."},
        sent_at=timezone.now() - datetime.timedelta(days=3),
    )
    sign_in(page, site, admin.email, TEST_PASSWORD)
    page.goto(f"{site}/portal/")
    expect(page.get_by_text("Partner summit: registration is open")).to_be_visible()
    assert_no_axe_violations(page)
    shoot(page, "portal-notice")
    page.get_by_role("button", name="Dismiss").first.click()
    page.wait_for_load_state()
    expect(page.get_by_text("Partner summit: registration is open")).to_have_count(0)
    page.goto(f"{site}/portal/communications/webcasts/")
    expect(page.get_by_text("Partner webcast for your region")).to_be_visible()
    assert_no_axe_violations(page)
    shoot(page, "portal-webcasts")
    page.goto(f"{site}/portal/communications/flash/")
    expect(page.get_by_role("link", name="Partner Flash (last month)")).to_be_visible()
    assert_no_axe_violations(page)
    shoot(page, "portal-flash")

    # 4. A reader unsubscribes from the page the e-mail links to.
    reader = Recipient.objects.create(mailing=sent, email="vera@reader.example", name="Vera", status="sent")
    page.goto(site + _path(links.unsubscribe_url(reader.pk)))
    assert_no_axe_violations(page)
    shoot(page, "unsubscribe")
    page.get_by_role("button", name="Unsubscribe from everything").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are unsubscribed")
    assert_no_axe_violations(page)
