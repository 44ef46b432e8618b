"""The FAQ (S9, issue 16 first part): writing and publishing articles, who sees them, feedback, search."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from channelops.core.exceptions import NotAllowed
from channelops.helpdesk.faq_search import faq_search, parse, snippet_html
from channelops.helpdesk.faq_services import (
    faq_article_create,
    faq_article_mark_reviewed,
    faq_article_publish,
    faq_article_unpublish,
    faq_article_update,
    faq_feedback_give,
)
from channelops.helpdesk.models import FaqArticle, FaqFeedback

from .factories import MembershipFactory, PartnerFactory, StaffFactory, UserFactory


@pytest.fixture(autouse=True)
def _english():
    """Messages in English whatever language an earlier page request in this process left active."""
    with translation.override("en"):
        yield


@pytest.fixture
def writer(db):
    return StaffFactory(email="phd.faq@vendor.test", roles=["phd_specialist"])


@pytest.fixture
def partner_person(db):
    partner = PartnerFactory(country="GB", legal_name="Gamma Ltd")
    return MembershipFactory(partner=partner, role="user", user=UserFactory(email="p@gamma.test")).user


def article(writer, title="How do I reset my password?", body="Use the sign-in page.", **kw):
    publish = kw.pop("publish", True)
    a = faq_article_create(title=title, body=body, category=kw.pop("category", "portal"), by=writer, **kw)
    if publish:
        a = faq_article_publish(article=a, by=writer)
    return a


# --- services ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_phd_specialist_writes_a_draft_with_a_slug_from_the_title_and_publishes_it(writer):
    a = faq_article_create(
        title="  How do I  reset my password? ", body="Use **the** link.", category="portal", by=writer
    )
    assert (a.title, a.slug, a.status, a.owner, a.visibility) == (
        "How do I reset my password?",
        "how-do-i-reset-my-password",
        "draft",
        writer,
        "partners",
    )
    published = faq_article_publish(article=a, by=writer)
    assert published.status == "published" and published.published_at is not None
    assert published.history.count() == 2  # audited: created, published
    assert published.history.first().history_user == writer
    assert "<strong>the</strong>" in published.body_html


@pytest.mark.django_db
def test_leadership_may_write_articles_but_a_cam_and_partner_people_may_not(leadership, cam, partner_person):
    assert faq_article_create(title="Q1", body="A", category="data", by=leadership).pk
    for person in (cam, partner_person):
        with pytest.raises(NotAllowed):
            faq_article_create(title="Q2", body="A", category="data", by=person)
    assert FaqArticle.objects.count() == 1


@pytest.mark.django_db
def test_an_article_needs_a_question_an_answer_a_known_category_and_a_free_slug(writer):
    article(writer, title="Taken", slug="taken")
    with pytest.raises(ValidationError) as exc:
        faq_article_create(title=" ", body="", category="nope", visibility="all", by=writer)
    assert set(exc.value.message_dict) == {"title", "body", "category", "visibility"}
    with pytest.raises(ValidationError) as exc:
        faq_article_create(title="Another", body="B", category="mdf", slug="taken", by=writer)
    assert exc.value.message_dict == {"slug": ["Another article has this web address."]}


@pytest.mark.django_db
def test_the_owner_must_be_active_staff_and_an_article_is_not_related_to_itself(writer, partner_person):
    a = article(writer)
    with pytest.raises(ValidationError) as exc:
        faq_article_update(
            article=a,
            title=a.title,
            body=a.body,
            category="portal",
            visibility="public",
            owner=partner_person,
            related=[a],
            by=writer,
        )
    assert set(exc.value.message_dict) == {"owner", "related"}


@pytest.mark.django_db
def test_publishing_twice_or_unpublishing_a_draft_is_refused_with_a_clear_message(writer):
    a = article(writer)
    with pytest.raises(ValidationError, match="already published"):
        faq_article_publish(article=a, by=writer)
    a = faq_article_unpublish(article=a, by=writer)
    with pytest.raises(ValidationError, match="already a draft"):
        faq_article_unpublish(article=a, by=writer)


@pytest.mark.django_db
def test_an_article_not_reviewed_for_the_set_number_of_days_is_stale_until_marked_reviewed(writer, settings):
    settings.FAQ_REVIEW_DAYS = 30
    with time_machine.travel(date(2026, 1, 5), tick=False):
        a = article(writer)
    with time_machine.travel(date(2026, 2, 4), tick=False):
        assert not a.is_stale() and not FaqArticle.objects.stale().exists()
    with time_machine.travel(date(2026, 2, 5), tick=False):
        assert a.is_stale() and list(FaqArticle.objects.stale()) == [a]
        a = faq_article_mark_reviewed(article=a, by=writer)
        assert a.last_reviewed == date(2026, 2, 5) and not a.is_stale()
        assert a.review_due() == date(2026, 2, 5) + timedelta(days=30)


# --- who sees what -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_visitors_see_published_public_articles_partners_also_partner_only_writers_drafts(
    writer, cam, partner_person
):
    public = article(writer, title="Public", visibility="public")
    partners = article(writer, title="Partners", visibility="partners")
    draft = article(writer, title="Draft", visibility="public", publish=False)

    def seen(user):
        return set(FaqArticle.objects.visible_to(user).values_list("title", flat=True))

    assert seen(None) == {"Public"}
    assert seen(partner_person) == {"Public", "Partners"}
    assert seen(cam) == {"Public", "Partners"}  # staff without the permission: published only
    assert seen(writer) == {"Public", "Partners", "Draft"}
    assert {public, partners, draft} == set(FaqArticle.objects.all())


# --- feedback ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_feedback_counts_once_per_person_and_a_changed_answer_moves_the_count(writer, partner_person):
    a = article(writer, visibility="public")
    faq_feedback_give(article=a, helpful=True, user=partner_person)
    faq_feedback_give(article=a, helpful=True, user=partner_person)
    a.refresh_from_db()
    assert (a.helpful_count, a.not_helpful_count) == (1, 0)
    faq_feedback_give(article=a, helpful=False, user=partner_person)
    faq_feedback_give(article=a, helpful=True, session_key="anon-1")
    faq_feedback_give(article=a, helpful=True, session_key="anon-1")
    a.refresh_from_db()
    assert (a.helpful_count, a.not_helpful_count) == (1, 1)
    assert FaqFeedback.objects.filter(article=a).count() == 2


@pytest.mark.django_db
def test_feedback_on_an_article_the_person_may_not_see_or_without_a_session_is_refused(writer):
    partners_only = article(writer, visibility="partners")
    draft = article(writer, title="Draft", visibility="public", publish=False)
    with pytest.raises(NotAllowed):
        faq_feedback_give(article=partners_only, helpful=True, session_key="anon-1")
    with pytest.raises(NotAllowed):
        faq_feedback_give(article=draft, helpful=True, user=writer)
    with pytest.raises(ValidationError, match="cookies"):
        faq_feedback_give(article=partners_only, helpful=True)
    assert not FaqFeedback.objects.exists()


# --- search (SQLite FTS5 in `make test`; PostgreSQL full text in the integration run) ------------


@pytest.fixture
def library(writer):
    """Three articles about passwords: one with the words in its title, two in the body only."""
    body_only = article(
        writer,
        title="Signing in to the portal",
        body="If you forgot it, **reset** your password from the sign-in page. " * 3,
        visibility="public",
    )
    title = article(
        writer,
        title="How do I reset my password?",
        body="Open the sign-in page and follow the link.",
        visibility="public",
    )
    partners = article(
        writer,
        title="Single sign-on",
        body="Your IdP may reset passwords for you. <script>alert(1)</script>",
        visibility="partners",
    )
    article(writer, title="MDF claims", body="Claims need proof of performance.", category="mdf")
    return {"title": title, "body_only": body_only, "partners": partners}


@pytest.mark.integration
@pytest.mark.django_db
def test_search_ranks_title_matches_first_and_finds_word_prefixes(library, partner_person):
    hits = faq_search(partner_person, parse("reset passw"))
    assert [h.article for h in hits][0] == library["title"]
    assert hits[0].title_match and not any(h.title_match for h in hits[1:])
    assert {h.article for h in hits} == {library["title"], library["body_only"], library["partners"]}
    assert connection.vendor in ("sqlite", "postgresql")


@pytest.mark.integration
@pytest.mark.django_db
def test_search_returns_only_the_articles_the_person_may_see(library, writer):
    assert {h.article for h in faq_search(None, parse("reset password"))} == {
        library["title"],
        library["body_only"],
    }
    faq_article_unpublish(article=library["title"], by=writer)
    assert {h.article for h in faq_search(None, parse("reset password"))} == {library["body_only"]}
    assert library["title"] in {h.article for h in faq_search(writer, parse("reset password"))}


@pytest.mark.integration
@pytest.mark.django_db
def test_search_snippets_highlight_the_matches_and_escape_the_text(library, partner_person):
    hits = {h.article: h.snippet for h in faq_search(partner_person, parse("reset"))}
    assert "<mark>reset</mark> your password" in hits[library["body_only"]]
    assert "**" not in hits[library["body_only"]]
    assert "<mark>reset</mark>" in hits[library["partners"]] and "<script" not in hits[library["partners"]]
    marked = snippet_html("a <script>x</script> \ue000b\ue001 **c**")
    assert marked == "a &lt;script&gt;x&lt;/script&gt; <mark>b</mark> c"


@pytest.mark.integration
@pytest.mark.django_db
def test_search_follows_edits_and_treats_operators_as_words(library, writer):
    a = library["body_only"]
    faq_article_update(
        article=a,
        title="Renewals",
        body="Licences renew yearly.",
        category="licensing",
        visibility="public",
        by=writer,
    )
    assert a not in {h.article for h in faq_search(writer, parse("reset password"))}
    assert [h.article for h in faq_search(writer, parse("renew"))] == [a]
    assert faq_search(writer, parse('NEAR AND "reset" OR *')) == []
    assert parse("x").error and parse("!!").error and not parse("").ok
