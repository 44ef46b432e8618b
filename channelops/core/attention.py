"""What needs a partner's attention: features register items for the portal dashboard.

Each provider receives the partner and the person and returns a list of ``Attention`` items
(title, detail, the link of the page that completes it). Providers must run a constant number of
queries whatever the data size. The registry lives in core so feature apps register items without
importing the portal; each feature app registers one provider per item kind from its own
``attention.py`` (``kind`` names it: tests and the page use it; ``due`` is a date to show).
The items are sorted: overdue and soonest due first, then in registration order.

A provider may instead return an :class:`AttentionQuery`: its read projected to the shared columns
(``core.union.shaped``) and a function that makes the items of the rows. ``attention_for`` runs the
reads of every such provider as one query (``core.union.union_rows``), so the home's cost does not
grow with the number of item kinds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Attention:
    title: str
    detail: str
    url: str
    kind: str = ""
    due: date | None = None
    #: Short text of the link ("Answer", "Accept", "Renew"): what the person does there.
    action: str = ""


@dataclass(frozen=True)
class AttentionQuery:
    """A provider's read (a ``core.union.shaped`` queryset) and what makes its items of the rows
    (dicts of ``core.union.COLUMNS``, in no guaranteed order: ``render`` sorts them)."""

    queryset: Any
    render: Callable[[list[dict[str, Any]]], list[Attention]]


Provider = Callable[[Any, Any], "list[Attention] | AttentionQuery"]
_PROVIDERS: list[Provider] = []


def register_attention(provider: Provider) -> Provider:
    """Add ``provider`` once (registering the same function again changes nothing)."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    return provider


def attention_for(partner: Any, user: Any) -> list[Attention]:
    from .union import union_rows

    answers = [provider(partner, user) for provider in _PROVIDERS]
    queries = [a for a in answers if isinstance(a, AttentionQuery)]
    rows = iter(union_rows([q.queryset for q in queries]))  # one query for all of them
    items: list[Attention] = []
    for answer in answers:
        items.extend(answer.render(next(rows)) if isinstance(answer, AttentionQuery) else answer)
    # dated items first (soonest first); the sort is stable, so the rest keep the registry's order
    return sorted(items, key=lambda a: (a.due is None, a.due or date.min))
