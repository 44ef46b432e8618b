"""Journey templates in the reader's language (docs/i18n.md, "Content that is data"): the shipped
onboarding journey has a German version; a journey without one is sent in English, marked."""

from __future__ import annotations

import pytest

from channelops.work.models import TemplateKind, WorkTemplate
from channelops.work.services.templates import journey_assign

from .factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def onboarding() -> WorkTemplate:
    return WorkTemplate.objects.get(slug="partner-onboarding")


def person(partner, email: str, language: str):
    return MembershipFactory(
        partner=partner,
        role="user",
        user=UserFactory(email=email, full_name="Maria Muster", language=language),
    ).user


@pytest.fixture
def partner(partner_a, cam):
    partner_a.cam = cam  # the journey's DRI
    partner_a.save(update_fields=["cam"])
    return partner_a


def test_a_german_reader_gets_the_shipped_german_journey_and_an_english_one_the_english(partner):
    partner_a = partner
    german = journey_assign(
        template=onboarding(), partner=partner_a, user=person(partner_a, "de@a.test", "de"), by=None
    )
    assert german.title == "Willkommen im Partnerprogramm, Maria"
    assert "Ihre ersten Schritte im Partnerportal" in german.description
    titles = list(german.tasks.order_by("position", "pk").values_list("title", flat=True))
    assert titles[0] == "Vervollständigen Sie Ihr Profil und melden Sie sich im Portal an"
    assert list(german.tasks.values_list("section", flat=True).distinct()) != ["Getting started"]
    english = journey_assign(
        template=onboarding(), partner=partner_a, user=person(partner_a, "en@a.test", "en"), by=None
    )
    assert english.title == "Welcome to the partner program, Maria"
    assert english.tasks.filter(title="Complete your profile and sign in to the portal").exists()
    # The self-completing rules follow the task, whatever its language.
    assert sorted(german.tasks.values_list("completes_when", flat=True)) == sorted(
        english.tasks.values_list("completes_when", flat=True)
    )


def test_a_journey_without_a_german_version_is_sent_in_english_and_marked(partner):
    partner_a = partner
    template = onboarding()
    template.pk = None
    template.slug, template.name, template.translations = "custom-journey", "Custom journey", {}
    template.save()
    assert template.kind == TemplateKind.JOURNEY
    item = journey_assign(
        template=template, partner=partner_a, user=person(partner_a, "de2@a.test", "de"), by=None
    )
    assert item.title.startswith("Welcome to the partner program")
    assert item.description.startswith("*Dieser Text ist nur auf Englisch verfügbar.*")
    english = journey_assign(
        template=template, partner=partner_a, user=person(partner_a, "en2@a.test", "en"), by=None
    )
    assert (
        "nur auf Englisch" not in english.description
        and "available in English only" not in english.description
    )


def test_an_upgrade_adds_the_shipped_german_version_and_keeps_staffs_own(partner_a):
    from channelops.work.defaults import ensure_defaults

    template = onboarding()
    WorkTemplate.objects.filter(pk=template.pk).update(
        translations={"de": {"title": "Eigener Titel", "body": ""}}
    )
    ensure_defaults()
    assert onboarding().translations["de"]["title"] == "Eigener Titel"
    WorkTemplate.objects.filter(pk=template.pk).update(translations={})
    ensure_defaults()
    assert onboarding().translations["de"]["title"].startswith("Willkommen im Partnerprogramm")
