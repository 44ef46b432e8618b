"""Browser journey (Chromium): the whole MDF cycle through the real pages (issue 17, S8).

A Select partner's admin proposes a 12,000 activity and sends it to the CAM; the CAM (signed in
with password and authenticator code) confirms alignment, the proposal is routed by amount to
channel marketing and the CAM may not approve it; channel marketing approves it (the budget
reserves 12,000); the partner claims 9,000 with a real PDF invoice and a real PNG photo; channel
marketing approves the claim and records the payment (the budget shows 9,000 paid). Every e-mail
arrives at the real SMTP server. Screenshots at desktop and phone width go to $SHOT_DIR (default
/tmp/shots); they are for looking at, not committed.
"""

from __future__ import annotations

import datetime
import io
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, expect
from pypdf import PdfWriter

from channelops.mdf.models import Claim, ClaimStatus, Proposal, ProposalStatus
from channelops.partners.models import Tier

from .conftest import BROWSER_MARKS, Mailbox
from .factories import (
    TEST_PASSWORD,
    TEST_TOTP_SECRET,
    MembershipFactory,
    PartnerFactory,
    StaffFactory,
    UserFactory,
)
from .mdf_factories import BudgetFactory
from .test_browser_accessibility import assert_no_axe_violations
from .test_browser_journeys import current_totp_code, sign_in
from .test_mdf_proposals import accept_all

pytestmark = BROWSER_MARKS  # see tests/conftest.py

SHOTS = Path(os.environ.get("SHOT_DIR", "/tmp/shots"))  # noqa: S108 - a developer's scratch folder


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Sign-in rate limits and used authenticator codes live in the (per-process) cache."""
    cache.clear()
    yield
    cache.clear()


def shoot(page: Page, name: str, prefix: str = "mdf") -> None:
    """Desktop and 390 px screenshots; the phone width must not scroll sideways."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, label in ((1280, "desk"), (390, "phone")):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{prefix}-{name}-{label}.png"), full_page=True)
        if width == 390:
            overflow = page.evaluate(
                "document.documentElement.scrollWidth > document.documentElement.clientWidth"
            )
            assert not overflow, f"{name}: the page scrolls sideways at 390 px"
    page.set_viewport_size({"width": 1280, "height": 900})


def staff_sign_in(page: Page, site: str, email: str) -> None:
    """Password, then the authenticator code (allauth's MFA stage)."""
    sign_in(page, site, email, TEST_PASSWORD)
    page.locator("input[name=code]").fill(current_totp_code(TEST_TOTP_SECRET))
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()
    expect(page.get_by_role("navigation", name="Console")).to_be_visible()


def pdf_invoice(path: Path) -> Path:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": "Invoice 2026-118"})
    with path.open("wb") as f:
        writer.write(f)
    return path


def png_photo(path: Path) -> Path:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(out, format="PNG")
    path.write_bytes(out.getvalue())
    return path


def card_value(page: Page, label: str):  # type: ignore[no-untyped-def]
    """The figure of the budget page's summary card headed ``label``."""
    return page.locator(".card-body", has=page.locator(".text-secondary", has_text=re.compile(f"^{label}$")))


def test_the_mdf_cycle_from_proposal_to_payment(
    page: Page, browser, live_server, settings, smtp_server, deliver, tmp_path
):
    site = live_server.url
    settings.SITE_URL = site
    settings.MDF_APPROVAL_ROUTE = "cam:5000,channel_marketing:25000,channel_leadership"
    settings.MDF_APPROVAL_ROUTES_BY_REGION = {}
    today = timezone.localdate()
    # A budget for the partner's region whose dates cover the activity (the quarter's label is a
    # fixed one: the journey must not depend on which quarter the wall clock is in).
    budget = BudgetFactory(
        starts_on=today - datetime.timedelta(days=30),
        ends_on=today + datetime.timedelta(days=90),
        amount=Decimal("100000.00"),
    )
    cam = StaffFactory(email="cam.mdf@vendor.test", full_name="Carla Cam", roles=["cam"])
    marketing = StaffFactory(
        email="marketing.mdf@vendor.test", full_name="Mira Market", roles=["channel_marketing"]
    )
    partner = PartnerFactory(
        legal_name="Funds Journey Ltd", country="GB", tier=Tier.objects.get(slug="select"), cam=cam
    )
    assert partner.region_id == budget.region_id
    admin = MembershipFactory(
        partner=partner,
        role="admin",
        user=UserFactory(email="ada@funds-journey.example", full_name="Ada Funds"),
    ).user
    accept_all(partner, admin)
    deliver()
    smtp_server.box.clear()
    starts = today + datetime.timedelta(days=10)
    ends = today + datetime.timedelta(days=11)

    # 1. The partner admin proposes the activity and sends it to the CAM.
    sign_in(page, site, admin.email, TEST_PASSWORD)
    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Marketing funds").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Marketing funds")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="New proposal").first.click()
    page.get_by_label("Activity type").select_option("event")
    page.get_by_label("Title").fill("London security roadshow")
    page.get_by_label("Description").fill("A half-day roadshow for IT directors.")
    page.get_by_label("Starts on").fill(starts.isoformat())
    page.get_by_label("Ends on").fill(ends.isoformat())
    page.get_by_label("Audience").fill("IT directors of mid-sized firms in London")
    page.get_by_label("Requested amount").fill("12000")
    page.get_by_label("Currency").select_option(settings.MDF_CURRENCY)
    page.get_by_label("Expected leads").fill("60")
    page.get_by_label("Expected pipeline").fill("250000")
    page.get_by_label("We reviewed this plan with our CAM").check()
    assert_no_axe_violations(page)
    shoot(page, "proposal-form")
    page.get_by_role("button", name="Send to our CAM").click()
    proposal = Proposal.objects.get(partner=partner)
    expect(page.get_by_text(f"{proposal.number} was sent to Carla Cam")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text(proposal.number)
    assert proposal.status == ProposalStatus.AWAITING_CAM
    expect(
        page.get_by_text("Waiting for your channel account manager, Carla Cam, to confirm the plan.")
    ).to_be_visible()
    assert_no_axe_violations(page)
    shoot(page, "portal-proposal-sent")
    deliver()
    (to_cam,) = smtp_server.box.to(cam.email)
    assert proposal.number in to_cam["Subject"] and "Funds Journey Ltd" in to_cam["Subject"]
    assert f"/console/mdf/{proposal.pk}/" in Mailbox.text(to_cam)

    # 2. The CAM confirms alignment: routed to channel marketing, which the CAM may not approve.
    staff = browser.new_context()
    try:
        tab = staff.new_page()
        staff_sign_in(tab, site, cam.email)
        tab.goto(f"{site}/console/mdf/{proposal.pk}/")
        expect(tab.get_by_role("heading", level=1)).to_contain_text(proposal.number)
        assert_no_axe_violations(tab)
        shoot(tab, "console-align")
        tab.get_by_role("button", name="Confirm alignment").click()
        expect(tab.locator("#waiting")).to_contain_text("Waiting for approval by channel marketing")
        expect(tab.get_by_role("button", name="Approve")).to_have_count(0)
        proposal.refresh_from_db()
        assert (proposal.status, proposal.approval_level) == (ProposalStatus.SUBMITTED, "channel_marketing")
    finally:
        staff.close()
    deliver()
    (to_marketing,) = smtp_server.box.to(marketing.email)
    assert "waits for your decision" in to_marketing["Subject"]

    # 3. Channel marketing approves it: the partner is told, the budget reserves 12,000.
    staff = browser.new_context()
    try:
        tab = staff.new_page()
        staff_sign_in(tab, site, marketing.email)
        tab.goto(f"{site}/console/mdf/{proposal.pk}/")
        tab.get_by_role("button", name="Approve", exact=True).click()
        expect(tab.get_by_text(re.compile(f"{proposal.number}.*approved", re.I)).first).to_be_visible()
        proposal.refresh_from_db()
        assert proposal.status == ProposalStatus.APPROVED and proposal.approved_amount == Decimal("12000.00")
        deliver()
        (approved,) = [m for m in smtp_server.box.to(admin.email) if "is approved" in m["Subject"]]
        assert proposal.number in approved["Subject"]

        tab.goto(f"{site}/console/mdf/budgets/{budget.pk}/")
        expect(card_value(tab, "Reserved")).to_contain_text("12,000.00")
        expect(card_value(tab, "Remaining")).to_contain_text("88,000.00")
        assert_no_axe_violations(tab)
        shoot(tab, "budget-reserved")

        # 4. The partner claims 9,000 with a PDF invoice and a PNG photo.
        page.goto(f"{site}/portal/mdf/{proposal.pk}/")
        expect(page.locator(".status-badge, .badge").first).to_be_visible()
        page.get_by_role("link", name="Claim funds").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(proposal.number)
        page.get_by_label("Amount").fill("9000")
        page.get_by_label("Invoices").set_input_files(pdf_invoice(tmp_path / "invoice-2026-118.pdf"))
        page.get_by_label("Photos").set_input_files(png_photo(tmp_path / "roadshow.png"))
        page.get_by_label("Note").fill("Venue and catering.")
        assert_no_axe_violations(page)
        shoot(page, "claim-form")
        page.get_by_role("button", name="Send the claim").click()
        claim = Claim.objects.get(proposal=proposal)
        expect(page.get_by_role("heading", level=1)).to_contain_text(claim.number)
        expect(page.get_by_role("link", name="invoice-2026-118.pdf")).to_be_visible()
        expect(page.get_by_role("link", name="roadshow.png")).to_be_visible()
        assert claim.amount == Decimal("9000.00") and claim.status == ClaimStatus.SUBMITTED
        assert sorted(claim.proof_files.values_list("kind", "content_type")) == [
            ("invoice", "application/pdf"),
            ("photo", "image/png"),
        ]
        assert_no_axe_violations(page)
        shoot(page, "portal-claim")
        deliver()
        (review,) = smtp_server.box.to(marketing.email)[1:]
        assert f"New MDF claim {claim.number} of Funds Journey Ltd" in review["Subject"]
        assert [m["Subject"] for m in smtp_server.box.to(admin.email)][
            -1
        ] == f"MDF claim {claim.number} received"

        # 5. Channel marketing approves the claim and records the payment.
        tab.goto(f"{site}/console/mdf/claims/{claim.number}/")
        expect(tab.get_by_role("heading", level=1)).to_contain_text(claim.number)
        with tab.expect_download() as info:
            tab.get_by_role("link", name="invoice-2026-118.pdf").click()
        with open(info.value.path(), "rb") as f:
            assert f.read(5) == b"%PDF-"
        assert_no_axe_violations(tab)
        shoot(tab, "console-claim")
        tab.get_by_role("button", name="Approve the claim").click()
        expect(tab.get_by_role("button", name="Record the payment")).to_be_visible()
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.APPROVED
        tab.get_by_label("Paid on").fill(today.isoformat())
        tab.get_by_label("Payment reference").fill("BACS-77812")
        tab.get_by_role("button", name="Record the payment").click()
        expect(tab.get_by_role("button", name="Record the payment")).to_have_count(0)
        claim.refresh_from_db()
        assert (claim.status, claim.payment_reference) == (ClaimStatus.PAID, "BACS-77812")
        expect(tab.locator("main")).to_contain_text("Paid")
        expect(tab.locator("main")).to_contain_text("BACS-77812")
        shoot(tab, "console-claim-paid")
        deliver()
        subjects = [m["Subject"] for m in smtp_server.box.to(admin.email)]
        assert f"MDF claim {claim.number} approved" in subjects
        assert f"MDF claim {claim.number} paid" in subjects

        # Not the final claim: the other 3,000 stay reserved for a later claim.
        tab.goto(f"{site}/console/mdf/budgets/{budget.pk}/")
        expect(card_value(tab, "Paid")).to_contain_text("9,000.00")
        expect(card_value(tab, "Reserved")).to_contain_text("3,000.00")
        expect(card_value(tab, "Remaining")).to_contain_text("88,000.00")
        shoot(tab, "budget-paid")
    finally:
        staff.close()

    page.goto(f"{site}/portal/mdf/claims/{claim.number}/")
    expect(page.locator("main")).to_contain_text("Paid")
    shoot(page, "portal-claim-paid")
    page.goto(f"{site}/portal/mdf/{proposal.pk}/")
    expect(page.locator("#claims")).to_contain_text("9,000.00")
    shoot(page, "portal-proposal-paid")
