"""Full-text search of the FAQ: ranked, title matches first, with highlighted snippets.

SQLite: the FTS5 table ``helpdesk_faqarticle_fts`` (migration 0003; triggers keep it in step), ranked
by ``bm25`` with the title weighing ten times the body, snippets by ``snippet()``.
PostgreSQL: ``django.contrib.postgres`` — a weighted ``SearchVector`` (title A, body B, configuration
'simple', the expression of the GIN index), ``SearchRank`` and ``SearchHeadline`` (``ts_headline``).
The database is chosen at run time (``connection.vendor``).

Every term must match the start of a word (``pass`` finds *password*); what people type is split
into words here and never passed to the database's query language. Articles whose title holds
every term come first, then the others, each group by rank. Results are always the articles the
person may see (``FaqArticle.objects.visible_to(user)``).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Case, IntegerField, Value, When
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .faq_models import FaqArticle

MIN_LENGTH = 2
MAX_LENGTH = 100
MAX_TERMS = 8
LIMIT = 50
START, STOP = "\ue000", "\ue001"  # private-use characters around a match, replaced by <mark>
FTS_TABLE = "helpdesk_faqarticle_fts"
_WORD = re.compile(r"\w+")
_MARKDOWN = re.compile(r"\*+|`+|#+|__+|\]\([^)]*\)|!?\[")  # emphasis, code, headings, link syntax


@dataclass(frozen=True)
class FaqQuery:
    text: str = ""
    terms: tuple[str, ...] = ()
    error: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.terms) and not self.error


@dataclass(frozen=True)
class FaqHit:
    article: FaqArticle
    snippet: SafeString
    title_match: bool


def parse(raw: Any) -> FaqQuery:
    """What was typed, checked: 2 to 100 characters with at least one word."""
    text = " ".join(str(raw or "").split())
    if not text:
        return FaqQuery()
    if len(text) > MAX_LENGTH:
        return FaqQuery(
            text=text[:MAX_LENGTH],
            error=_("A search is at most %(n)d characters long.") % {"n": MAX_LENGTH},
        )
    if len(text) < MIN_LENGTH:
        return FaqQuery(text=text, error=_("Type at least %(n)d characters.") % {"n": MIN_LENGTH})
    terms = list(dict.fromkeys(t.replace("_", "") for t in _WORD.findall(text.casefold())))
    terms = [t for t in terms if t]
    if not terms:
        return FaqQuery(text=text, error=_("Search for words: punctuation alone finds nothing."))
    longer = [t for t in terms if len(t) > 1]
    return FaqQuery(text=text, terms=tuple((longer or terms)[:MAX_TERMS]))


def snippet_html(raw: str) -> SafeString:
    """A snippet from the database, escaped, Markdown marks dropped, matches in ``<mark>``."""
    text = _MARKDOWN.sub("", raw or "")
    text = " ".join(html.escape(text).split())
    return mark_safe(text.replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S308 - escaped above


def faq_search(user: Any, query: FaqQuery, *, limit: int = LIMIT) -> list[FaqHit]:
    """The articles ``user`` may see that hold every term, title matches first."""
    if not query.ok:
        return []
    visible = FaqArticle.objects.visible_to(user)
    if connection.vendor == "postgresql":
        return _postgres(visible, query.terms, limit)
    if connection.vendor == "sqlite":
        return _sqlite(visible, query.terms, limit)
    return _fallback(visible, query.terms, limit)


def _sqlite(visible: Any, terms: tuple[str, ...], limit: int) -> list[FaqHit]:
    match = " AND ".join(f'"{t}"*' for t in terms)  # quoted: AND, NEAR, * are plain words here
    sql = (
        f"SELECT rowid, bm25({FTS_TABLE}, 10.0, 1.0), "  # noqa: S608 - constants and bound parameters
        f"snippet({FTS_TABLE}, 1, %s, %s, '…', 24), "
        f"rowid IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s) "
        f"FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [START, STOP, f"title : ({match})", match])
        found = {row[0]: (not row[3], row[1], row[2]) for row in cursor.fetchall()}
    if not found:
        return []
    articles = list(visible.filter(pk__in=list(found)).select_related("owner"))
    articles.sort(key=lambda a: (found[a.pk][0], found[a.pk][1], a.pk))
    return [
        FaqHit(article=a, snippet=snippet_html(found[a.pk][2]), title_match=not found[a.pk][0])
        for a in articles[:limit]
    ]


def _postgres(visible: Any, terms: tuple[str, ...], limit: int) -> list[FaqHit]:
    from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector

    tsquery = SearchQuery(" & ".join(f"'{t}':*" for t in terms), search_type="raw", config="simple")
    vector = SearchVector("title", weight="A", config="simple") + SearchVector(
        "body", weight="B", config="simple"
    )
    qs = (
        visible.annotate(search=vector, title_vector=SearchVector("title", config="simple"))
        .filter(search=tsquery)
        .annotate(
            rank=SearchRank(vector, tsquery),
            title_hit=Case(
                When(title_vector=tsquery, then=Value(1)), default=Value(0), output_field=IntegerField()
            ),
            headline=SearchHeadline(
                "body",
                tsquery,
                config="simple",
                start_sel=START,
                stop_sel=STOP,
                max_words=30,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
        .select_related("owner")
        .order_by("-title_hit", "-rank", "pk")
    )
    return [
        FaqHit(article=a, snippet=snippet_html(a.headline), title_match=bool(a.title_hit)) for a in qs[:limit]
    ]


def _fallback(visible: Any, terms: tuple[str, ...], limit: int) -> list[FaqHit]:
    """Another database: every term somewhere in title or body (no ranking beyond the title)."""
    from django.db.models import Q

    qs = visible
    title_q = Q()
    for t in terms:
        qs = qs.filter(Q(title__icontains=t) | Q(body__icontains=t))
        title_q &= Q(title__icontains=t)
    qs = qs.annotate(
        title_hit=Case(When(title_q, then=Value(1)), default=Value(0), output_field=IntegerField())
    ).order_by("-title_hit", "title", "pk")
    return [
        FaqHit(article=a, snippet=snippet_html(a.body[:200]), title_match=bool(a.title_hit))
        for a in qs.select_related("owner")[:limit]
    ]


__all__ = ["FaqHit", "FaqQuery", "faq_search", "parse"]
