"""German in the browser (issue 14): a partner admin whose profile language is German signs in,
sees the home in German with its attention items, answers an NFR question by amending the seats,
and receives the approval e-mail in German at the SMTP server; axe-core finds no violations on the
portal pages in German."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from channelops.accounts.services import access_request_approve, access_request_create
from channelops.licensing.models import NfrRequest
from channelops.licensing.services import nfr_request_approve, nfr_request_ask, nfr_request_submit
from channelops.partners.models import Region, RegionRouting

from .conftest import BROWSER_MARKS, Mailbox
from .factories import TEST_PASSWORD, MembershipFactory, PartnerFactory, StaffFactory, UserFactory
from .test_browser_accessibility import assert_no_axe_violations, sign_in_as
from .test_browser_journeys import sign_in
from .test_nfr_requests import FORM, accept_all

pytestmark = [*BROWSER_MARKS, pytest.mark.usefixtures("license_key_dir")]  # see tests/conftest.py


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _world():  # type: ignore[no-untyped-def]
    phd = StaffFactory(email="phd.de@vendor.test", full_name="Petra Dienst", roles=["phd_specialist"])
    RegionRouting.objects.filter(region=Region.objects.get(code="EMEA")).update(phd_specialist=phd)
    lead = StaffFactory(email="lead.de@vendor.test", roles=["channel_leadership"])
    grant = access_request_create(
        perm="licensing.issue_license", justification="I send the EMEA NFR licenses.", by=phd
    )
    access_request_approve(request=grant, by=lead)
    cam = StaffFactory(email="cam.de@vendor.test", full_name="Carla Kamm", roles=["cam"])
    partner = PartnerFactory(legal_name="Sprachwerk GmbH", country="DE", cam=cam, phone="")
    admin = MembershipFactory(
        partner=partner,
        role="admin",
        user=UserFactory(email="anna@sprachwerk.example", full_name="Anna Adler", language="de"),
    ).user
    accept_all(partner, admin)
    return phd, partner, admin


def test_a_german_partner_admin_amends_an_nfr_request_and_gets_the_approval_in_german(
    page: Page, live_server, settings, smtp_server, deliver
):
    site = live_server.url
    settings.SITE_URL = site
    phd, partner, admin = _world()
    req = nfr_request_submit(
        partner=partner, by=admin, **{**FORM, "contact_email": "anna@sprachwerk.example", "seats": 500}
    )
    nfr_request_ask(request=req, by=phd, question="500 seats is over your allowance: fewer?")
    deliver()
    subjects = [m["Subject"].strip() for m in smtp_server.box.to("anna@sprachwerk.example")]
    assert f"Weitere Informationen für die NFR-Anfrage {req.reference} benötigt" in subjects, subjects
    smtp_server.box.clear()

    # Signing in (the sign-in page follows the browser: English); the portal follows her profile.
    sign_in(page, site, admin.email, TEST_PASSWORD)
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Willkommen")
    expect(page.get_by_role("heading", name="Benötigt Ihre Aufmerksamkeit")).to_be_visible()
    attention = page.get_by_text(f"{req.reference} braucht Ihre Antwort")  # the attention item
    expect(attention).to_be_visible()
    assert_no_axe_violations(page)

    # The attention item opens the request page: the question, and the answer form that amends
    # the seats.
    attention.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"NFR-Anfrage {req.reference}")
    expect(page.get_by_text("Der Partner-Helpdesk benötigt weitere Informationen")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_label("Ihre Antwort").fill("Fünf Plätze reichen für unser Demolabor.")
    page.get_by_label("Benutzer (Plätze)").fill("5")
    page.get_by_role("button", name="Antwort senden").click()
    expect(
        page.get_by_text("Vielen Dank: Ihre Antwort wurde an den Partner-Helpdesk gesendet.")
    ).to_be_visible()
    expect(page.get_by_text(re.compile("500 → 5"))).to_be_visible()  # the change on the timeline
    req.refresh_from_db()
    assert (req.status, req.seats) == ("submitted", 5)

    # The help desk approves; the approval reaches her in German.
    nfr_request_approve(request=NfrRequest.objects.get(pk=req.pk), by=phd)
    deliver()
    subjects = [m["Subject"].strip() for m in smtp_server.box.to("anna@sprachwerk.example")]
    approved = [s for s in subjects if s.startswith(f"NFR-Anfrage {req.reference} genehmigt")]
    assert approved, subjects
    (mail,) = [
        m
        for m in smtp_server.box.to("anna@sprachwerk.example")
        if m["Subject"].strip().startswith(f"NFR-Anfrage {req.reference} genehmigt")
    ]
    text = Mailbox.text(mail)
    assert f"Ihre NFR-Lizenzanfrage {req.reference} für Sprachwerk GmbH wurde genehmigt." in text
    assert re.search(r"gültig \d{2}\.\d{2}\.\d{4} bis \d{2}\.\d{2}\.\d{4}", text), text  # German dates


PORTAL_PAGES = [
    "/portal/",
    "/portal/nfr/",
    "/portal/nfr/new/",
    "/portal/licenses/",
    "/portal/agreements/",
    "/portal/work/",
    "/portal/company/",
    "/portal/users/",
    "/portal/search/?q=sprach",
    "/accounts/settings/",
    "/accounts/tokens/",
]


def test_portal_pages_in_german_have_no_axe_violations(page: Page, live_server, settings):
    site = live_server.url
    settings.SITE_URL = site
    _phd, _partner, admin = _world()
    sign_in_as(page, site, admin)
    for path in PORTAL_PAGES:
        response = page.goto(f"{site}{path}")
        assert response is not None and response.status == 200, path
        expect(page.locator("html")).to_have_attribute("lang", "de")
        assert_no_axe_violations(page)
    # The switcher back to English (no JavaScript: a form in the person menu) keeps the page.
    page.goto(f"{site}/portal/nfr/")
    page.locator(".user-menu-toggle >> visible=true").first.click()
    page.locator("button[name=language][value=en] >> visible=true").first.click()
    expect(page).to_have_url(f"{site}/portal/nfr/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_contain_text("NFR")


def test_public_pages_in_german_have_no_axe_violations(page: Page, live_server, settings):
    site = live_server.url
    settings.SITE_URL = site
    page.goto(f"{site}/accounts/login/")
    page.get_by_role("button", name="Deutsch").click()  # the visitor's switcher
    for path in ["/", "/accounts/login/", "/register/", "/accounts/password/reset/"]:
        response = page.goto(f"{site}{path}")
        assert response is not None and response.status == 200, path
        expect(page.locator("html")).to_have_attribute("lang", "de")
        assert_no_axe_violations(page)
    page.goto(f"{site}/accounts/login/")
    expect(page.get_by_role("button", name="Anmelden")).to_be_visible()


def test_an_agreement_in_german_translation_and_its_english_text_have_no_axe_violations(
    page: Page, live_server, settings
):
    from channelops.agreements.models import AgreementTemplate, AgreementVersion
    from channelops.agreements.services import version_translation_save

    site = live_server.url
    settings.SITE_URL = site
    _phd, _partner, admin = _world()
    legal = StaffFactory(email="legal.de@vendor.test", roles=["legal"])
    master = AgreementVersion.objects.get(template__slug="master-partner-agreement", number=1)
    version_translation_save(
        version=master,
        language="de",
        body="# Rahmenvertrag für Partner\n\n## 1. Ernennung\nDer Hersteller ernennt den Partner.\n",
        by=legal,
    )
    other = AgreementVersion.objects.filter(
        template__in=AgreementTemplate.objects.exclude(pk=master.template_id)
    )
    untranslated = other.filter(status="published").first()
    sign_in_as(page, site, admin)
    page.goto(f"{site}/portal/agreements/versions/{master.pk}/")
    expect(page.get_by_role("note").first).to_contain_text("Diese Übersetzung dient nur der Verständlichkeit")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Verbindlichen englischen Text lesen").click()
    expect(page.locator("[data-text=binding] [lang=en]")).to_contain_text("The vendor appoints the partner")
    assert_no_axe_violations(page)
    assert untranslated is not None
    page.goto(f"{site}/portal/agreements/versions/{untranslated.pk}/")
    expect(page.get_by_text("Dieser Text ist nur auf Englisch verfügbar.")).to_be_visible()
    assert_no_axe_violations(page)
    # legal's console page with the translation form
    page.context.clear_cookies()
    sign_in_as(page, site, legal)
    page.goto(f"{site}/console/agreements/versions/{master.pk}/")
    expect(page.get_by_role("button", name="Save the translation")).to_be_visible()
    assert_no_axe_violations(page)
