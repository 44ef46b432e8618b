"""E-mails in the recipient's language, not the sender's (issue 14, docs/i18n.md), read from the
real SMTP server; data content (the encouragement e-mail) with a German version and the English
fallback marked as such."""

from __future__ import annotations

import pytest
from django.utils import translation

from channelops.licensing.models import MessageTemplate
from channelops.licensing.services import nfr_request_approve, nfr_request_ask, nfr_request_submit
from channelops.partners.models import Region, RegionRouting

from .conftest import Mailbox
from .factories import MembershipFactory, PartnerFactory, UserFactory
from .test_nfr_approval import grant_issuing
from .test_nfr_requests import FORM, accept_all

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


@pytest.fixture
def two_admins(partner_a):  # type: ignore[no-untyped-def]
    de = MembershipFactory(
        partner=partner_a, role="admin", user=UserFactory(email="de@a.test", language="de")
    ).user
    en = MembershipFactory(
        partner=partner_a, role="admin", user=UserFactory(email="en@a.test", language="en")
    ).user
    return de, en


def test_one_event_reaches_each_recipient_in_their_own_language(
    partner_a, two_admins, cam, phd_emea, smtp_server, deliver
):
    """A CAM's request for partner A: the question goes to every partner admin, each in their language,
    whatever language the staff member who asked uses."""
    de, en = two_admins
    req = nfr_request_submit(partner=partner_a, by=cam, **{**FORM, "seats": 5, "term_months": 12})
    deliver()
    smtp_server.box.clear()
    with translation.override("en"):  # the sender's language plays no part
        nfr_request_ask(request=req, by=phd_emea, question="Which customer is the demo for?")
    deliver()
    (german,) = smtp_server.box.to("de@a.test")
    (english,) = smtp_server.box.to("en@a.test")
    assert german["Subject"].strip() == f"Weitere Informationen für die NFR-Anfrage {req.reference} benötigt"
    assert english["Subject"] == f"More information needed for NFR request {req.reference}"
    assert "und benötigen weitere Informationen" in Mailbox.text(german)
    assert "Which customer is the demo for?" in Mailbox.text(german)
    assert "need more information" in Mailbox.text(english)
    assert "en@a.test" not in german["To"] and "de@a.test" not in english["To"]
    assert 'lang="de"' in Mailbox.html(german)


def test_the_partner_country_chooses_when_the_person_left_it_automatic(smtp_server, deliver, cam, phd_emea):
    austria = PartnerFactory(country="AT")
    person = MembershipFactory(
        partner=austria, role="admin", user=UserFactory(email="at@a.test", language="")
    ).user
    req = nfr_request_submit(partner=austria, by=person, **{**FORM, "seats": 5, "term_months": 12})
    nfr_request_ask(request=req, by=phd_emea, question="?")
    smtp_server.box.clear()
    deliver()
    (mail,) = smtp_server.box.to("at@a.test")
    assert mail["Subject"].strip().startswith("Weitere Informationen")


@pytest.fixture
def approved_for_german_contact(partner_a, phd_emea, leadership, cam, license_key_dir):  # type: ignore[no-untyped-def]
    """Partner A's German-speaking admin requests licenses for themself; approved without a
    certified employee, so the encouragement goes out too."""
    admin = MembershipFactory(
        partner=partner_a, role="admin", user=UserFactory(email="de@a.test", language="de")
    ).user
    partner_a.cam = cam
    partner_a.save(update_fields=["cam"])
    accept_all(partner_a, admin)
    RegionRouting.objects.filter(region=Region.objects.get(code="EMEA")).update(phd_specialist=phd_emea)
    grant_issuing(phd_emea, leadership)
    cam.language = "de"
    cam.save(update_fields=["language"])

    def approve():  # type: ignore[no-untyped-def]
        req = nfr_request_submit(
            partner=partner_a,
            by=admin,
            **{**FORM, "contact_email": "de@a.test", "seats": 5, "term_months": 12},
        )
        return nfr_request_approve(request=req, by=phd_emea)

    return approve


def test_the_approval_and_the_encouragement_arrive_in_german(
    approved_for_german_contact, smtp_server, deliver
):
    approved_for_german_contact()
    smtp_server.box.clear()
    deliver()
    subjects = sorted(m["Subject"].strip() for m in smtp_server.box.to("de@a.test"))
    assert any(s.startswith("NFR-Anfrage NFR-") and "genehmigt" in s for s in subjects), subjects
    assert "Ihre NFR-Lizenzanfrage" in subjects  # the encouragement's German version
    (enc,) = [m for m in smtp_server.box.to("de@a.test") if m["Subject"].strip() == "Ihre NFR-Lizenzanfrage"]
    body = Mailbox.text(enc)
    assert body.startswith("Hallo Lena License,") and "Partnerportal" in body
    assert "nur auf Englisch" not in body
    assert "Mit freundlichen Grüßen" in body


def test_without_a_german_version_the_english_text_is_sent_marked_as_english_only(
    approved_for_german_contact, smtp_server, deliver
):
    MessageTemplate.objects.update(translations={})
    approved_for_german_contact()
    smtp_server.box.clear()
    deliver()
    (enc,) = [m for m in smtp_server.box.to("de@a.test") if m["Subject"] == "NFR License Request"]
    body = Mailbox.text(enc)
    assert body.startswith("(Dieser Text ist nur auf Englisch verfügbar.)")
    assert "Hi Lena License," in body
    assert "nur auf Englisch verfügbar" in Mailbox.html(enc)


def test_the_console_edits_the_german_version(approved_for_german_contact, administrator, login):
    from channelops.licensing.defaults import ENCOURAGEMENT

    client = login(administrator)
    page = client.get(f"/console/nfr/templates/{ENCOURAGEMENT}/").content.decode()
    assert "Subject in German" in page and "Ihre NFR-Lizenzanfrage" in page
    tpl = MessageTemplate.objects.get(key=ENCOURAGEMENT)
    r = client.post(
        f"/console/nfr/templates/{ENCOURAGEMENT}/",
        {"subject": tpl.subject, "body": tpl.body, "subject_de": "Neu", "body_de": ""},
    )
    assert r.status_code == 400 and "Give both the subject and the text, or neither." in r.content.decode()
    r = client.post(
        f"/console/nfr/templates/{ENCOURAGEMENT}/",
        {"subject": tpl.subject, "body": tpl.body, "subject_de": "", "body_de": ""},
    )
    assert r.status_code == 302
    tpl.refresh_from_db()
    assert tpl.translations == {}
    assert tpl.for_language("de") == (tpl.subject, tpl.body, True)
    assert tpl.for_language("en") == (tpl.subject, tpl.body, False)
