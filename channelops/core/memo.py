"""Reads shared by the parts of one read-only page (the portal home): inside :func:`read_memo`,
``memoized(key, compute)`` computes each key once; outside it, every call computes afresh.

Only for reads: a write inside the block would not be seen by the memoised answers."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_MEMO: ContextVar[dict[Hashable, object] | None] = ContextVar("channelops_read_memo", default=None)


@contextmanager
def read_memo() -> Iterator[None]:
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def memo_active() -> bool:
    return _MEMO.get() is not None


def memoized(key: Hashable, compute: Callable[[], T]) -> T:
    memo = _MEMO.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]  # type: ignore[return-value]
