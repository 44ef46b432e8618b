"""The FAQ's pages: the portal's Help, the public help page, the console's list and article pages."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.utils import translation

from channelops.helpdesk.faq_services import faq_article_create, faq_article_publish
from channelops.helpdesk.models import FaqArticle, FaqFeedback

from .factories import MembershipFactory, PartnerFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer(db):
    return StaffFactory(email="phd.faq@vendor.test", full_name="Petra Writer", roles=["phd_specialist"])


@pytest.fixture
def person(db):
    partner = PartnerFactory(country="GB", legal_name="Gamma Ltd")
    return MembershipFactory(partner=partner, role="user", user=UserFactory(email="p@gamma.test")).user


def article(writer, title, body="An answer.", *, publish=True, **kw):
    a = faq_article_create(title=title, body=body, category=kw.pop("category", "portal"), by=writer, **kw)
    return faq_article_publish(article=a, by=writer) if publish else a


# --- portal --------------------------------------------------------------------------------------


def test_the_portal_help_lists_published_articles_by_category_and_not_drafts(writer, person, login):
    article(writer, "How do I reset my password?", visibility="public")
    article(writer, "Where is my MDF budget?", category="mdf", visibility="partners")
    article(writer, "Unfinished draft", publish=False)
    page = login(person).get("/portal/help/").content.decode()
    assert "How do I reset my password?" in page and "Where is my MDF budget?" in page
    assert "Unfinished draft" not in page
    assert page.index(">Portal<") < page.index(">MDF<")  # categories in their fixed order
    assert 'href="/portal/help/"' in page  # the navigation entry


def test_the_portal_search_shows_ranked_results_with_highlighted_snippets(writer, person, login):
    article(writer, "Signing in", body="To **reset** your password, use the link.")
    article(writer, "How do I reset my password?", body="Use the sign-in page.")
    page = login(person).get("/portal/help/?q=reset+password").content.decode()
    assert "2 articles found" in page
    assert page.index("How do I reset my password?") < page.index("Signing in")
    assert "<mark>reset</mark> your <mark>password</mark>" in page
    short = login(person).get("/portal/help/?q=x").content.decode()
    assert "Type at least 2 characters." in short


def test_a_search_with_many_matches_shows_the_best_twenty_and_counts_only_what_the_reader_may_see(
    writer, person, login, client, django_assert_max_num_queries
):
    for i in range(23):
        article(writer, f"Licence renewal step {i:02d}", body="Renewal of the licence.", visibility="public")
    article(writer, "Partner licence renewal notes", body="Renewal.", visibility="partners")
    article(writer, "Licence renewal draft", publish=False)
    public = client.get("/help/?q=licence+renewal").content.decode()
    assert "23 articles found" in public  # not the partners-only article, not the draft
    assert "The 20 best matches are shown. Add a word to narrow the search." in public
    assert "Partner licence renewal notes" not in public
    partner = login(person)
    partner.get("/portal/help/?q=licence+renewal")
    with django_assert_max_num_queries(12):
        page = partner.get("/portal/help/?q=licence+renewal").content.decode()
    assert "24 articles found" in page and page.count('class="fw-bold" href="/portal/help/') == 20
    few = partner.get("/portal/help/?q=renewal+step+07").content.decode()
    assert "1 article found" in few and "best matches are shown" not in few


def test_typing_in_the_search_box_swaps_in_only_the_results(writer, person, login):
    article(writer, "How do I reset my password?", body="Use the sign-in page.")
    c = login(person)
    page = c.get("/portal/help/").content.decode()
    assert 'hx-get="/portal/help/"' in page and 'id="faq-results"' in page  # a plain GET form without htmx
    resp = c.get("/portal/help/?q=reset", HTTP_HX_REQUEST="true")
    partial = resp.content.decode()
    assert "How do I reset my password?" in partial and "<html" not in partial
    assert "HX-Request" in resp["Vary"]
    cleared = c.get("/portal/help/?q=", HTTP_HX_REQUEST="true").content.decode()
    assert "How do I reset my password?" in cleared and "<html" not in cleared  # back to the index


def test_a_partner_answers_did_this_help_once_and_staff_see_the_counts(writer, person, login, client):
    a = article(writer, "How do I reset my password?", body="Use the **sign-in** page.")
    related = article(writer, "Single sign-on")
    FaqArticle.objects.get(pk=a.pk).related.add(related)
    c = login(person)
    page = c.get(f"/portal/help/{a.slug}/").content.decode()
    assert "<strong>sign-in</strong>" in page and "Did this answer your question?" in page
    assert f'href="/portal/help/{related.slug}/"' in page
    resp = c.post(f"/portal/help/{a.slug}/", {"helpful": "yes"})
    assert resp.status_code == 302 and resp["Location"].endswith("#feedback")
    c.post(f"/portal/help/{a.slug}/", {"helpful": "yes"})
    a.refresh_from_db()
    assert (a.helpful_count, a.not_helpful_count) == (1, 0)
    staff_page = login(writer).get(f"/console/faq/{a.pk}/").content.decode()
    assert "<dt>Helpful</dt><dd>1</dd>" in staff_page


def test_the_portal_help_renders_in_german(writer, login):
    partner = PartnerFactory(country="DE", legal_name="Sprachwerk GmbH")
    anna = MembershipFactory(
        partner=partner, role="user", user=UserFactory(email="anna@sprachwerk.test", language="de")
    ).user
    a = article(writer, "Wie setze ich mein Passwort zurück?")
    c = login(anna)
    with translation.override("en"):  # the pages switch to German; the test's thread goes back to English
        index = c.get("/portal/help/").content.decode()
        page = c.get(f"/portal/help/{a.slug}/").content.decode()
    assert "Hilfe" in index and "Hilfeartikel durchsuchen" in index
    assert "Hat dies Ihre Frage beantwortet?" in page and "Geprüft am" in page


# --- public --------------------------------------------------------------------------------------


def test_visitors_see_only_public_articles_and_answer_once_per_session(writer, client):
    public = article(writer, "How do I apply?", body="Fill in the application form.", visibility="public")
    partners = article(writer, "Partner-only pricing", visibility="partners")
    index = client.get("/help/").content.decode()
    assert "How do I apply?" in index and "Partner-only pricing" not in index
    assert client.get(f"/help/{partners.slug}/").status_code == 404
    assert "Partner-only" not in client.get("/help/?q=pricing").content.decode()
    assert client.post(f"/help/{public.slug}/", {"helpful": "no"}).status_code == 302
    client.post(f"/help/{public.slug}/", {"helpful": "no"})
    public.refresh_from_db()
    assert public.not_helpful_count == 1 and FaqFeedback.objects.get().session_key
    assert client.post(f"/help/{partners.slug}/", {"helpful": "yes"}).status_code == 404


# --- console -------------------------------------------------------------------------------------


def test_a_phd_specialist_writes_publishes_edits_and_reviews_an_article_in_the_console(writer, login):
    c = login(writer)
    assert c.get("/console/faq/new/").status_code == 200
    bad = c.post("/console/faq/new/", {"title": "", "body": "", "category": "portal", "visibility": "public"})
    assert bad.status_code == 400
    resp = c.post(
        "/console/faq/new/",
        {
            "title": "How do I reset my password?",
            "body": "Use the link.",
            "category": "portal",
            "visibility": "public",
        },
    )
    a = FaqArticle.objects.get()
    assert resp["Location"] == f"/console/faq/{a.pk}/" and a.status == "draft" and a.owner == writer
    c.post(f"/console/faq/{a.pk}/publish/")
    c.post(
        f"/console/faq/{a.pk}/",
        {
            "title": "Reset a password",
            "slug": "reset",
            "body": "New.",
            "category": "portal",
            "visibility": "partners",
        },
    )
    a.refresh_from_db()
    assert (a.status, a.title, a.slug, a.visibility) == ("published", "Reset a password", "reset", "partners")
    c.post(f"/console/faq/{a.pk}/unpublish/")
    c.post(f"/console/faq/{a.pk}/reviewed/")
    a.refresh_from_db()
    assert a.status == "draft"


def test_staff_without_the_permission_read_the_list_but_may_not_write(writer, cam, login):
    a = article(writer, "How do I reset my password?")
    draft = article(writer, "Unfinished secret answer", publish=False)
    c = login(cam)
    page = c.get("/console/faq/").content.decode()
    assert (
        "How do I reset my password?" in page
        and "Unfinished secret answer" not in page
        and "/console/faq/new/" not in page
    )
    assert c.get("/console/faq/new/").status_code == 403
    assert c.post(f"/console/faq/{a.pk}/unpublish/").status_code == 403
    assert c.get(f"/console/faq/{draft.pk}/").status_code == 404
    a.refresh_from_db()
    assert a.status == "published"


def test_the_console_list_filters_and_marks_stale_articles(writer, login, settings):
    settings.FAQ_REVIEW_DAYS = 30
    with time_machine.travel(date(2026, 1, 5), tick=False):
        article(writer, "Old answer", category="data")
    with time_machine.travel(date(2026, 3, 1), tick=False):
        article(writer, "Fresh answer", category="mdf", visibility="public")
        c = login(writer)
        page = c.get("/console/faq/").content.decode()
        assert page.count("review due") == 1
        filtered = c.get("/console/faq/?category=mdf&status=published&visibility=public").content.decode()
        assert "Fresh answer" in filtered and "Old answer" not in filtered


def test_the_console_list_keeps_its_query_count_as_articles_grow(
    writer, login, django_assert_max_num_queries
):
    c = login(writer)
    for n in range(2):
        article(writer, f"Question {n}")
    c.get("/console/faq/")  # warm the session and permission caches
    with django_assert_max_num_queries(20) as few:
        assert c.get("/console/faq/").status_code == 200
    for n in range(2, 20):
        article(writer, f"Question {n}")
    # the same queries with 20 articles: session, user, navigation, count, one page of rows (owner joined)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert "Question 19" in c.get("/console/faq/").content.decode()


def test_the_portal_help_keeps_its_query_count_as_articles_grow(
    writer, person, login, django_assert_max_num_queries
):
    c = login(person)
    for n in range(2):
        article(writer, f"Question {n}")
    c.get("/portal/help/")
    with django_assert_max_num_queries(25) as few:
        c.get("/portal/help/")
    for n in range(2, 20):
        article(writer, f"Question {n}", category=["data", "mdf", "licensing"][n % 3])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert "Question 19" in c.get("/portal/help/").content.decode()
