"""Helpers that several apps share and that have one home: the partner admins' addresses
(``PartnerMembership.objects.admin_emails``), absolute links (``core.links.absolute_url``) and
the partner e-mail (``core.outbox.email_partner_people``)."""

from __future__ import annotations

import pytest

from channelops.core.links import absolute_url
from channelops.core.models import OutboxMessage
from channelops.core.outbox import email_partner_people
from channelops.partners.models import PartnerMembership

from .factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_admin_emails_are_the_partners_active_admins_sorted(partner_a, partner_b, admin_a, user_a):
    second = MembershipFactory(partner=partner_a, role="admin", user=UserFactory(email="aaron@acme.example"))
    MembershipFactory(
        partner=partner_a, role="admin", user=UserFactory(email="gone@acme.example", is_active=False)
    )
    MembershipFactory(partner=partner_b, role="admin", user=UserFactory(email="zed@globex.example"))
    expected = sorted([admin_a.email, second.user.email])
    assert PartnerMembership.objects.admin_emails(partner_a) == expected
    assert PartnerMembership.objects.admin_emails(partner_a.pk) == expected  # a partner or its id
    assert user_a.email not in expected


def test_absolute_url_builds_on_site_url_from_a_name_a_path_or_keeps_a_full_url(settings):
    settings.SITE_URL = "https://partners.example.com"
    assert (
        absolute_url("console:application_detail", 42)
        == "https://partners.example.com/console/applications/42/"
    )
    assert absolute_url("/licenses/keys.json") == "https://partners.example.com/licenses/keys.json"
    assert absolute_url("https://elsewhere.example/x") == "https://elsewhere.example/x"


def test_email_partner_people_drops_blanks_and_repeats_and_queues_nothing_for_nobody(partner_a):
    assert (
        email_partner_people(["", ""], "partners/email/application_verify", {}, key="k0", partner_id=1)
        is None
    )
    msg = email_partner_people(
        ["b@x.example", "", "a@x.example", "b@x.example"],
        "partners/email/application_verify",
        {"application": None, "link": "https://x"},
        key="k1",
        partner_id=partner_a.pk,
    )
    assert msg is not None and msg.payload["to"] == ["a@x.example", "b@x.example"]
    assert msg.topic == f"partner:{partner_a.pk}"
    assert OutboxMessage.objects.count() == 1


def test_the_company_page_shows_the_country_name_and_the_phone_number_for_people(login, user_a, partner_a):
    from channelops.partners.models import Partner

    Partner.objects.filter(pk=partner_a.pk).update(country="DE", phone="+4930123456")
    body = login(user_a).get("/portal/company/").content.decode()  # admins see the edit form
    assert "<dd>Germany</dd>" in body
    assert "<dd>+49 30 123456</dd>" in body and "+4930123456" not in body
