"""The inbound e-mail console pages in Chromium: axe finds nothing at desktop width and at 390 px,
nothing scrolls sideways (a long raw source wraps inside its box), the CSP blocks nothing, and a
dead letter's Retry button works."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from channelops.inbound.models import InboundMessage, InboundStatus
from channelops.inbound.services import inbound_receive

from .conftest import BROWSER_MARKS
from .inbound_mail import PDF, mail
from .test_browser_accessibility import AXE, sign_in_as
from .test_browser_shell import WATCH_CSP

pytestmark = BROWSER_MARKS


def test_the_inbound_pages_are_accessible_narrow_and_csp_clean(page: Page, live_server, phd_emea):
    dead = inbound_receive(
        raw=mail(
            subject="A very long subject " * 5,
            html="<p>" + "averylongwordwithoutspaces" * 20 + "</p><script>alert(1)</script>",
            attachments=[("spec.pdf", PDF, "application/pdf")],
        ),
        source="imap:INBOX",
    )
    assert dead.status == InboundStatus.DEAD
    page.context.add_init_script(WATCH_CSP)
    sign_in_as(page, live_server.url, phd_emea)
    problems = []
    for path in ("/console/inbound/", "/console/inbound/?status=dead", f"/console/inbound/{dead.pk}/"):
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            response = page.goto(live_server.url + path)
            assert response is not None and response.status == 200, path
            results = AXE.run(page)
            if results.violations_count:
                problems.append(f"{path} ({width} px)\n{results.generate_report()}")
            scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if scroll > inner:
                problems.append(f"{path} scrolls sideways at {width} px ({scroll} > {inner})")
            if page.evaluate("window.__csp"):
                problems.append(f"{path}: CSP blocked {page.evaluate('window.__csp')}")
    assert not problems, "\n".join(problems)
    assert page.get_by_test_id("raw-source").inner_text().startswith("Content-Type") or "Subject:" in (
        page.get_by_test_id("raw-source").inner_text()
    )
    page.get_by_role("button", name="Retry").click()
    page.wait_for_load_state()
    dead.refresh_from_db()
    assert dead.status == InboundStatus.DEAD and dead.attempts == 2  # still no handler: dead again
    assert InboundMessage.objects.count() == 1


@pytest.fixture
def phd_emea(db):
    from .factories import StaffFactory

    return StaffFactory(email="phd.browser@vendor.test", roles=["phd_specialist"])
