"""The FAQ over the API: list, search and read the published articles the token's owner may see.

Partner people and staff see published public and partner-only articles (``FaqArticle.objects
.visible_to(user)``, published only: drafts stay on the console). ``language`` picks the version
to return (``de``: the German version where written, else the English one; ``language`` in the
answer says which).
"""

# No `from __future__ import annotations` here: django-ninja cannot resolve a `Query[Schema]`
# parameter of a paginated endpoint from a string annotation (vitalik/django-ninja#1424).
from datetime import date, datetime
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from channelops.core.apischema import Error
from channelops.core.markup import markdown_html
from channelops.core.pagination import Pagination

from .faq_models import FaqArticle, FaqCategory, FaqVisibility
from .faq_search import faq_search, parse, with_translation

faq_router = Router(tags=["FAQ"])

Language = Literal["en", "de"]


class FaqArticleOut(Schema):
    id: int
    slug: str
    title: str = Field(..., description="The question, in `language`")
    category: FaqCategory
    visibility: FaqVisibility = Field(
        ..., description="public (everyone) or partners (partner people and staff)"
    )
    language: str = Field(
        ..., description="The language of `title` (and `body`): the one asked for where written, else en"
    )
    last_reviewed: date
    published_at: datetime | None
    url: str = Field(..., description="The article's page in the portal")
    snippet: str = Field("", description="Search only: the matching text, matches in <mark> (HTML, escaped)")


class FaqArticleDetailOut(FaqArticleOut):
    body: str = Field(..., description="The answer in Markdown, in `language`")
    body_html: str = Field(..., description="The answer as sanitised HTML")
    languages: list[str] = Field(..., description="Every language the article is written in")
    related: list[int] = Field(..., description="Ids of the related articles the caller may see")


class FaqFilter(Schema):
    q: str | None = Field(
        None,
        max_length=100,
        description="Search words (2–100 characters): every word must start a word of the title or answer "
        "in any language; results ranked, title matches first, at most 50",
    )
    category: FaqCategory | None = None
    language: Language = "en"


def _visible(request: Any) -> Any:
    return FaqArticle.objects.visible_to(request.user).published()


def _out(article: FaqArticle, language: str, snippet: str = "") -> dict[str, Any]:
    title, _body, translated = article.for_language(language)
    return {
        "id": article.pk,
        "slug": article.slug,
        "title": title,
        "category": article.category,
        "visibility": article.visibility,
        "language": language if translated else settings.LANGUAGE_CODE,
        "last_reviewed": article.last_reviewed,
        "published_at": article.published_at,
        "url": reverse("portal:help_article", args=[article.slug]),
        "snippet": snippet,
    }


@faq_router.get("/faq/articles", response=list[FaqArticleOut], summary="List or search FAQ articles")
@paginate(Pagination)
def list_faq_articles(request: Any, filters: Query[FaqFilter]) -> list[dict[str, Any]]:
    """Without `q`: every published article the caller may see, by category and title. With `q`:
    the search's ranked results."""
    language = filters.language
    if filters.q is not None and filters.q.strip():
        query = parse(filters.q)
        if query.error:
            raise ValidationError({"q": [query.error]})
        hits = faq_search(request.user, query, language=language)
        return [
            _out(h.article, language, str(h.snippet))
            for h in hits
            if h.article.is_published and (not filters.category or h.article.category == filters.category)
        ]
    rows = with_translation(_visible(request), language).defer("body").order_by("category", "title", "pk")
    if filters.category:
        rows = rows.filter(category=filters.category)
    return [_out(a, language) for a in rows]


@faq_router.get(
    "/faq/articles/{article_id}",
    response={200: FaqArticleDetailOut, 404: Error},
    summary="Get an FAQ article",
)
def get_faq_article(request: Any, article_id: int, language: Language = "en") -> Any:
    article = get_object_or_404(_visible(request).prefetch_related("translations"), pk=article_id)
    title, body, translated = article.for_language(language)
    related = list(_visible(request).filter(pk__in=article.related.values("pk")).values_list("pk", flat=True))
    return {
        **_out(article, language),
        "body": body,
        "body_html": markdown_html(body, heading_offset=1),
        "languages": [settings.LANGUAGE_CODE, *sorted(t.language for t in article.translations.all())],
        "related": sorted(related),
    }
