"""Convenience translations of agreement texts (issue 14): a German reader sees the German text of a
version with a notice that the English text is binding (one click away) and accepts the English text,
whose hash the acceptance records; without a translation the English text is marked as English only;
English readers see nothing new; legal edits translations in the console (audited), nobody else can."""

from __future__ import annotations

import pytest

from channelops.agreements.models import Acceptance, AgreementTranslation, AgreementVersion
from channelops.agreements.services import version_create, version_translation_save

from .factories import StaffFactory
from .test_agreements import AGENT, accept_form, master, v1

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]

GERMAN = "# Rahmenvertrag für Partner\n\n## 1. Ernennung\nDer Hersteller ernennt den Partner zum Partner.\n"
NOTICE_DE = "Diese Übersetzung dient nur der Verständlichkeit"


@pytest.fixture
def legal(db):  # type: ignore[no-untyped-def]
    return StaffFactory(email="legal@vendor.test", roles=["legal"])


@pytest.fixture
def translated(legal) -> AgreementTranslation:  # type: ignore[no-untyped-def]
    t = version_translation_save(version=v1(), language="de", body=GERMAN, by=legal)
    assert t is not None
    return t


@pytest.fixture
def german(admin_a):  # type: ignore[no-untyped-def]
    admin_a.language = "de"
    admin_a.save(update_fields=["language"])
    return admin_a


def page(client, version: AgreementVersion, query: str = "") -> str:  # type: ignore[no-untyped-def]
    response = client.get(f"/portal/agreements/versions/{version.pk}/{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_a_german_reader_sees_the_translation_with_the_notice_and_accepts_the_english_text(
    translated, german, partner_a, login
):
    client = login(german)
    html = page(client, v1())
    assert "Der Hersteller ernennt den Partner zum Partner." in html
    assert NOTICE_DE in html and 'data-notice="convenience-translation"' in html
    assert "The vendor appoints the partner" not in html  # the English text is one click away
    assert f'href="/portal/agreements/versions/{v1().pk}/?text=binding#text-h"' in html
    assert translated.content_hash in html and v1().content_hash in html
    assert translated.content_hash != v1().content_hash
    # the form carries the binding text's hash, and the acceptance records it
    assert f'value="{v1().content_hash}"' in html
    response = client.post(
        f"/portal/agreements/versions/{v1().pk}/",
        accept_form(v1()),
        REMOTE_ADDR="203.0.113.7",
        HTTP_USER_AGENT=AGENT,
    )
    assert response.status_code == 302
    acceptance = Acceptance.objects.get(partner=partner_a, version=v1())
    assert acceptance.content_hash == v1().content_hash


def test_the_binding_english_text_is_one_click_away_for_a_german_reader(translated, german, login):
    html = page(login(german), v1(), "?text=binding")
    assert "The vendor appoints the partner" in html and '<div lang="en">' in html
    assert "Der Hersteller ernennt den Partner zum Partner." not in html
    assert 'data-notice="binding-text"' in html
    assert f'href="/portal/agreements/versions/{v1().pk}/#text-h"' in html  # back to the translation


def test_a_german_reader_of_an_untranslated_version_sees_the_english_text_marked_as_english_only(
    german, login
):
    html = page(login(german), v1())
    assert "The vendor appoints the partner" in html
    assert "Dieser Text ist nur auf Englisch verfügbar." in html and '<div lang="en">' in html
    assert NOTICE_DE not in html


def test_an_english_reader_sees_the_english_text_as_before(translated, admin_a, login):
    html = page(login(admin_a), v1())
    assert "The vendor appoints the partner" in html
    assert "Der Hersteller" not in html and "for convenience" not in html
    assert "available in English only" not in html and translated.content_hash not in html


def test_legal_adds_edits_and_removes_a_translation_of_a_published_and_of_a_draft_version(legal, login):
    client = login(legal)
    version = v1()
    url = f"/console/agreements/versions/{version.pk}/translation/"
    assert (
        "Save the translation" in client.get(f"/console/agreements/versions/{version.pk}/").content.decode()
    )
    response = client.post(url, {"language": "de", "body": GERMAN})
    assert response.status_code == 302
    t = AgreementTranslation.objects.get(version=version, language="de")
    assert t.body == GERMAN and t.updated_by == legal
    client.post(url, {"language": "de", "body": GERMAN + "\nNoch ein Satz für die Übersetzung.\n"})
    t.refresh_from_db()
    assert "Noch ein Satz" in t.body
    # audited: every change with who made it; the binding text and its hash never change
    assert [h.history_user for h in t.history.all()] == [legal, legal]
    version.refresh_from_db()
    assert version.body == v1().body and version.content_hash == v1().content_hash
    # a draft can carry a translation too
    draft = version_create(template=master(), body=v1().body + "\nA new clause.\n", by=legal)
    assert (
        client.post(
            f"/console/agreements/versions/{draft.pk}/translation/", {"language": "de", "body": GERMAN}
        ).status_code
        == 302
    )
    assert draft.translations.get().language == "de"
    # empty removes it (kept in the history)
    client.post(url, {"language": "de", "body": ""})
    assert not AgreementTranslation.objects.filter(version=version).exists()
    assert t.history.first().history_type == "-"  # type: ignore[union-attr]


def test_a_too_short_or_english_translation_is_refused_with_the_reason(legal, login):
    client = login(legal)
    url = f"/console/agreements/versions/{v1().pk}/translation/"
    response = client.post(url, {"language": "de", "body": "Kurz."})
    assert response.status_code == 400 and "The translated text is too short." in response.content.decode()
    assert client.post(url, {"language": "en", "body": GERMAN}).status_code == 400
    assert not AgreementTranslation.objects.exists()


@pytest.mark.parametrize("role", ["cam", "channel_program_manager", "channel_leadership"])
def test_staff_other_than_legal_cannot_translate(role, login):  # type: ignore[no-untyped-def]
    staff = StaffFactory(email=f"{role}@vendor.test", roles=[role])
    client = login(staff)
    version_page = client.get(f"/console/agreements/versions/{v1().pk}/").content.decode()
    assert "Save the translation" not in version_page
    response = client.post(
        f"/console/agreements/versions/{v1().pk}/translation/", {"language": "de", "body": GERMAN}
    )
    assert response.status_code == 403
    assert not AgreementTranslation.objects.exists()


def test_partner_people_cannot_reach_the_translation_pages(admin_a, user_b, login):
    for person in (admin_a, user_b):
        client = login(person)
        for path in (
            f"/console/agreements/versions/{v1().pk}/translation/",
            f"/console/agreements/versions/{v1().pk}/",
        ):
            response = client.post(path, {"language": "de", "body": GERMAN})
            assert response.status_code in (302, 403, 404)
            assert "/console/" not in response.get("Location", "/accounts/login/").split("?")[0]
    assert not AgreementTranslation.objects.exists()


def test_the_demo_gives_the_master_agreements_current_version_a_german_translation(legal):
    from channelops.agreements.demo import demo_agreement_translations

    demo_agreement_translations(domain="vendor.test")
    demo_agreement_translations(domain="vendor.test")  # idempotent
    t = AgreementTranslation.objects.get()
    assert t.version == v1() and t.language == "de" and t.updated_by == legal
    assert t.body.startswith("# Rahmenvertrag für Partner") and "Vertraulichkeit" in t.body
