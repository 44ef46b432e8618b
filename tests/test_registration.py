"""Partner registration (S3): the public form, the e-mailed verification link, the status page,
and the console's application list with approve and reject — tested through pages and e-mails."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from channelops.accounts.models import Invitation, User
from channelops.core.models import OutboxMessage
from channelops.partners.models import (
    Application,
    ApplicationStatus,
    MembershipRole,
    Partner,
    PartnerStatus,
    Region,
    RegionRouting,
    Tier,
)
from channelops.partners.registration import application_submit

from .factories import PartnerFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^\s<>\"]+")

FORM = {
    "company_name": "Nordwind Systems GmbH",
    "website": "https://www.nordwind.example",
    "country": "DE",  # the chooser posts the ISO code of the country picked by name
    "region": "EMEA",
    "programs": ["reseller", "msp"],
    "first_name": "Nora",
    "last_name": "Wind",
    "email": "nora@nordwind.example",
    "phone": "+49 30 1234567",
    "title": "Managing director",
    "message": "We sell and run monitoring for 40 mid-sized customers.",
    "agree": "on",
}


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    """The registration rate limit counts per address in the cache: every test starts at zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def emea_routed_to(phd_emea):
    RegionRouting.objects.filter(region__code="EMEA").update(phd_specialist=phd_emea)
    return phd_emea


def register(client, **changes):
    return client.post("/register/", {**FORM, **changes})


def links_in(text: str, path_prefix: str) -> list[str]:
    """The paths of the links in an e-mail's text that start with ``path_prefix``."""
    return [urlsplit(u).path for u in LINK.findall(text) if urlsplit(u).path.startswith(path_prefix)]


def only_mail_to(smtp_server, address: str):
    received = smtp_server.box.to(address)
    assert len(received) == 1, [m["Subject"] for m in received]
    return received[0]


def submitted_application(n: int = 0, **changes) -> Application:
    """An application whose e-mail address is confirmed (in the staff queue)."""
    data = {
        "company_name": f"Applicant {n} Ltd",
        "website": f"https://applicant{n}.example",
        "country": "FR",
        "region": "EMEA",
        "first_name": "App",
        "last_name": f"Licant{n}",
        "email": f"contact@applicant{n}.example",
        "programs": ["reseller"],
        **changes,
    }
    app, _token = application_submit(**data)
    Application.objects.filter(pk=app.pk).update(
        status=ApplicationStatus.SUBMITTED, verified_at=timezone.now()
    )
    app.refresh_from_db()
    return app


def world_counts() -> dict[str, int]:
    return {
        "applications": Application.objects.count(),
        "partners": Partner.objects.count(),
        "users": User.objects.count(),
        "outbox": OutboxMessage.objects.count(),
    }


# --- the whole journey ---------------------------------------------------------------------------


def test_company_registers_confirms_its_email_is_approved_and_its_admin_accepts_the_invitation(
    client, login, smtp_server, deliver, emea_routed_to, cam
):
    # The home page leads to the form, which offers the active regions and the partner types.
    assert 'href="/register/"' in client.get("/").content.decode()
    page = client.get("/register/")
    assert page.status_code == 200
    body = page.content.decode()
    assert '<option value="EMEA">' in body and 'value="msp"' in body
    assert 'for="id_agree"' in body

    resp = register(client)
    assert resp.status_code == 302 and resp["Location"] == "/register/sent/"
    assert "check your e-mail" in client.get("/register/sent/").content.decode().lower()
    app = Application.objects.get()
    assert app.status == ApplicationStatus.UNVERIFIED
    assert app.company_domain == "nordwind.example"
    assert app.country == "DE"
    assert sorted(app.programs.values_list("slug", flat=True)) == ["msp", "reseller"]
    assert app.submitted_ip == "127.0.0.1"

    # The verification e-mail arrives; nobody at the vendor hears of the application yet.
    deliver()
    mail = only_mail_to(smtp_server, FORM["email"])
    assert "Nordwind Systems GmbH" in mail["Subject"]
    (verify,) = links_in(smtp_server.box.text(mail), "/register/verify/")
    assert smtp_server.box.to(emea_routed_to.email) == []

    # Opening the link (as a mail scanner would) only shows a button; pressing it confirms.
    page = client.get(verify)
    assert page.status_code == 200
    assert "Confirm my e-mail address" in page.content.decode()
    app.refresh_from_db()
    assert app.status == ApplicationStatus.UNVERIFIED
    resp = client.post(verify)
    assert resp.status_code == 302 and resp["Location"].startswith("/register/status/")
    status_page = client.get(resp["Location"]).content.decode()
    assert "Submitted, under review" in status_page
    assert "Nordwind Systems GmbH" in status_page
    app.refresh_from_db()
    assert app.status == ApplicationStatus.SUBMITTED and app.verified_at is not None

    # The region's PHD specialist is e-mailed a link to the application in the console.
    deliver()
    staff_mail = only_mail_to(smtp_server, emea_routed_to.email)
    (detail,) = links_in(smtp_server.box.text(staff_mail), "/console/applications/")
    assert detail == f"/console/applications/{app.pk}/"

    # It waits in the console's list; its page shows every field and the decision forms.
    staff = login(emea_routed_to)
    listing = staff.get("/console/applications/").content.decode()
    assert "Nordwind Systems GmbH" in listing and "nora@nordwind.example" in listing
    page = staff.get(detail).content.decode()
    for value in (
        "nordwind.example",
        "Managing director",
        "+49 30 1234567",
        "Managed service provider",
        "40 mid",
    ):
        assert value in page
    assert "Approve and invite" in page and "Reject and e-mail the reason" in page
    assert "Application received" in page  # the record's history

    # Approve with the lowest tier (preselected) and a CAM.
    open_tier = Tier.objects.order_by("rank").first()
    assert f'<option value="{open_tier.pk}" selected>' in page
    resp = staff.post(f"{detail}approve/", {"tier": open_tier.pk, "cam": cam.pk}, follow=True)
    partner = Partner.objects.get(legal_name="Nordwind Systems GmbH")
    body = resp.content.decode()
    assert resp.redirect_chain[-1][0] == detail
    assert "nora@nordwind.example is invited as its partner admin" in body
    assert f'href="/console/partners/{partner.pk}/"' in body
    assert partner.status == PartnerStatus.ACTIVE
    assert partner.cam == cam and partner.tier == open_tier
    assert partner.region.code == "EMEA" and partner.country == "DE"
    assert sorted(partner.programs.values_list("slug", flat=True)) == ["msp", "reseller"]
    # The agreements the partner must accept include its programs' own from the start.
    from channelops.agreements.models import AgreementCompliance
    from channelops.agreements.querysets import partner_agreement_rows

    maintained = set(
        AgreementCompliance.objects.filter(partner=partner).values_list("template_id", flat=True)
    )
    assert maintained == {row.template.pk for row in partner_agreement_rows(partner)} and len(maintained) >= 2
    admin = User.objects.get(email="nora@nordwind.example")
    assert admin.membership.partner == partner and admin.membership.role == MembershipRole.ADMIN
    app.refresh_from_db()
    assert app.status == ApplicationStatus.APPROVED and app.partner == partner
    assert app.decided_by == emea_routed_to
    page = staff.get(detail).content.decode()
    assert "Approve and invite" not in page  # decided: no more forms
    assert "Status: Submitted, under review → Approved" in page  # the history names the decision
    assert f"— {emea_routed_to.email}</li>" in page

    # The invitation arrives, and its link lets the new partner admin choose a password.
    deliver()
    invitation = [m for m in smtp_server.box.to(FORM["email"]) if m is not mail]
    assert len(invitation) == 1
    text = smtp_server.box.text(invitation[0])
    # In German: the new admin has chosen no language yet and the partner is in Germany (docs/i18n.md).
    assert "Die Bewerbung von Nordwind Systems GmbH ist genehmigt" in text
    (accept,) = links_in(text, "/accounts/invitation/")
    applicant = client.__class__()
    assert "Accept your invitation" in applicant.get(accept).content.decode()
    password = "Nordwind-Admin-Password-42"
    resp = applicant.post(accept, {"full_name": "Nora Wind", "password1": password, "password2": password})
    assert resp.status_code == 302 and resp["Location"] == "/accounts/login/"
    assert Invitation.objects.get(user=admin).accepted_at is not None

    # The applicant's status page now says so, with a sign-in link.
    status_page = applicant.get(links_in(smtp_server.box.text(mail), "/register/verify/")[0]).url
    page = applicant.get(status_page).content.decode()
    assert "Approved" in page and "Check your e-mail for your invitation" in page
    assert 'href="/accounts/login/"' in page


def test_rejected_application_emails_the_reason_which_the_status_page_shows_too(
    client, login, smtp_server, deliver, leadership
):
    register(client)
    deliver()
    (verify,) = links_in(smtp_server.box.text(only_mail_to(smtp_server, FORM["email"])), "/register/verify/")
    status_url = client.post(verify)["Location"]
    app = Application.objects.get()
    smtp_server.box.clear()

    staff = login(leadership)
    resp = staff.post(f"/console/applications/{app.pk}/reject/", {"reason": ""}, follow=True)
    assert "Give the reason for the rejection" in resp.content.decode()
    assert Application.objects.get().status == ApplicationStatus.SUBMITTED

    reason = "We already have three resellers in your city.\nTry again next year."
    resp = staff.post(f"/console/applications/{app.pk}/reject/", {"reason": reason}, follow=True)
    assert "the reason is e-mailed to nora@nordwind.example" in resp.content.decode()
    app.refresh_from_db()
    assert app.status == ApplicationStatus.REJECTED and app.rejection_reason == reason
    assert Partner.objects.count() == 0

    deliver()
    text = smtp_server.box.text(only_mail_to(smtp_server, FORM["email"]))
    assert "We already have three resellers in your city." in text
    page = client.get(status_url).content.decode()
    assert (
        "Rejected" in page and "We already have three resellers in your city.<br>Try again next year." in page
    )


# --- the form refuses second applications and bad input ---------------------------------------------


def test_a_second_application_from_the_same_email_is_refused_and_creates_nothing(client):
    register(client)
    before = world_counts()
    resp = register(client, company_name="Other Co", website="https://other.example")
    assert resp.status_code == 400
    assert "An application from this e-mail address was already received" in resp.content.decode()
    assert world_counts() == before


def test_a_second_application_for_the_same_company_domain_with_www_is_refused(client):
    register(client, website="https://nordwind.example")
    before = world_counts()
    resp = register(client, website="https://www.nordwind.example/about", email="colleague@nordwind.example")
    body = resp.content.decode()
    assert resp.status_code == 400
    assert "An application for nordwind.example was already received" in body
    assert "ask your colleague who applied" in body
    assert world_counts() == before


def test_an_application_for_an_existing_partners_website_domain_is_refused(client):
    PartnerFactory(legal_name="Nordwind Existing", website="https://www.nordwind.example/")
    before = world_counts()
    resp = register(client)
    assert resp.status_code == 400
    assert "nordwind.example is already a partner" in resp.content.decode()
    assert world_counts() == before


def test_an_application_with_an_existing_portal_users_email_is_refused(client, admin_a):
    before = world_counts()
    resp = register(client, email=admin_a.email)
    assert resp.status_code == 400
    assert "This e-mail address already has a portal account" in resp.content.decode()
    assert world_counts() == before


def test_an_unknown_region_shows_a_field_error_and_creates_nothing(client):
    Region.objects.filter(code="APAC").update(active=False)
    before = world_counts()
    for region in ("MARS", "APAC"):  # unknown, and known but not accepting partners
        resp = register(client, region=region)
        assert resp.status_code == 400
        assert "Choose one of the regions offered." in resp.content.decode()
    assert '<option value="APAC"' not in client.get("/register/").content.decode()
    assert world_counts() == before


def _country_options(html: str) -> dict[str, str]:
    """The country chooser's options as a browser shows them: label → value posted."""
    select = re.search(r'<select name="country"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None, "the form has no country chooser"
    return {
        label.strip(): value
        for value, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1))
    }


def test_germany_chosen_in_the_country_chooser_is_stored_as_de_not_georgia(client):
    # Regression: the old two-letter text box (maxlength 2) kept "Ge" of "Germany" and stored GE,
    # Georgia. The chooser lists countries by name and posts the ISO code of the one picked.
    options = _country_options(client.get("/register/").content.decode())
    assert options["Germany"] == "DE" and options["Georgia"] == "GE"
    assert len(options) == 250  # a prompt and the 249 countries of ISO 3166-1
    assert register(client, country=options["Germany"]).status_code == 302
    assert Application.objects.get().country == "DE"
    assert Application.objects.get().country.name == "Germany"


def test_the_country_chooser_names_countries_in_the_readers_language():
    from django.utils import translation

    from channelops.partners.forms import RegistrationForm

    with translation.override("de"):
        options = _country_options(str(RegistrationForm()["country"]))
    assert options["Deutschland"] == "DE"
    labels = list(options)[1:]
    assert labels.index("Deutschland") < labels.index("Frankreich") < labels.index("Österreich")


@pytest.mark.parametrize("country", ["Germany", "Ge ", "XX", "de"])
def test_a_country_that_is_not_one_of_the_choices_shows_a_field_error_and_creates_nothing(client, country):
    before = world_counts()
    resp = register(client, country=country)
    assert resp.status_code == 400
    assert "Choose your country from the list." in resp.content.decode()
    assert world_counts() == before


def test_the_phone_number_is_stored_as_an_international_number_in_e164(client):
    assert register(client, phone="+49 (30) 123 4567").status_code == 302
    assert Application.objects.values_list("phone", flat=True).get() == "+49301234567"
    assert Application.objects.get().phone.as_international == "+49 30 1234567"


@pytest.mark.parametrize("phone", ["030 1234567", "+49 1", "12345", "my mobile"])
def test_a_phone_that_is_not_an_international_number_shows_a_clear_error_and_creates_nothing(client, phone):
    before = world_counts()
    resp = register(client, phone=phone)
    assert resp.status_code == 400
    body = resp.content.decode()
    assert "Enter a valid phone number, e.g. +49 30 123456." in body
    assert 'value="Nordwind Systems GmbH"' in body  # what was typed is kept
    assert world_counts() == before


def test_the_form_requires_the_consent_to_be_contacted_and_keeps_what_was_typed(client):
    resp = client.post("/register/", {**FORM, "agree": ""})
    body = resp.content.decode()
    assert resp.status_code == 400
    assert "we need to contact you about your application" in body
    assert 'value="Nordwind Systems GmbH"' in body
    assert Application.objects.count() == 0


def test_registration_is_rate_limited_per_client_address(client, settings):
    settings.REGISTRATION_RATE_LIMIT = 3
    for n in range(3):
        resp = register(client, website=f"https://company{n}.example", email=f"me@company{n}.example")
        assert resp.status_code == 302
    resp = register(client, website="https://company9.example", email="me@company9.example")
    assert resp.status_code == 429
    assert "Too many applications were sent from your network" in resp.content.decode()
    assert Application.objects.count() == 3
    # Another address is not affected.
    other = client.post("/register/", {**FORM}, REMOTE_ADDR="10.9.8.7")
    assert other.status_code == 302


def test_the_default_rate_limit_allows_ten_applications_per_hour(client):
    for n in range(10):
        resp = register(client, website=f"https://company{n}.example", email=f"me@company{n}.example")
        assert resp.status_code == 302, resp.content.decode()[:500]
    assert register(client).status_code == 429
    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1)):
        assert register(client).status_code == 302


# --- the e-mailed link ----------------------------------------------------------------------------------


def test_clicking_the_verification_link_twice_is_harmless(client, smtp_server, deliver, emea_routed_to):
    register(client)
    deliver()
    (verify,) = links_in(smtp_server.box.text(only_mail_to(smtp_server, FORM["email"])), "/register/verify/")
    first = client.post(verify)
    second = client.post(verify)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    again = client.get(verify)  # the same link shows the status later
    assert again.status_code == 302 and again["Location"] == first["Location"]
    deliver()
    assert len(smtp_server.box.to(emea_routed_to.email)) == 1  # the specialist hears of it once
    assert Application.objects.get().status == ApplicationStatus.SUBMITTED


def test_an_expired_verification_link_shows_a_clear_page_and_lets_the_company_apply_again(
    client, smtp_server, deliver, emea_routed_to
):
    register(client)
    deliver()
    (verify,) = links_in(smtp_server.box.text(only_mail_to(smtp_server, FORM["email"])), "/register/verify/")
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        page = client.get(verify)
        assert page.status_code == 400
        assert "This link has expired" in page.content.decode()
        resp = client.post(verify)
        assert resp.status_code == 400
        assert Application.objects.get().status == ApplicationStatus.UNVERIFIED
        deliver()
        assert smtp_server.box.to(emea_routed_to.email) == []
        status = client.get(verify.replace("/verify/", "/status/"))
        assert "Expired" in status.content.decode()
        # The expired application no longer blocks a new one.
        assert register(client).status_code == 302
    assert Application.objects.count() == 2


def test_unknown_tokens_answer_not_found(client):
    for url in ("/register/verify/not-a-real-token/", "/register/status/not-a-real-token/"):
        resp = client.get(url)
        assert resp.status_code == 404
        assert "This link is not valid" in resp.content.decode()
    assert client.post("/register/verify/not-a-real-token/").status_code == 404
    assert client.get(f"/register/status/{'x' * 300}/").status_code == 404


# --- the console -------------------------------------------------------------------------------------------


def test_approving_an_already_rejected_application_shows_a_clear_error_and_changes_nothing(
    login, leadership, cam
):
    app = submitted_application()
    staff = login(leadership)
    staff.post(f"/console/applications/{app.pk}/reject/", {"reason": "Not a fit."})
    app.refresh_from_db()
    row_before = Application.objects.filter(pk=app.pk).values().get()
    before = world_counts()
    tier = Tier.objects.order_by("rank").first()
    resp = staff.post(
        f"/console/applications/{app.pk}/approve/", {"tier": tier.pk, "cam": cam.pk}, follow=True
    )
    body = resp.content.decode()
    assert resp.status_code == 200
    assert "This application is rejected and cannot be approved." in body
    assert world_counts() == before
    assert Application.objects.filter(pk=app.pk).values().get() == row_before
    assert not Partner.objects.filter(legal_name=app.company_name).exists()


def test_approving_an_application_whose_email_became_a_portal_user_shows_the_reason(login, leadership):
    app = submitted_application()
    UserFactory(email=app.email)
    before = world_counts()
    tier = Tier.objects.order_by("rank").first()
    resp = login(leadership).post(f"/console/applications/{app.pk}/approve/", {"tier": tier.pk}, follow=True)
    assert f"{app.email} already has a portal account" in resp.content.decode()
    assert world_counts() == before
    assert Application.objects.get(pk=app.pk).status == ApplicationStatus.SUBMITTED


def test_partner_people_and_anonymous_visitors_cannot_reach_console_application_pages(
    client, login, admin_a, user_b
):
    app = submitted_application()
    tier = Tier.objects.order_by("rank").first()
    urls = [
        "/console/applications/",
        f"/console/applications/{app.pk}/",
        f"/console/applications/{app.pk}/approve/",
        f"/console/applications/{app.pk}/reject/",
    ]
    for url in urls:
        resp = client.get(url)
        assert resp.status_code == 302 and resp["Location"].startswith("/accounts/login/")
        resp = client.post(url, {"tier": tier.pk, "reason": "no"})
        assert resp.status_code == 302 and resp["Location"].startswith("/accounts/login/")
    for person in (admin_a, user_b):
        c = login(person)
        for url in urls:
            assert c.get(url).status_code == 403
            assert c.post(url, {"tier": tier.pk, "reason": "no"}).status_code == 403
    assert Application.objects.get(pk=app.pk).status == ApplicationStatus.SUBMITTED
    assert Partner.objects.filter(legal_name=app.company_name).count() == 0


def test_a_staff_role_without_the_permission_sees_the_application_but_cannot_decide(login):
    manager = StaffFactory(email="pm@vendor.test", roles=["channel_program_manager"])
    assert not manager.has_perm("partners.change_application")
    app = submitted_application()
    staff = login(manager)
    page = staff.get(f"/console/applications/{app.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert app.company_name in body
    assert "Approve and invite" not in body and "Reject and e-mail the reason" not in body
    assert "Your role does not allow deciding on applications." in body
    before = world_counts()
    tier = Tier.objects.order_by("rank").first()
    assert staff.post(f"/console/applications/{app.pk}/approve/", {"tier": tier.pk}).status_code == 403
    assert staff.post(f"/console/applications/{app.pk}/reject/", {"reason": "no"}).status_code == 403
    assert world_counts() == before
    assert Application.objects.get(pk=app.pk).status == ApplicationStatus.SUBMITTED


def test_decision_pages_answer_only_to_post(login, leadership):
    app = submitted_application()
    staff = login(leadership)
    assert staff.get(f"/console/applications/{app.pk}/approve/").status_code == 405
    assert staff.get(f"/console/applications/{app.pk}/reject/").status_code == 405
    assert staff.get("/console/applications/999999/").status_code == 404


def test_console_list_shows_submitted_applications_by_default_and_filters_and_searches(login, cam):
    submitted_application(1, company_name="Alpha Waiting")
    rejected = submitted_application(2, company_name="Bravo Rejected")
    Application.objects.filter(pk=rejected.pk).update(status=ApplicationStatus.REJECTED)
    application_submit(
        company_name="Charlie Unverified",
        website="https://charlie.example",
        country="US",
        region="AMER",
        first_name="C",
        last_name="U",
        email="c@charlie.example",
    )
    staff = login(cam)
    body = staff.get("/console/applications/").content.decode()
    assert "Alpha Waiting" in body and "Bravo Rejected" not in body and "Charlie Unverified" not in body
    body = staff.get("/console/applications/", {"status": "rejected"}).content.decode()
    assert "Bravo Rejected" in body and "Alpha Waiting" not in body
    body = staff.get("/console/applications/", {"status": "all", "q": "charlie.EXAMPLE"}).content.decode()
    assert "Charlie Unverified" in body and "Alpha Waiting" not in body
    body = staff.get("/console/applications/", {"status": "all", "q": "contact@applicant2"}).content.decode()
    assert "Bravo Rejected" in body and "Alpha Waiting" not in body
    body = staff.get("/console/applications/", {"status": "all", "q": "bravo"}).content.decode()
    assert "Bravo Rejected" in body
    # An unknown status falls back to the default list instead of failing.
    assert staff.get("/console/applications/", {"status": "bogus"}).status_code == 200


def test_console_application_list_query_count_is_constant(login, cam, django_assert_num_queries):
    staff = login(cam)
    for n in range(3):
        submitted_application(n)
    staff.get("/console/applications/")  # warm-up
    # session, user, MFA check, page count, page rows (with the region joined), unread notifications
    with django_assert_num_queries(6) as ctx:
        resp = staff.get("/console/applications/")
    assert resp.content.decode().count("/console/applications/") >= 3
    small = len(ctx.captured_queries)
    for n in range(3, 30):
        submitted_application(n)
    with django_assert_num_queries(small):
        resp = staff.get("/console/applications/")
    assert "Applicant 29 Ltd" in resp.content.decode()


def test_console_list_paginates_by_fifty(login, cam):
    for n in range(51):
        submitted_application(n)
    staff = login(cam)
    body = staff.get("/console/applications/").content.decode()
    assert "51 results" in body and "Page 1 of 2" in body
    body = staff.get("/console/applications/", {"page": 2}).content.decode()
    assert "Page 2 of 2" in body and "Applicant 0 Ltd" in body


def test_a_signed_in_staff_member_can_use_the_public_form_too(login, leadership):
    resp = register(login(leadership))
    assert resp.status_code == 302
    app = Application.objects.get()
    assert app.status == ApplicationStatus.UNVERIFIED  # the public path: the applicant verifies
