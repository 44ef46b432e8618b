"""The FAQ's leftovers (issue 16): German versions of articles where written (search covers both),
the FAQ over the API, and questions deflected by suggested articles."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from channelops.core.exceptions import NotAllowed
from channelops.helpdesk.faq_search import faq_search, parse
from channelops.helpdesk.faq_services import (
    faq_article_create,
    faq_article_publish,
    faq_deflection_record,
    faq_translation_save,
)
from channelops.helpdesk.models import FaqArticle, FaqDeflection, FaqTranslation

from .factories import MembershipFactory, PartnerFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def writer(db):
    return StaffFactory(email="phd.faq@vendor.test", full_name="Petra Writer", roles=["phd_specialist"])


@pytest.fixture
def person(db):
    partner = PartnerFactory(country="GB", legal_name="Gamma Ltd")
    return MembershipFactory(partner=partner, role="user", user=UserFactory(email="p@gamma.test")).user


@pytest.fixture
def anna(db):
    partner = PartnerFactory(country="DE", legal_name="Sprachwerk GmbH")
    return MembershipFactory(
        partner=partner, role="user", user=UserFactory(email="anna@sprachwerk.test", language="de")
    ).user


def article(writer, title, body="An answer.", *, publish=True, **kw):
    a = faq_article_create(title=title, body=body, category=kw.pop("category", "portal"), by=writer, **kw)
    return faq_article_publish(article=a, by=writer) if publish else a


@pytest.fixture
def password(writer):
    a = article(
        writer, "How do I reset my password?", body="Use the sign-in page's link.", visibility="public"
    )
    faq_translation_save(
        article=a,
        language="de",
        title="Wie setze ich mein Kennwort zurück?",
        body="Nutzen Sie den Link auf der Anmeldeseite.",
        by=writer,
    )
    return a


# --- German versions -----------------------------------------------------------------------------


@pytest.mark.integration
def test_search_finds_an_article_by_words_of_its_german_version_and_shows_the_readers_title(
    password, writer, person
):
    article(writer, "Kennwort policy", body="Passwords expire yearly.")  # English title holding the word
    hits = faq_search(person, parse("kennwort"), language="de")
    assert [h.article for h in hits][0] in {password, FaqArticle.objects.get(slug="kennwort-policy")}
    assert {h.article.slug for h in hits} == {password.slug, "kennwort-policy"}
    by_slug = {h.article.slug: h for h in hits}
    assert by_slug[password.slug].title == "Wie setze ich mein Kennwort zurück?"
    assert by_slug[password.slug].title_match
    assert "<mark>Link</mark>" in faq_search(person, parse("link"), language="de")[0].snippet
    # an English reader finds it by the German words too, under the English title
    english = faq_search(person, parse("anmeldeseite"), language="en")
    assert [(h.article, h.title) for h in english] == [(password, "How do I reset my password?")]
    assert connection.vendor in ("sqlite", "postgresql")


@pytest.mark.integration
def test_search_follows_changed_and_removed_german_versions(password, writer, person):
    faq_translation_save(
        article=password, language="de", title="Passwort vergessen", body="Siehe oben.", by=writer
    )
    assert faq_search(person, parse("kennwort")) == []
    assert [h.article for h in faq_search(person, parse("vergessen"))] == [password]
    faq_translation_save(article=password, language="de", title="", body="", by=writer)
    assert not FaqTranslation.objects.exists() and faq_search(person, parse("vergessen")) == []


def test_a_german_version_needs_both_fields_a_known_language_and_a_faq_writer(password, writer, person):
    before = FaqTranslation.objects.get()
    for kwargs, field in (
        ({"language": "de", "title": "Nur Titel", "body": ""}, "body"),
        ({"language": "de", "title": "", "body": "Nur Text"}, "title"),
        ({"language": "fr", "title": "Titre", "body": "Texte"}, "language"),
    ):
        with pytest.raises(ValidationError) as exc:
            faq_translation_save(article=password, by=writer, **kwargs)
        assert field in exc.value.message_dict
    with pytest.raises(NotAllowed):
        faq_translation_save(article=password, language="de", title="X", body="Y", by=person)
    assert FaqTranslation.objects.get().title == before.title  # nothing changed


def test_german_readers_see_the_german_version_others_the_english_one(password, writer, anna, person, login):
    other = article(writer, "Where is my MDF budget?")
    c = login(anna)
    page = c.get(f"/portal/help/{password.slug}/").content.decode()
    assert "Wie setze ich mein Kennwort zurück?" in page and "Nutzen Sie den Link" in page
    assert "nur auf Englisch" not in page
    english_only = c.get(f"/portal/help/{other.slug}/").content.decode()
    assert (
        "Where is my MDF budget?" in english_only
        and "Dieser Text ist nur auf Englisch verfügbar." in english_only
    )
    assert "Wie setze ich mein Kennwort zurück?" in c.get("/portal/help/").content.decode()
    c.logout()
    page = login(person).get(f"/portal/help/{password.slug}/").content.decode()
    assert "How do I reset my password?" in page and "Kennwort" not in page
    c.logout()
    public = c.get(f"/help/{password.slug}/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Wie setze ich mein Kennwort zurück?" in public


def test_a_faq_writer_writes_changes_and_removes_the_german_version_on_the_console(writer, login, cam):
    a = article(writer, "How do I reset my password?")
    c = login(writer)
    page = c.get(f"/console/faq/{a.pk}/").content.decode()
    assert "Other languages" in page and 'name="tr-de-title"' in page
    url = f"/console/faq/{a.pk}/translation/"
    resp = c.post(
        url, {"tr-de-language": "de", "tr-de-title": "Kennwort zurücksetzen", "tr-de-body": "So geht es."}
    )
    assert resp.status_code == 302 and resp["Location"].endswith("#translations-h")
    assert FaqTranslation.objects.get(article=a).title == "Kennwort zurücksetzen"
    bad = c.post(url, {"tr-de-language": "de", "tr-de-title": "Nur ein Titel", "tr-de-body": ""})
    assert bad.status_code == 400 and "Write the answer in this language too" in bad.content.decode()
    assert FaqTranslation.objects.get(article=a).title == "Kennwort zurücksetzen"  # unchanged
    c.post(url, {"tr-de-language": "de", "tr-de-title": "", "tr-de-body": ""})
    assert not FaqTranslation.objects.exists()
    c.logout()
    assert (
        login(cam).post(url, {"tr-de-language": "de", "tr-de-title": "X", "tr-de-body": "Y"}).status_code
        == 403
    )
    assert not FaqTranslation.objects.exists()


# --- deflection ----------------------------------------------------------------------------------


def test_an_article_suggested_while_writing_a_question_counts_a_deflection_once(writer, person, login):
    a = article(writer, "How do I reset my password?", body="Use the sign-in page.")
    c = login(person)
    suggestions = c.get("/portal/help/?q=reset&from=question", HTTP_HX_REQUEST="true").content.decode()
    assert f'href="/portal/help/{a.slug}/?from=question"' in suggestions and 'target="_blank"' in suggestions
    page = c.get(f"/portal/help/{a.slug}/?from=question").content.decode()
    assert "My question is answered" in page and 'name="came_from" value="question"' in page
    plain = c.get(f"/portal/help/{a.slug}/").content.decode()
    assert "My question is answered" not in plain
    resp = c.post(f"/portal/help/{a.slug}/answered/")
    assert resp.status_code == 302 and resp["Location"] == "/portal/help/"
    c.post(f"/portal/help/{a.slug}/answered/")
    # "yes, this answered my question" from the suggestions counts too, still once per person
    c.post(f"/portal/help/{a.slug}/", {"helpful": "yes", "came_from": "question"})
    a.refresh_from_db()
    assert (a.deflected_count, a.helpful_count) == (1, 1)
    assert c.get(f"/portal/help/{a.slug}/answered/").status_code == 405


def test_a_yes_from_the_suggestions_deflects_a_plain_yes_or_a_no_does_not(writer, person, login):
    a = article(writer, "How do I reset my password?")
    b = article(writer, "Single sign-on")
    c = login(person)
    resp = c.post(f"/portal/help/{a.slug}/", {"helpful": "yes"})
    assert resp["Location"] == f"/portal/help/{a.slug}/#feedback"
    resp = c.post(f"/portal/help/{b.slug}/", {"helpful": "no", "came_from": "question"})
    assert resp["Location"] == f"/portal/help/{b.slug}/?from=question#feedback"
    c.post(f"/portal/help/{b.slug}/", {"helpful": "yes", "came_from": "question"})
    assert list(FaqArticle.objects.order_by("title").values_list("title", "deflected_count")) == [
        ("How do I reset my password?", 0),
        ("Single sign-on", 1),
    ]


def test_staff_see_deflections_on_the_console_list_and_article(writer, person, login):
    a = article(writer, "How do I reset my password?")
    faq_deflection_record(article=a, user=person)
    c = login(writer)
    listing = c.get("/console/faq/").content.decode()
    assert "Questions deflected" in listing
    assert "<dt>Questions deflected</dt><dd>1</dd>" in c.get(f"/console/faq/{a.pk}/").content.decode()


def test_a_deflection_needs_a_signed_in_person_who_may_see_the_article(writer, person):
    draft = article(writer, "Unfinished", publish=False)
    with pytest.raises(NotAllowed):
        faq_deflection_record(article=draft, user=person)
    with pytest.raises(NotAllowed):
        faq_deflection_record(article=draft, user=None)
    assert not FaqDeflection.objects.exists()


def test_another_partners_person_or_a_visitor_cannot_deflect_a_draft_or_partner_only_article(
    writer, client, login
):
    a = article(writer, "Partner pricing", visibility="partners")
    assert client.post(f"/portal/help/{a.slug}/answered/").status_code == 302  # to sign-in
    assert "/accounts/login/" in client.post(f"/portal/help/{a.slug}/answered/")["Location"]
    assert client.post(f"/help/{a.slug}/", {"helpful": "yes", "came_from": "question"}).status_code == 404
    a.refresh_from_db()
    assert a.deflected_count == 0


# --- API -----------------------------------------------------------------------------------------


def test_the_api_lists_and_searches_published_articles_the_caller_may_see(
    password, writer, person, api_client
):
    partners_only = article(writer, "Partner pricing", body="Ask your CAM.", category="mdf")
    article(writer, "Unfinished draft", publish=False)
    c = api_client(person)
    body = c.get("/api/v1/faq/articles").json()
    assert body["count"] == 2 and {a["slug"] for a in body["items"]} == {password.slug, partners_only.slug}
    assert c.get("/api/v1/faq/articles?category=mdf").json()["items"][0]["visibility"] == "partners"
    found = c.get("/api/v1/faq/articles?q=kennwort&language=de").json()["items"]
    assert [(a["id"], a["title"], a["language"]) for a in found] == [
        (password.pk, "Wie setze ich mein Kennwort zurück?", "de")
    ]
    assert "<mark>" in c.get("/api/v1/faq/articles?q=sign").json()["items"][0]["snippet"]
    bad = c.get("/api/v1/faq/articles?q=x")
    assert bad.status_code == 422 and bad.json()["detail"] == {"q": ["Type at least 2 characters."]}


def test_the_api_returns_an_article_in_the_asked_language_and_404_for_a_draft(
    password, writer, person, api_client
):
    draft = article(writer, "Unfinished draft", publish=False)
    c = api_client(person)
    one = c.get(f"/api/v1/faq/articles/{password.pk}?language=de").json()
    assert one["title"] == "Wie setze ich mein Kennwort zurück?" and one["languages"] == ["en", "de"]
    assert one["body"].startswith("Nutzen Sie") and "<p>" in one["body_html"]
    assert c.get(f"/api/v1/faq/articles/{password.pk}").json()["language"] == "en"
    assert c.get(f"/api/v1/faq/articles/{draft.pk}").status_code == 404
    c.defaults.pop("HTTP_AUTHORIZATION")
    assert c.get("/api/v1/faq/articles").status_code == 401
