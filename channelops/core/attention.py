"""What needs a partner's attention: features register items for the portal dashboard.

Each provider receives the partner and the person and returns a list of ``Attention`` items
(title, detail, the link of the page that completes it). Providers must run a constant number of
queries whatever the data size. The registry lives in core so feature apps register items without
importing the portal; each feature app registers one provider per item kind from its own
``attention.py`` (``kind`` names it: tests and the page use it; ``due`` is a date to show).
The items are sorted: overdue and soonest due first, then in registration order.
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


Provider = Callable[[Any, Any], list[Attention]]
_PROVIDERS: list[Provider] = []


def register_attention(provider: Provider) -> Provider:
    """Add ``provider`` once (registering the same function again changes nothing)."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    return provider


def attention_for(partner: Any, user: Any) -> list[Attention]:
    items: list[Attention] = []
    for provider in _PROVIDERS:
        items.extend(provider(partner, user))
    # dated items first (soonest first); the sort is stable, so the rest keep the registry's order
    return sorted(items, key=lambda a: (a.due is None, a.due or date.min))
