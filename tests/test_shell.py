"""The shell every page shares: navigation of permitted entries only, styled error pages, the
Content-Security-Policy, and templates the policy can serve (no inline script, style or handler)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from channelops.accounts.roles import ROLES

from .factories import MembershipFactory, PartnerFactory, StaffFactory

ROOT = Path(__file__).resolve().parent.parent / "channelops"
NAV_LINK = re.compile(r'<a class="nav-link" href="([^"]+)"')


def _nav_links(body: str) -> list[str]:
    aside = body[body.index("<aside") : body.index("</aside>")]
    return NAV_LINK.findall(aside)


@pytest.mark.parametrize("role", sorted(ROLES))
def test_every_navigation_link_answers_200_for_each_staff_role(db, login, role):
    staff = StaffFactory(roles=[role])
    client = login(staff)
    home = client.get("/console/", follow=True)
    assert home.status_code == 200
    links = _nav_links(home.content.decode())
    assert links, f"{role}: the console shows no navigation"
    broken = [(url, client.get(url).status_code) for url in links]
    broken = [(url, status) for url, status in broken if status != 200]
    assert not broken, f"{role}: navigation links that do not answer 200: {broken}"


@pytest.mark.parametrize("role", ["admin", "user"])
def test_every_navigation_link_answers_200_for_partner_people(db, login, role):
    person = MembershipFactory(partner=PartnerFactory(), role=role).user
    client = login(person)
    home = client.get("/portal/")
    links = _nav_links(home.content.decode())
    assert "/portal/agreements/" in links
    assert not [u for u in links if u.startswith("/console/")]
    for url in links:
        assert client.get(url).status_code == 200, f"partner {role}: {url} does not answer 200"


def test_a_cam_sees_no_badges_or_data_console_link_and_an_administrator_sees_both(db, login):
    cam_links = _nav_links(login(StaffFactory(roles=["cam"])).get("/console/queues/").content.decode())
    assert "/console/badges/" not in cam_links
    assert "/console/admin/" not in cam_links
    admin_links = _nav_links(
        Client().get("/").content.decode()
        and login(StaffFactory(roles=["administrator"])).get("/console/queues/").content.decode()
    )
    assert "/console/badges/" in admin_links
    assert "/console/admin/" in admin_links


def test_the_current_page_is_marked_in_the_navigation(db, login):
    body = login(StaffFactory(roles=["cam"])).get("/console/partners/").content.decode()
    assert re.search(r'href="/console/partners/" aria-current="page"', body)
    assert body.count('aria-current="page"') == 1


def test_the_person_menu_shows_the_name_and_a_sign_out_button(db, login):
    staff = StaffFactory(roles=["cam"], full_name="Carla Cam")
    body = login(staff).get("/console/partners/").content.decode()
    assert "Carla Cam" in body
    assert 'action="/accounts/logout/"' in body


def test_an_unknown_page_gets_the_styled_404_in_the_persons_layout(db, login):
    person = MembershipFactory(partner=PartnerFactory(), role="user").user
    resp = login(person).get("/portal/no-such-page/")
    assert resp.status_code == 404
    body = resp.content.decode()
    assert "Page not found" in body
    assert "<aside" in body  # the portal layout with its navigation
    assert 'href="/portal/"' in body  # where to go next


def test_an_anonymous_404_uses_the_public_layout_with_a_sign_in_link(db, client):
    body = client.get("/no-such-page/").content.decode()
    assert "Page not found" in body
    assert "<aside" not in body
    assert 'href="/accounts/login/"' in body


def test_a_partner_person_in_the_console_gets_the_styled_403(db, login):
    person = MembershipFactory(partner=PartnerFactory(), role="admin").user
    resp = login(person).get("/console/partners/")
    assert resp.status_code == 403
    body = resp.content.decode()
    assert "You may not open this page" in body
    assert "The console is for staff." in body


def test_a_form_sent_without_its_csrf_token_gets_the_styled_page_and_changes_nothing(db):
    from channelops.partners.models import Application

    client = Client(enforce_csrf_checks=True)
    resp = client.post("/register/", {"legal_name": "Forged Ltd"})
    assert resp.status_code == 403
    assert "The form could not be sent" in resp.content.decode()
    assert not Application.objects.exists()


def test_a_server_error_shows_the_styled_500_page_without_details(db, monkeypatch):
    from channelops.core import views

    def broken(request):
        raise RuntimeError("/secret/path/to/keys is broken")

    monkeypatch.setattr(views, "healthz", broken)
    from django.urls import clear_url_caches

    clear_url_caches()
    client = Client(raise_request_exception=False)
    from django.template.loader import render_to_string

    body = render_to_string("500.html")
    assert "Something went wrong on our side" in body
    assert "/secret/path" not in body
    resp = client.get("/no-such-page-either/")
    assert resp.status_code == 404


def test_every_page_sends_a_strict_content_security_policy(db, login):
    client = login(StaffFactory(roles=["cam"]))
    for url in ("/", "/console/partners/", "/accounts/login/", "/no-such-page/"):
        policy = client.get(url)["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
        assert directives["script-src"] == "'self'", url
        assert directives["style-src"] == "'self'", url
        assert directives["frame-ancestors"] == "'none'", url
        assert directives["object-src"] == "'none'", url


def test_only_the_data_console_relaxes_the_policy_for_its_ui_kit(db, login):
    client = login(StaffFactory(roles=["administrator"]))
    policy = client.get("/console/admin/")["Content-Security-Policy"]
    assert "'unsafe-eval'" in policy and "'unsafe-inline'" in policy
    assert "'unsafe-eval'" not in client.get("/console/partners/")["Content-Security-Policy"]


def test_csp_reports_are_accepted_and_bad_ones_refused(db, client, caplog):
    report = (
        '{"csp-report": {"violated-directive": "script-src", "blocked-uri": "inline", "document-uri": "/x"}}'
    )
    assert client.post("/csp-report", report, content_type="application/csp-report").status_code == 204
    assert "CSP violation: script-src blocked inline on /x" in caplog.text
    assert client.post("/csp-report", "not json", content_type="application/csp-report").status_code == 400
    assert client.post("/csp-report", "x" * 20000, content_type="application/csp-report").status_code == 413


INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:json|ld\+json)\")[^>]*>", re.I
)
INLINE_STYLE = re.compile(r"\sstyle=\"", re.I)
HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+=", re.I)


def _page_templates() -> list[Path]:
    return [
        p for p in ROOT.rglob("templates/**/*.html") if "/email/" not in str(p) and "/emails/" not in str(p)
    ]


def test_no_page_template_has_inline_script_style_or_event_handlers():
    offenders = []
    for path in _page_templates():
        text = path.read_text()
        for name, pattern in (
            ("inline <script>", INLINE_SCRIPT),
            ("style attribute", INLINE_STYLE),
            ("on… handler", HANDLER),
        ):
            if pattern.search(text):
                offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert not offenders, "the Content-Security-Policy blocks these:\n" + "\n".join(offenders)


def test_the_template_check_finds_an_inline_script():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/x.js"></script>')
    assert not INLINE_SCRIPT.search('<script type="application/json" id="d">{}</script>')
    assert INLINE_STYLE.search('<p style="color:red">')
    assert HANDLER.search('<button onclick="x()">')
