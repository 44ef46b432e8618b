"""Browser journey (Chromium): a partner user requests NFR licenses; the PHD specialist of its
region is e-mailed, approves in the console; the license arrives as an e-mail attachment at the
SMTP server and `channelops license verify` accepts it against the server's /licenses/keys.json —
and rejects it with one byte flipped."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from channelops.accounts.services import access_request_approve, access_request_create
from channelops.licensing.models import License, NfrRequest
from channelops.partners.models import Region, RegionRouting

from .conftest import BROWSER_MARKS, Mailbox
from .factories import (
    TEST_PASSWORD,
    TEST_TOTP_SECRET,
    MembershipFactory,
    PartnerFactory,
    StaffFactory,
    UserFactory,
)
from .test_browser_journeys import current_totp_code, sign_in
from .test_nfr_requests import accept_all

pytestmark = [*BROWSER_MARKS, pytest.mark.usefixtures("license_key_dir")]  # see tests/conftest.py

REVIEW_LINK = re.compile(r"https?://\S+/console/nfr/\d+/")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def verify(path: str, keys_url: str, tmp_path) -> subprocess.CompletedProcess:  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}} | {
        "CHANNELOPS_TESTING": "0",
        "CHANNELOPS_LICENSE_KEY_DIR": str(tmp_path / "no-keys-here"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
    }
    exe = os.path.join(os.path.dirname(sys.executable), "channelops")
    cmd = [exe, "license", "verify", path, "--keys", keys_url]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)  # noqa: S603


def test_partner_user_requests_phd_approves_and_the_emailed_license_verifies(
    page: Page, browser, live_server, settings, smtp_server, deliver, tmp_path
):
    site = live_server.url
    settings.SITE_URL = site
    phd = StaffFactory(email="phd.journey@vendor.test", full_name="Camille Dios", roles=["phd_specialist"])
    RegionRouting.objects.filter(region=Region.objects.get(code="EMEA")).update(phd_specialist=phd)
    lead = StaffFactory(email="lead.journey@vendor.test", roles=["channel_leadership"])
    grant = access_request_create(
        perm="licensing.issue_license", justification="I send the EMEA NFR licenses.", by=phd
    )
    access_request_approve(request=grant, by=lead)
    cam = StaffFactory(email="cam.journey@vendor.test", full_name="Carl Cam", roles=["cam"])
    partner = PartnerFactory(legal_name="Licence Journey GmbH", cam=cam)
    admin = MembershipFactory(partner=partner, role="admin", user=UserFactory(email="admin@lj.example")).user
    accept_all(partner, admin)
    user = MembershipFactory(
        partner=partner,
        role="user",
        can_submit_requests=True,
        user=UserFactory(email="sam@lj.example", full_name="Sam Seller"),
    ).user
    deliver()
    smtp_server.box.clear()

    # The partner user fills in the request form in the portal.
    sign_in(page, site, user.email, TEST_PASSWORD)
    page.get_by_role("navigation", name="Portal").get_by_role(
        "link", name="NFR licenses"
    ).click()  # the shell's sidebar
    page.get_by_role("link", name="Request NFR licenses").click()
    page.get_by_label("License contact name").fill("Lena Lab")
    page.get_by_label("License contact e-mail").fill("lena.lab@lj.example")
    page.get_by_label("Users (seats)").fill("5")
    page.get_by_label("Purpose").fill("A demo lab for customer workshops")
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("NFR request NFR-")
    req = NfrRequest.objects.get(partner=partner)
    assert (req.requested_by, req.seats, req.plan) == (user, 5, "ultimate")

    # The PHD specialist of the partner's region is e-mailed and follows the link.
    deliver()
    (notice,) = smtp_server.box.to(phd.email)
    link = REVIEW_LINK.search(Mailbox.text(notice)).group(0)
    staff_context = browser.new_context()
    try:
        tab = staff_context.new_page()
        sign_in(tab, site, phd.email, TEST_PASSWORD)
        tab.locator("input[name=code]").fill(current_totp_code(TEST_TOTP_SECRET))
        tab.get_by_role("button", name="Sign In").click()
        tab.wait_for_load_state()
        tab.goto(link)
        expect(tab.get_by_role("heading", level=1)).to_contain_text(req.reference)
        expect(tab.locator("[data-criterion=authorised]")).to_contain_text("Passed")
        tab.get_by_role("button", name="Approve").click()
        expect(tab.get_by_text(re.compile(rf"{req.reference} approved: license"))).to_be_visible()
        expect(tab.get_by_role("heading", name="Delivery")).to_be_visible()
    finally:
        staff_context.close()

    # The worker delivers: the license e-mail with the file attached reaches the contact.
    deliver()
    lic = License.objects.get(request=req)
    mails = [m for m in smtp_server.box.to("lena.lab@lj.example") if any(True for _ in m.iter_attachments())]
    assert len(mails) == 1
    (attachment,) = list(mails[0].iter_attachments())
    assert attachment.get_filename() == lic.filename
    content = attachment.get_content()
    path = tmp_path / attachment.get_filename()
    path.write_bytes(content if isinstance(content, bytes) else content.encode())

    ok = verify(str(path), f"{site}/licenses/keys.json", tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "VALID" in ok.stdout and "Lena Lab" in ok.stdout and "Licence Journey GmbH" in ok.stdout

    data = bytearray(path.read_bytes())
    pos = data.index(b"-----BEGIN CHANNELOPS LICENSE-----\n") + 60
    data[pos] = ord("B") if data[pos] != ord("B") else ord("C")
    bad = tmp_path / "flipped.lic"
    bad.write_bytes(bytes(data))
    refused = verify(str(bad), f"{site}/licenses/keys.json", tmp_path)
    assert refused.returncode == 1 and "INVALID" in refused.stdout

    # The requester sees it on the request page.
    page.reload()
    expect(page.get_by_role("heading", name="License")).to_be_visible()
    expect(page.get_by_text("License e-mailed")).to_be_visible()
