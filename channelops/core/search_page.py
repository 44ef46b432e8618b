"""The search results page of the console and the portal (one template, ``core/search.html``).

The console's and the portal's views call :func:`search_page` behind their own access decorator
(``staff_required``, ``partner_required``); what each person finds comes from the kinds
(channelops/core/search.py), which start from their models' ``visible_to(user)``.

``?q=`` searches every kind the person may search and shows the best few of each, grouped;
``?q=…&kind=KEY`` shows every match of one kind, a page at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from .navigation import CONSOLE
from .search import MAX_LENGTH, PAGE_SIZE, PREVIEW, KindResult, kinds_for, parse_query, search_kind

MAX_PAGE = 400  # 10,000 matches of one kind: refine the search beyond that


@dataclass(frozen=True)
class _Paginator:
    count: int
    num_pages: int


@dataclass(frozen=True)
class ResultPage:
    """The part of Django's ``Page`` the shell's ``{% pagination %}`` component reads."""

    number: int
    total: int
    size: int
    shown: int

    @property
    def paginator(self) -> _Paginator:
        return _Paginator(self.total, max(1, ceil(self.total / self.size)))

    def has_previous(self) -> bool:
        return self.number > 1

    def has_next(self) -> bool:
        return self.number < self.paginator.num_pages

    def has_other_pages(self) -> bool:
        return self.has_previous() or self.has_next()

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1

    def start_index(self) -> int:
        return (self.number - 1) * self.size + 1 if self.shown else 0

    def end_index(self) -> int:
        return (self.number - 1) * self.size + self.shown


def _page_number(raw: str) -> int:
    try:
        return min(max(int(raw), 1), MAX_PAGE)
    except ValueError:
        return 1


def search_page(request: HttpRequest, *, area: str) -> HttpResponse:
    user: Any = request.user
    query = parse_query(request.GET.get("q", ""))
    kinds = kinds_for(user, area)
    kind = next((k for k in kinds if k.key == request.GET.get("kind", "")), None)
    url = reverse("console:search" if area == CONSOLE else "portal:search")
    labels = {k.key: k.label_in(area) for k in kinds}
    context: dict[str, Any] = {
        "query": query,
        "kinds": [{"icon": k.icon, "label": labels[k.key], "fields": k.fields_in(area)} for k in kinds],
        "kind": kind,
        "kind_label": labels[kind.key] if kind else "",
        "search_query": query.text,
        "max_length": MAX_LENGTH,
        "search_page_url": url,
    }
    if query.ok and kind is not None:
        number = _page_number(request.GET.get("page", "1"))
        result = search_kind(kind, user, area, query, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
        if not result.hits and number > 1:  # past the last page: show the first
            number = 1
            result = search_kind(kind, user, area, query, limit=PAGE_SIZE)
        context |= {
            "result": result,
            "page": ResultPage(number, result.total, PAGE_SIZE, len(result.hits)),
            "querystring": urlencode({"q": query.text, "kind": kind.key}),
            "breadcrumbs": [
                {"label": _("Search"), "url": f"{url}?{urlencode({'q': query.text})}"},
                {"label": labels[kind.key]},
            ],
        }
    elif query.ok:
        results: list[KindResult] = [search_kind(k, user, area, query, limit=PREVIEW) for k in kinds]
        found = [r for r in results if r.total]
        context |= {
            "groups": [
                {
                    "result": r,
                    "label": labels[r.kind.key],
                    "more_url": f"{url}?{urlencode({'q': query.text, 'kind': r.kind.key})}"
                    if r.total > len(r.hits)
                    else "",
                }
                for r in found
            ],
            "total": sum(r.total for r in found),
            "nothing_in": [labels[r.kind.key] for r in results if not r.total],
        }
    return render(request, "core/search.html", context)
