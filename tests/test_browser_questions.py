"""The question form in Chromium (issue 16): a partner types a question, the help desk's FAQ
suggests an article while the subject is typed (htmx), the partner sends the question and finds it
in My questions; axe finds no violations on the form, the list and the thread. Screenshots of the
portal and console pages at desktop and phone width go to $SHOT_DIR (default /tmp/shots)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client
from playwright.sync_api import Page, expect

from channelops.helpdesk.faq_services import faq_article_create, faq_article_publish
from channelops.helpdesk.models import Question
from channelops.helpdesk.question_services import question_reply
from channelops.partners.models import RegionRouting

from .conftest import BROWSER_MARKS
from .factories import MembershipFactory, PartnerFactory, StaffFactory, UserFactory
from .test_browser_accessibility import assert_no_axe_violations

pytestmark = BROWSER_MARKS  # see tests/conftest.py

SHOTS = Path(os.environ.get("SHOT_DIR", "/tmp/shots"))  # noqa: S108 - a developer's scratch folder


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def sign_in_as(page: Page, site: str, user) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    name = django_settings.SESSION_COOKIE_NAME
    page.context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": site}])


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, label in ((1280, "desk"), (390, "phone")):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"questions-{name}-{label}.png"), full_page=True)
        if width == 390:
            overflow = page.evaluate(
                "document.documentElement.scrollWidth > document.documentElement.clientWidth"
            )
            assert not overflow, f"{name}: the page scrolls sideways at 390 px"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_partner_asks_a_question_with_suggestions_and_finds_it_in_my_questions(page: Page, live_server):
    site = live_server.url
    phd = StaffFactory(email="phd.browser@vendor.test", full_name="Petra Desk", roles=["phd_specialist"])
    partner = PartnerFactory(country="GB", legal_name="Gamma Browser Ltd")
    RegionRouting.objects.filter(region_id=partner.region_id).update(phd_specialist=phd)
    person = MembershipFactory(
        partner=partner, role="user", user=UserFactory(email="pia@gamma.test", full_name="Pia Gamma")
    ).user
    article = faq_article_publish(
        article=faq_article_create(
            title="How do I reset my password?",
            body="Use the link on the sign-in page.",
            category="portal",
            by=phd,
        ),
        by=phd,
    )
    sign_in_as(page, site, person)

    page.goto(f"{site}/portal/help/")
    page.get_by_role("link", name="Ask a question").first.click()
    expect(page.get_by_role("heading", name="Ask a question")).to_be_visible()
    page.get_by_label("Category").select_option("portal")
    page.get_by_label("Subject").press_sequentially("reset password", delay=20)
    suggestion = page.locator("#question-suggestions a", has_text=article.title)
    expect(suggestion).to_be_visible()
    assert suggestion.get_attribute("target") == "_blank"
    assert_no_axe_violations(page)
    shoot(page, "ask")
    page.get_by_label("Subject").fill("Password reset link expired")
    page.get_by_role("textbox", name="Your question").fill(
        "The link in the e-mail says it expired. What now?"
    )
    page.get_by_role("button", name="Send the question").click()
    q = Question.objects.get()
    expect(page.get_by_text(f"Question {q.number} is sent")).to_be_visible()
    expect(page.get_by_text("The link in the e-mail says it expired.")).to_be_visible()

    question_reply(question=q, by=phd, body="I sent you a new link.")
    question_reply(question=q, by=phd, body="Internal: check the mail logs", internal=True)
    page.reload()
    expect(page.get_by_text("I sent you a new link.")).to_be_visible()
    expect(page.get_by_text("Internal: check the mail logs")).to_have_count(0)
    assert_no_axe_violations(page)
    shoot(page, "thread")

    page.get_by_role("link", name="My questions").first.click()
    row = page.locator("tbody tr", has_text=q.number)
    expect(row).to_contain_text("Password reset link expired")
    expect(row).to_contain_text("Waiting for your reply")
    assert_no_axe_violations(page)
    shoot(page, "my-questions")

    page.context.clear_cookies()
    sign_in_as(page, site, phd)
    page.goto(f"{site}/console/questions/")
    expect(page.locator("tbody tr", has_text=q.number)).to_be_visible()
    shoot(page, "queue")
    page.goto(f"{site}/console/questions/{q.pk}/")
    expect(page.get_by_text("Internal note — partners never see it")).to_be_visible()
    assert_no_axe_violations(page)
    shoot(page, "console-question")
