"""Browser journey (Chromium): a Select partner's person browses the asset library, filters it,
opens the Select logo, accepts its usage guidelines and downloads it."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from channelops.assets.models import AssetDownload, GuidelineAcceptance
from channelops.partners.models import Tier
from channelops.partners.services import partner_person_add

from .assets_helpers import make_asset, marketing_user, select_logo
from .conftest import BROWSER_MARKS
from .factories import TEST_PASSWORD, PartnerFactory
from .test_browser_journeys import sign_in

pytestmark = BROWSER_MARKS  # see tests/conftest.py


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_a_select_partner_accepts_the_logo_guidelines_and_downloads_it(page: Page, live_server):
    site = live_server.url
    marketing = marketing_user()
    logo = select_logo(marketing)
    make_asset(marketing, "Partner pitch deck", kind="deck", filename="pitch.pdf")
    partner = PartnerFactory(
        legal_name="Asset Journey Ltd", country="GB", tier=Tier.objects.get(slug="select")
    )
    membership = partner_person_add(
        partner=partner,
        email="ada@asset-journey.example",
        full_name="Ada Assets",
        by=None,
        password=TEST_PASSWORD,
        email_verified=True,
        invite=False,
    )

    sign_in(page, site, membership.user.email, TEST_PASSWORD)
    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Asset library").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Asset library")
    expect(page.get_by_role("link", name="Partner pitch deck")).to_be_visible()
    page.get_by_label("Kind").select_option("logo")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("link", name="Partner pitch deck")).to_have_count(0)
    page.get_by_role("link", name="Select partner logo").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Select partner logo")
    expect(page.get_by_text("Never change its colours.")).to_be_visible()
    expect(page.get_by_role("link", name="Download")).to_have_count(0)
    page.get_by_label("I have read the usage guidelines and will follow them.").check()
    page.get_by_role("button", name="Accept the guidelines").click()
    expect(page.get_by_text(re.compile("the usage guidelines are accepted for your company"))).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("link", name="Download").click()
    download = info.value
    assert download.suggested_filename == "select-logo.png"
    with open(download.path(), "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert GuidelineAcceptance.objects.filter(asset=logo, partner=partner).count() == 1
    assert AssetDownload.objects.filter(asset=logo, partner=partner, user=membership.user).count() == 1
