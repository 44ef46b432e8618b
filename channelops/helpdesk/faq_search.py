"""Full-text search of the FAQ: ranked, title matches first, with highlighted snippets.

SQLite: the FTS5 table ``helpdesk_faqarticle_fts`` (migration 0003; triggers keep it in step), ranked
by ``bm25`` with the title weighing ten times the body, snippets by ``snippet()``; the articles'
translations (German versions) have their own, ``helpdesk_faqtranslation_fts`` (migration 0004).
PostgreSQL: ``django.contrib.postgres`` — a weighted ``SearchVector`` (title A, body B, configuration
'simple', the expression of the GIN index), ``SearchRank`` and ``SearchHeadline`` (``ts_headline``).
The database is chosen at run time (``connection.vendor``).

Search covers every language version: an article is found by words of its English text or of a
translation, ranked by the better of the two. The reader sees the title in their language (the
translation's when there is one) and the snippet of the version in their language when that version
matched, else of the version that matched.

Every term must match the start of a word (``pass`` finds *password*); what people type is split
into words here and never passed to the database's query language. Articles whose title holds
every term come first, then the others, each group by rank. Results are always the articles the
person may see (``FaqArticle.objects.visible_to(user)``).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .faq_models import FaqArticle, FaqTranslation

MIN_LENGTH = 2
MAX_LENGTH = 100
MAX_TERMS = 8
LIMIT = 50
START, STOP = "\ue000", "\ue001"  # private-use characters around a match, replaced by <mark>
FTS_TABLE = "helpdesk_faqarticle_fts"
FTS_TRANSLATIONS = "helpdesk_faqtranslation_fts"
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
    title: str = ""  # in the reader's language


# one match of one language version: (article id, language, title matched, rank, row); lower rank is
# better (bm25 order; PostgreSQL ranks are negated); row = ("a", article id) or ("t", translation id),
# whose snippet is made only when the article is among the results shown
_Match = tuple[int, str, bool, float, tuple[str, int]]


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


def reader_language(language: str | None = None) -> str:
    """The reader's language code ("de"), the active one unless given."""
    return (language or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]


def with_translation(qs: Any, language: str) -> Any:
    """``qs`` of articles with their version in ``language`` prefetched (one query), for
    :meth:`FaqArticle.for_language`; nothing to fetch for English."""
    if language == settings.LANGUAGE_CODE:
        return qs  # for_language reads no translation for English
    return qs.prefetch_related(
        Prefetch("translations", queryset=FaqTranslation.objects.filter(language=language))
    )


def faq_search(
    user: Any, query: FaqQuery, *, limit: int = LIMIT, language: str | None = None
) -> list[FaqHit]:
    """The articles ``user`` may see that hold every term (in any language version), title matches
    first; titles and snippets for a reader of ``language`` (default: the active language)."""
    return faq_search_counted(user, query, limit=limit, language=language)[0]


def faq_search_counted(
    user: Any, query: FaqQuery, *, limit: int = LIMIT, language: str | None = None
) -> tuple[list[FaqHit], int]:
    """:func:`faq_search`'s best ``limit`` hits and the number of articles that match in all.

    Every match is ranked, the ones the person may not see dropped, and only the ``limit`` shown
    get a snippet and a row."""
    if not query.ok:
        return [], 0
    lang = reader_language(language)
    visible = FaqArticle.objects.visible_to(user)
    if connection.vendor == "postgresql":
        matches = _postgres(visible, query.terms)
    elif connection.vendor == "sqlite":
        matches = _sqlite(query.terms)
    else:
        hits = _fallback(visible, query.terms, limit)
        return hits, len(hits)
    if not matches:
        return [], 0
    best: dict[int, tuple[bool, float]] = {}
    source: dict[int, tuple[bool, float, tuple[str, int]]] = {}
    for pk, language_code, title_hit, rank, row in matches:
        key = (not title_hit, rank)
        if pk not in best or key < best[pk]:
            best[pk] = key
        # the snippet of the reader's own language first, then of the better match
        pref = (language_code != lang, rank, row)
        if pk not in source or pref[:2] < source[pk][:2]:
            source[pk] = pref
    if connection.vendor == "sqlite":  # PostgreSQL matched within ``visible`` already
        allowed = _visible_ids(visible, list(best))
        best = {pk: key for pk, key in best.items() if pk in allowed}
    ordered = sorted(best, key=lambda pk: (best[pk], pk))
    shown = ordered[:limit]
    if not shown:
        return [], 0
    snippets = _snippets(query.terms, [source[pk][2] for pk in shown])
    articles = {
        a.pk: a
        for a in with_translation(FaqArticle.objects.filter(pk__in=shown).select_related("owner"), lang)
    }
    hits = [
        FaqHit(
            article=articles[pk],
            snippet=snippet_html(snippets.get(source[pk][2], "")),
            title_match=not best[pk][0],
            title=articles[pk].title_for(lang),
        )
        for pk in shown
    ]
    return hits, len(ordered)


def _snippets(terms: tuple[str, ...], rows: list[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """The snippets of the rows shown (at most ``limit``), not of every match: making one costs
    more than ranking it."""
    out: dict[tuple[str, int], str] = {}
    for kind in ("a", "t"):
        ids = [pk for k, pk in rows if k == kind]
        if not ids:
            continue
        if connection.vendor == "postgresql":
            from django.contrib.postgres.search import SearchHeadline

            model: Any = FaqArticle if kind == "a" else FaqTranslation
            for pk, headline in (
                model.objects.filter(pk__in=ids)
                .annotate(
                    headline=SearchHeadline(
                        "body",
                        _pg_query(terms),
                        config="simple",
                        start_sel=START,
                        stop_sel=STOP,
                        max_words=30,
                        min_words=15,
                        max_fragments=2,
                        fragment_delimiter=" … ",
                    )
                )
                .values_list("pk", "headline")
            ):
                out[(kind, pk)] = headline
            continue
        table = FTS_TABLE if kind == "a" else FTS_TRANSLATIONS
        marks = ", ".join(["%s"] * len(ids))
        sql = (
            f"SELECT rowid, snippet({table}, 1, %s, %s, '…', 24) FROM {table} "  # noqa: S608 - constants, bound values
            f"WHERE {table} MATCH %s AND rowid IN ({marks})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [START, STOP, _fts_match(terms), *ids])
            for pk, snippet in cursor.fetchall():
                out[(kind, pk)] = snippet
    return out


def faq_suggest(user: Any, text: str, *, limit: int = 5, language: str | None = None) -> list[FaqHit]:
    """Articles for a question being written (its subject): every word first; when nothing holds
    them all, the words of four letters or more; then the two longest. A question's wording
    ("How do I …") is not a search, so it is loosened rather than left without suggestions."""
    query = parse(text[:MAX_LENGTH])
    if not query.ok:
        return []
    tries = [query.terms]
    longer = tuple(t for t in query.terms if len(t) >= 4)
    if longer and longer != query.terms:
        tries.append(longer)
    if len(longer) > 2:
        tries.append(tuple(sorted(longer, key=len, reverse=True)[:2]))
    for terms in tries:
        hits = faq_search(user, FaqQuery(text=query.text, terms=terms), limit=limit, language=language)
        if hits:
            return hits
    return []


def _fts_match(terms: tuple[str, ...]) -> str:
    return " AND ".join(f'"{t}"*' for t in terms)  # quoted: AND, NEAR, * are plain words here


def _sqlite_table(table: str, join: str, match: str, select: str) -> list[tuple[Any, ...]]:
    sql = (
        f"SELECT {select}, bm25({table}, 10.0, 1.0), "  # noqa: S608 - constants and bound parameters
        f"{table}.rowid IN (SELECT rowid FROM {table} WHERE {table} MATCH %s) "
        f"FROM {table} {join} WHERE {table} MATCH %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [f"title : ({match})", match])
        return list(cursor.fetchall())


def _sqlite(terms: tuple[str, ...]) -> list[_Match]:
    match = _fts_match(terms)
    english = settings.LANGUAGE_CODE
    out: list[_Match] = [
        (row[0], english, bool(row[2]), row[1], ("a", row[0]))
        for row in _sqlite_table(FTS_TABLE, "", match, f"{FTS_TABLE}.rowid")
    ]
    out += [
        (row[0], row[1], bool(row[4]), row[3], ("t", row[2]))
        for row in _sqlite_table(
            FTS_TRANSLATIONS,
            f"JOIN helpdesk_faqtranslation t ON t.id = {FTS_TRANSLATIONS}.rowid",
            match,
            "t.article_id, t.language, t.id",
        )
    ]
    return out


def _visible_ids(visible: Any, ids: list[int]) -> set[int]:
    """Which of ``ids`` (every match, possibly thousands) ``visible`` holds: one bound JSON array
    read by ``json_each`` rather than thousands of placeholders."""
    from django.db.models.expressions import RawSQL

    return set(
        visible.filter(pk__in=RawSQL("SELECT value FROM json_each(%s)", [json.dumps(ids)])).values_list(
            "pk", flat=True
        )
    )


def _pg_query(terms: tuple[str, ...]) -> Any:
    from django.contrib.postgres.search import SearchQuery

    return SearchQuery(" & ".join(f"'{t}':*" for t in terms), search_type="raw", config="simple")


def _pg_annotate(qs: Any, tsquery: Any) -> Any:
    from django.contrib.postgres.search import SearchRank, SearchVector

    vector = SearchVector("title", weight="A", config="simple") + SearchVector(
        "body", weight="B", config="simple"
    )
    return (
        qs.annotate(search=vector, title_vector=SearchVector("title", config="simple"))
        .filter(search=tsquery)
        .annotate(
            rank=SearchRank(vector, tsquery),
            title_hit=Case(
                When(title_vector=tsquery, then=Value(1)), default=Value(0), output_field=IntegerField()
            ),
        )
    )


def _postgres(visible: Any, terms: tuple[str, ...]) -> list[_Match]:
    tsquery = _pg_query(terms)
    english = settings.LANGUAGE_CODE
    out: list[_Match] = [
        (pk, english, bool(title_hit), -rank, ("a", pk))
        for pk, title_hit, rank in _pg_annotate(visible, tsquery).values_list("pk", "title_hit", "rank")
    ]
    translations = FaqTranslation.objects.filter(article__in=visible.values("pk"))
    out += [
        (article_id, language, bool(title_hit), -rank, ("t", pk))
        for pk, article_id, language, title_hit, rank in _pg_annotate(translations, tsquery).values_list(
            "pk", "article_id", "language", "title_hit", "rank"
        )
    ]
    return out


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
        FaqHit(article=a, snippet=snippet_html(a.body[:200]), title_match=bool(a.title_hit), title=a.title)
        for a in qs.select_related("owner")[:limit]
    ]


__all__ = [
    "FaqHit",
    "FaqQuery",
    "faq_search",
    "faq_search_counted",
    "faq_suggest",
    "parse",
    "reader_language",
    "with_translation",
]
