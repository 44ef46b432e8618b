"""Explicit hooks: how one app's business rule runs on another app's change.

The app that owns a change defines the hook next to its services (``<app>/hooks.py``) and its
service calls it inside its own transaction::

    # channelops/work/hooks.py
    work_item_changed = Hook("work_item_changed", "item, by, new")

    # channelops/work/services/items.py, inside the @transaction.atomic service
    hooks.work_item_changed.call(item=item, by=by, new=new)

An app that depends on the owner (here enablement, above work) registers a function in its
``AppConfig.ready``::

    from ..work.hooks import work_item_changed   # in channelops/enablement/awards.py
    work_item_changed.register(award_on_close)

Unlike a Django signal, the dependency is visible where it is made (the listening app imports
the owner's hook; the owner never imports the listener, so the layers hold), the functions run
in the order they were registered, every argument is a keyword, and an exception propagates to
the calling service, which rolls its transaction back: a hook function's writes commit or roll
back with the change that caused them. Heavy work belongs in the outbox or a task.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

HookFunction = Callable[..., Any]


class Hook:
    """One event of one owning app; the registered functions run when its service calls it."""

    def __init__(self, name: str, arguments: str = "") -> None:
        self.name = name
        self.arguments = arguments  # the keyword arguments every call passes, for the reader
        self._functions: dict[str, HookFunction] = {}

    def __repr__(self) -> str:
        return f"<Hook {self.name}({self.arguments})>"

    @staticmethod
    def _uid(fn: HookFunction) -> str:
        return f"{fn.__module__}.{getattr(fn, '__qualname__', repr(fn))}"

    def register(self, fn: HookFunction, *, uid: str | None = None) -> HookFunction:
        """Run ``fn(**kwargs)`` on every call. Registering the same function (or ``uid``) again
        replaces it in its place, so ``AppConfig.ready`` may run twice. Returns ``fn`` (usable as
        a decorator)."""
        self._functions[uid or self._uid(fn)] = fn
        return fn

    def unregister(self, fn: HookFunction | str) -> None:
        self._functions.pop(fn if isinstance(fn, str) else self._uid(fn), None)

    @contextmanager
    def registered(self, fn: HookFunction) -> Iterator[HookFunction]:
        """``fn`` registered for the ``with`` block only (tests)."""
        uid = f"{self._uid(fn)}@{id(fn)}"
        self.register(fn, uid=uid)
        try:
            yield fn
        finally:
            self.unregister(uid)

    @property
    def functions(self) -> list[HookFunction]:
        return list(self._functions.values())

    def call(self, **kwargs: Any) -> None:
        """Run every registered function, in registration order, with these keyword arguments.

        Call it inside the owning service's transaction; an exception is not caught.
        """
        for fn in list(self._functions.values()):
            fn(**kwargs)
