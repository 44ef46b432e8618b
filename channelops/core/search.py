"""The global search: feature apps register what can be found; the console and portal ask them all.

**Registry.** In ``AppConfig.ready`` an app calls ``register_search_kind(SearchKind(...))``: its model,
the words a record is found by (``document``), how a found record shows (``hit``), and, optionally,
the rows a person may see (``rows``; by default ``Model.objects.visible_to(user)``), identifiers
matched exactly (``exact``, ranked first; ``lookup``, found even when the words differ: ``NFR-123``
is request 123) and the permission the kind's console pages check (``perm``). Core knows no
feature: everything about a kind is in the app that registers it. What kinds share is a helper
at the end of this module (``number_lookup``, ``email_exact``, ``join_parts``, ``area_url``,
``status_hit``), given the few things that differ.

**Index.** One table, :class:`~channelops.core.models.SearchDocument` (kind, record key, words).
Registering a kind connects ``post_save``/``post_delete`` of its model, so a created, renamed or
deleted record is found (or not) at once, in the same transaction. ``QuerySet.update()`` and
``bulk_create`` send no signals: code that renames records that way calls :func:`index_records`,
and ``channelops search_index`` rebuilds everything (``migrate`` builds an empty index once).

**Full text.** The words are normalised here (lower case, accents removed, split into letters and
digits), so both databases see the same plain words: SQLite matches them with an FTS5 table,
PostgreSQL with ``to_tsvector('simple', words) @@ to_tsquery(...)`` and a GIN index. Every term of
a search must match the start of a word (``acm`` finds *Acme*); punctuation, quotes and operators
typed by people are never passed to the database's query language.

**Query.** One query per kind: the kind's visible rows whose key is among the matching documents
(or that an identifier names), exact identifiers first, with the total number of matches in the
same query (``COUNT(*) OVER ()``). A person never sees a kind whose pages they may not open.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import BigIntegerField, Case, Count, Q, QuerySet, UUIDField, Value, When, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.db.models.signals import post_delete, post_save
from django.urls import reverse
from django.utils.translation import gettext as _

from .navigation import CONSOLE, PORTAL

MIN_LENGTH = 2
MAX_LENGTH = 100
MAX_TERMS = 8
MAX_WORDS = 2000  # words kept per record (long descriptions are cut)
PREVIEW = 5  # hits per kind on the results page
PAGE_SIZE = 25  # hits per page when one kind is shown


@dataclass(frozen=True)
class SearchHit:
    """One found record, as the results page shows it."""

    title: str
    url: str
    subtitle: str = ""
    status: str = ""  # a status value for {% status_badge %}
    status_label: Any = ""
    status_kind: str = ""


@dataclass(frozen=True)
class SearchKind:
    """What a feature app makes searchable (see the module docstring)."""

    key: str
    label: Any  # plural, lazy translated: "Partners"
    model: Any
    document: Callable[[Any], Iterable[Any]]  # record -> the values it is found by
    hit: Callable[[Any, str], SearchHit]  # (record, area) -> how it shows
    fields: Any = ""  # what it is found by, for the results page: "name, domain, CRM id"
    icon: str = "search"
    rows: Callable[[Any, str], QuerySet] | None = None  # (user, area) -> visible rows
    exact: Callable[[str], Q | None] | None = None  # query text -> records matched exactly (ranked first)
    lookup: Callable[[str], Q | None] | None = None  # query text -> records named by an identifier (pk)
    ordering: tuple[str, ...] = ("pk",)
    areas: frozenset[str] = frozenset({CONSOLE, PORTAL})
    perm: str | None = None  # console: the permission the kind's pages check
    index_rows: Callable[[], QuerySet] | None = None  # rebuild: every record, with what document() reads
    order: int = 100
    portal_label: Any = None  # the portal's words, when they differ ("Your company")
    portal_fields: Any = None

    def label_in(self, area: str) -> Any:
        return self.portal_label if area == PORTAL and self.portal_label else self.label

    def fields_in(self, area: str) -> Any:
        return self.portal_fields if area == PORTAL and self.portal_fields else self.fields

    def visible_rows(self, user: Any, area: str) -> QuerySet:
        if self.rows is not None:
            return self.rows(user, area)
        return self.model._default_manager.visible_to(user)

    def available_to(self, user: Any, area: str) -> bool:
        if area not in self.areas:
            return False
        return not (area == CONSOLE and self.perm and not user.has_perm(self.perm))

    def all_rows(self) -> QuerySet:
        return self.index_rows() if self.index_rows is not None else self.model._default_manager.all()


_KINDS: dict[str, SearchKind] = {}


def register_search_kind(kind: SearchKind) -> SearchKind:
    """Add (or replace, by key) a search kind and keep its documents current on save and delete."""
    _KINDS[kind.key] = kind
    uid = f"channelops.search:{kind.key}"
    post_save.connect(_on_save, sender=kind.model, weak=False, dispatch_uid=uid)
    post_delete.connect(_on_delete, sender=kind.model, weak=False, dispatch_uid=uid)
    return kind


def search_kinds() -> list[SearchKind]:
    return sorted(_KINDS.values(), key=lambda k: (k.order, k.key))


def get_search_kind(key: str) -> SearchKind | None:
    return _KINDS.get(key)


def kinds_for(user: Any, area: str) -> list[SearchKind]:
    """The kinds ``user`` may search in ``area`` (the console checks each kind's permission)."""
    return [k for k in search_kinds() if k.available_to(user, area)]


# --- words ---------------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+")


def normalize(text: str) -> str:
    """Lower case without accents (``Müller`` → ``muller``), the same for documents and queries."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[str]:
    """The words of ``text``: runs of letters and digits (``anna@acme.example`` → anna acme example)."""
    return _WORD.findall(normalize(text))


def document_words(values: Iterable[Any]) -> str:
    """The indexed text of a record: its values' words, each once, space-separated."""
    seen: dict[str, None] = {}
    for value in values:
        if value is None or value == "":
            continue
        for word in words(str(value)):
            seen.setdefault(word, None)
            if len(seen) >= MAX_WORDS:
                return " ".join(seen)
    return " ".join(seen)


@dataclass(frozen=True)
class SearchQuery:
    """A person's search, checked: ``terms`` are what the database matches; ``error`` says why not."""

    text: str = ""
    terms: tuple[str, ...] = ()
    error: str = ""

    @property
    def empty(self) -> bool:
        return not self.text

    @property
    def ok(self) -> bool:
        return bool(self.terms) and not self.error


def parse_query(raw: Any) -> SearchQuery:
    """Check what was typed: 2 to 100 characters with at least one word; punctuation is dropped."""
    text = " ".join(str(raw or "").split())
    if not text:
        return SearchQuery()
    if len(text) > MAX_LENGTH:
        return SearchQuery(
            text=text[:MAX_LENGTH],
            error=_(
                "A search is at most %(n)d characters long: shorten it to a name, an e-mail address or an identifier."
            )
            % {"n": MAX_LENGTH},
        )
    if len(text) < MIN_LENGTH:
        return SearchQuery(text=text, error=_("Type at least %(n)d characters.") % {"n": MIN_LENGTH})
    terms = list(dict.fromkeys(words(text)))
    if not terms:
        return SearchQuery(
            text=text,
            error=_("Search for names, e-mail addresses or identifiers: punctuation alone finds nothing."),
        )
    longer = [t for t in terms if len(t) > 1]
    terms = (longer or terms)[:MAX_TERMS]
    return SearchQuery(text=text, terms=tuple(terms))


# --- the index -----------------------------------------------------------------------------------


def _key(pk: Any) -> str:
    """A record's key in the index: the primary key as the database compares it after a cast."""
    return pk.hex if isinstance(pk, uuid.UUID) else str(pk)


def _documents(kind: SearchKind, records: Iterable[Any]) -> list[Any]:
    from .models import SearchDocument

    return [
        SearchDocument(kind=kind.key, object_key=_key(r.pk), words=document_words(kind.document(r)))
        for r in records
    ]


def _write(docs: list[Any]) -> None:
    from django.utils import timezone

    from .models import SearchDocument

    now = timezone.now()
    for doc in docs:
        doc.updated_at = now
    SearchDocument.objects.bulk_create(
        docs,
        update_conflicts=True,
        unique_fields=["kind", "object_key"],
        update_fields=["words", "updated_at"],
    )


def index_records(records: Iterable[Any]) -> None:
    """Write the documents of ``records`` (any registered model) — after ``update()``/``bulk_create``."""
    records = list(records)
    for kind in _KINDS.values():
        mine = [r for r in records if isinstance(r, kind.model)]
        if mine:
            _write(_documents(kind, mine))


def _on_save(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw:  # fixtures and serialized test data carry their documents with them
        return
    for kind in _KINDS.values():
        if kind.model is sender:
            _write(_documents(kind, [instance]))


def _on_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    from .models import SearchDocument

    keys = [k.key for k in _KINDS.values() if k.model is sender]
    SearchDocument.objects.filter(kind__in=keys, object_key=_key(instance.pk)).delete()


Progress = Callable[[str, int, int], None]


def _chunks(qs: QuerySet, size: int) -> Iterator[list[Any]]:
    last: Any = None
    while True:
        page = qs.order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        rows = list(page[:size])
        if not rows:
            return
        yield rows
        last = rows[-1].pk


def rebuild_index(
    keys: Iterable[str] | None = None, *, progress: Progress | None = None, batch: int = 1000
) -> dict[str, int]:
    """Rewrite the documents of the given kinds (default: all) from their records; returns counts."""
    from .models import SearchDocument

    chosen = [k for k in search_kinds() if keys is None or k.key in set(keys)]
    counts: dict[str, int] = {}
    for kind in chosen:
        qs = kind.all_rows()
        total = qs.count()
        done = 0
        if progress:
            progress(str(kind.label), 0, total)
        with transaction.atomic():
            SearchDocument.objects.filter(kind=kind.key).delete()
            for rows in _chunks(qs, batch):
                _write(_documents(kind, rows))
                done += len(rows)
                if progress:
                    progress(str(kind.label), done, total)
        counts[kind.key] = done
    return counts


def ensure_index(using: str = "default") -> dict[str, int]:
    """Build the index when it is empty while searchable records exist (after the upgrade that
    added search, or a restore without it). Runs after ``migrate``."""
    from .models import SearchDocument

    if SearchDocument.objects.using(using).exists():
        return {}
    missing = [k.key for k in search_kinds() if k.all_rows().using(using).exists()]
    return rebuild_index(missing) if missing else {}


# --- matching ------------------------------------------------------------------------------------

FTS_TABLE = "core_searchdocument_fts"
FTS_SQL = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # noqa: S608 (constants only)


def _matching_documents(kind: SearchKind, terms: tuple[str, ...]) -> QuerySet:
    """The documents of ``kind`` holding a word that starts with each term (the database's full text)."""
    from .models import SearchDocument

    docs = SearchDocument.objects.filter(kind=kind.key)
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery as PgQuery
        from django.contrib.postgres.search import SearchVector

        tsquery = " & ".join(f"'{t}':*" for t in terms)  # terms are letters and digits only
        return docs.annotate(search_vector=SearchVector("words", config="simple")).filter(
            search_vector=PgQuery(tsquery, search_type="raw", config="simple")
        )
    if connection.vendor == "sqlite":
        match = " AND ".join(f'"{t}"*' for t in terms)  # quoted: AND, NEAR, * are plain words here
        # The table name is a constant and the match expression a bound parameter.
        return docs.filter(id__in=RawSQL(FTS_SQL, (match,)))  # noqa: S611
    # Another database: every term somewhere in the words (no full-text index).
    for t in terms:
        docs = docs.filter(Q(words__startswith=t) | Q(words__contains=" " + t))
    return docs


def _keys(kind: SearchKind, docs: QuerySet) -> QuerySet:
    """The matching documents' record keys, as the kind's primary key (an integer or a UUID)."""
    output = UUIDField() if isinstance(kind.model._meta.pk, UUIDField) else BigIntegerField()
    return docs.annotate(record=Cast("object_key", output)).values("record")


@dataclass
class KindResult:
    kind: SearchKind
    hits: list[SearchHit] = field(default_factory=list)
    total: int = 0


def search_kind(
    kind: SearchKind, user: Any, area: str, query: SearchQuery, *, offset: int = 0, limit: int = PREVIEW
) -> KindResult:
    """The ``limit`` best matches of one kind that ``user`` may see, and how many there are (one query)."""
    if not query.ok:
        return KindResult(kind)
    cond = Q(pk__in=_keys(kind, _matching_documents(kind, query.terms)))
    named = kind.lookup(query.text) if kind.lookup else None
    if named is not None:
        cond |= named
    exact = kind.exact(query.text) if kind.exact else None
    first = exact | named if exact is not None and named is not None else exact or named
    rank: Any = Case(When(first, then=Value(1)), default=Value(0)) if first is not None else Value(0)
    qs = (
        kind.visible_rows(user, area)
        .filter(cond)
        .annotate(search_rank=rank, search_total=Window(Count("pk")))
        .order_by("-search_rank", *kind.ordering)
    )
    rows = list(qs[offset : offset + limit])
    total = rows[0].search_total if rows else 0
    return KindResult(kind, [kind.hit(r, area) for r in rows], total)


def search(user: Any, area: str, query: SearchQuery, *, limit: int = PREVIEW) -> list[KindResult]:
    """Every kind ``user`` may search in ``area``, with its best matches (one query per kind)."""
    return [search_kind(k, user, area, query, limit=limit) for k in kinds_for(user, area)]


# --- helpers for the kinds' ``lookup`` and ``exact`` ---------------------------------------------

_NUMBER = re.compile(r"^#?0*(\d{1,12})$")


def number_in(text: str, prefix: str = "") -> int | None:
    """``123``, ``#123`` or (with ``prefix="NFR"``) ``NFR-000123`` / ``nfr123`` → 123."""
    t = text.strip()
    if prefix and t.upper().startswith(prefix.upper()):
        t = t[len(prefix) :].lstrip("-# ")
    m = _NUMBER.match(t)
    return int(m.group(1)) if m and int(m.group(1)) > 0 else None


def uuid_in(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        return None


def looks_like_email(text: str) -> bool:
    return "@" in text and " " not in text.strip()


def number_lookup(prefix: str = "") -> Callable[[str], Q | None]:
    """A kind's ``lookup`` by record number: ``#123`` names record 123 (with ``prefix="NFR"``:
    ``NFR-000123`` or ``nfr123``)."""

    def lookup(text: str) -> Q | None:
        named = text.upper().startswith(prefix.upper()) if prefix else text.strip().startswith("#")
        pk = number_in(text, prefix=prefix) if named else None
        return Q(pk=pk) if pk else None

    return lookup


def email_exact(field: str) -> Callable[[str], Q | None]:
    """A kind's ``exact``: an e-mail address typed whole matches ``field`` (case-insensitive)."""

    def exact(text: str) -> Q | None:
        return Q(**{f"{field}__iexact": text}) if looks_like_email(text) else None

    return exact


# --- helpers for the kinds' ``hit`` --------------------------------------------------------------


def join_parts(*parts: Any) -> str:
    """A hit's subtitle: the non-empty parts, separated by a middle dot."""
    return " · ".join(str(p) for p in parts if p)


def area_url(area: str, view: str, *args: Any) -> str:
    """The URL of ``view`` in the console or the portal (``console:<view>`` / ``portal:<view>``)."""
    return reverse(f"console:{view}" if area == CONSOLE else f"portal:{view}", args=args)


def status_hit(
    record: Any, area: str, *, view: str, title: str, subtitle: str, status_kind: str
) -> SearchHit:
    """How a record with a ``status`` field shows: its page in ``area`` (``view``, by primary key)
    and its status badge."""
    return SearchHit(
        title=title,
        url=area_url(area, view, record.pk),
        subtitle=subtitle,
        status=record.status,
        status_label=record.get_status_display(),
        status_kind=status_kind,
    )


def host_of(url: str) -> str:
    """``https://www.acme.example/path`` → ``acme.example`` (a partner's domain)."""
    from urllib.parse import urlsplit

    host = urlsplit(url if "//" in url else "//" + url).hostname or ""
    return host.removeprefix("www.")
