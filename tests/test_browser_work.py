"""Browser journey (Chromium): a new partner user gets the onboarding journey, ticks a task and
comments in the collaboration space; the CAM sees the progress and answers in the console."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from channelops.partners.services import partner_person_add
from channelops.work.models import WorkItem

from .conftest import BROWSER_MARKS
from .factories import TEST_PASSWORD, TEST_TOTP_SECRET, PartnerFactory, StaffFactory
from .test_browser_journeys import current_totp_code, sign_in

pytestmark = BROWSER_MARKS  # see tests/conftest.py


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_partner_user_ticks_an_onboarding_task_and_the_cam_sees_the_progress(
    page: Page, browser, live_server
):
    site = live_server.url
    cam = StaffFactory(email="cam.work@vendor.test", full_name="Carla Work", roles=["cam"])
    # A British partner: Nora has no language of her own, so her journey is in English.
    partner = PartnerFactory(legal_name="Collab Journey GmbH", cam=cam, country="GB")
    membership = partner_person_add(
        partner=partner,
        email="nora@collab-journey.example",
        full_name="Nora Newman",
        by=None,
        password=TEST_PASSWORD,
        email_verified=True,
        invite=False,
    )
    journey = WorkItem.objects.get(partner=partner, template__slug="partner-onboarding")
    assert journey.dri == cam and journey.shared_with_partner
    first_task = journey.tasks.order_by("position").first()
    assert first_task.assignee == membership.user

    # The partner user finds the journey in the collaboration space and ticks the first task.
    sign_in(page, site, membership.user.email, TEST_PASSWORD)
    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Collaboration").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Collaboration space: Collab Journey GmbH")
    page.get_by_role("link", name=re.compile("Welcome to the partner program")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome to the partner program")
    page.get_by_role("button", name=f"Mark done {first_task.title}").click()
    expect(page.get_by_text(f"Task done: {first_task.title}")).to_be_visible()
    page.get_by_role("textbox", name="Comment").fill("Profile done — when is the first training?")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Profile done — when is the first training?")).to_be_visible()
    first_task.refresh_from_db()
    assert first_task.done_by == membership.user

    # The CAM (password + authenticator code) sees the progress and answers in the console.
    staff_context = browser.new_context()
    try:
        tab = staff_context.new_page()
        sign_in(tab, site, cam.email, TEST_PASSWORD)
        tab.locator("input[name=code]").fill(current_totp_code(TEST_TOTP_SECRET))
        tab.get_by_role("button", name="Sign In").click()
        expect(tab).to_have_url(f"{site}/console/queues/")
        tab.goto(f"{site}/console/work/journeys/")
        expect(tab.get_by_role("heading", level=1)).to_have_text("Journeys in progress")
        expect(tab.get_by_role("row", name=re.compile("Collab Journey GmbH"))).to_contain_text("1 of 3")
        tab.goto(f"{site}/console/work/{journey.pk}/")
        expect(tab.get_by_text("Profile done — when is the first training?")).to_be_visible()
        tab.get_by_role("textbox", name="Comment").fill("Next Tuesday — see you there.")
        tab.get_by_role("button", name="Add the comment").click()
        expect(tab.get_by_text("Next Tuesday — see you there.")).to_be_visible()
    finally:
        staff_context.close()

    # The partner user sees the answer.
    page.reload()
    expect(page.get_by_text("Next Tuesday — see you there.")).to_be_visible()
