"""Every page, as every role, in Chromium: a crawler signs in as each demo person, follows every
link the pages show (navigation and content) and checks on each page:

- it answers 200 — a person is never shown a link they may not use;
- axe-core finds no violations at desktop width and at 390 px;
- at 390 px the body never scrolls sideways (tables scroll inside their card);
- the Content-Security-Policy blocked nothing (no inline script, style or handler slipped in).

axe runs once per URL pattern (the first person who reaches it); status, scrolling and CSP are
checked on every page visited.
"""

from __future__ import annotations

from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest
from django.urls import Resolver404, resolve
from playwright.sync_api import Page

from .conftest import BROWSER_MARKS
from .test_browser_accessibility import AXE, sign_in_as

pytestmark = BROWSER_MARKS

WATCH_CSP = (
    "window.__csp = [];"
    "document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
)
PEOPLE = [
    ("admin@acme.example", "/portal/"),
    ("user@acme.example", "/portal/"),
    ("cam@demo.channelops.test", "/console/"),
    ("phd.emea@demo.channelops.test", "/console/"),
    ("legal@demo.channelops.test", "/console/"),
    ("education@demo.channelops.test", "/console/"),
    ("program@demo.channelops.test", "/console/"),
    ("leadership@demo.channelops.test", "/console/"),
    ("admin@demo.channelops.test", "/console/"),
]
# Links the crawler does not follow: downloads, the data console (its own UI kit), signing out,
# the API and public machine-readable documents.
SKIP_PREFIXES = (
    "/console/admin/",
    "/accounts/logout/",
    "/api/",
    "/static/",
    "/licenses/keys",
    "/licenses/revoked",
)
SKIP_PARTS = ("export", ".csv", ".xlsx", ".json", "/file", "/download", ".pdf", ".lic", ".ics")
MAX_PAGES_PER_PERSON = 70


def _follow(href: str) -> str | None:
    path = urldefrag(href)[0]
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    if parts.path.startswith(SKIP_PREFIXES) or any(p in path for p in SKIP_PARTS):
        return None
    return path


def _route(path: str) -> str:
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return path
    return f"{match.route}?{'&'.join(sorted(k.split('=')[0] for k in urlsplit(path).query.split('&') if k))}"


@pytest.fixture
def demo_world(settings, tmp_path):
    from channelops.demo.data import demo_build, demo_people

    settings.LICENSE_KEY_DIR = tmp_path / "license-keys"
    settings.LICENSE_KEY_AUTOGENERATE = True
    settings.BADGE_KEY_DIR = tmp_path / "badge-keys"
    demo_people()
    demo_build(partners=6, contacts_per_partner=2, events_per_partner=5)


def test_every_page_as_every_person_is_allowed_accessible_narrow_and_csp_clean(
    page: Page, live_server, demo_world
):
    from channelops.accounts.models import User

    page.context.add_init_script(WATCH_CSP)
    problems: list[str] = []
    axed: set[str] = set()
    visited_total = 0
    for email, home in PEOPLE:
        page.context.clear_cookies()
        sign_in_as(page, live_server.url, User.objects.get(email=email))
        # the search results page (reached through the top bar's form, not a link) and what it links to
        queue: deque[str] = deque([home, f"{home}search/?q=acme"])
        seen: set[str] = set(queue)
        routes_seen: set[str] = set()
        count = 0
        while queue and count < MAX_PAGES_PER_PERSON:
            path = queue.popleft()
            route = _route(path)
            if route in routes_seen:
                continue  # one page per URL pattern and person
            routes_seen.add(route)
            count += 1
            page.set_viewport_size({"width": 1280, "height": 900})
            response = page.goto(live_server.url + path)
            status = response.status if response else 0
            if status != 200:
                problems.append(f"{email}: {path} answered {status} (linked from a page they were shown)")
                continue
            if route not in axed:
                results = AXE.run(page)
                if results.violations_count:
                    problems.append(f"{email}: {path} (desktop)\n{results.generate_report()}")
            page.set_viewport_size({"width": 390, "height": 844})
            scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if scroll > inner:
                problems.append(f"{email}: {path} scrolls sideways at 390 px ({scroll} > {inner})")
            if route not in axed:
                results = AXE.run(page)
                if results.violations_count:
                    problems.append(f"{email}: {path} (390 px)\n{results.generate_report()}")
                axed.add(route)
            blocked = page.evaluate("window.__csp")
            if blocked:
                problems.append(f"{email}: {path} CSP blocked {blocked}")
            for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
                nxt = _follow(href)
                if nxt and nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
        visited_total += count
        assert count > 3, f"{email}: the crawler found only {count} pages"
    assert visited_total > 60
    assert not problems, f"{len(problems)} problems:\n" + "\n\n".join(problems)
