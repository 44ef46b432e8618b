"""What needs a partner's attention: features register items for the portal dashboard.

Each provider receives the partner and the person and returns a list of ``Attention`` items
(title, detail, link). Providers must run a constant number of queries whatever the data size.
The registry lives in core so feature apps register items without importing the portal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Attention:
    title: str
    detail: str
    url: str


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
    return items
