"""The handlers inbound e-mail is routed to (docs/inbound-email.md, "Handlers").

An app above registers in its ``AppConfig.ready``::

    from channelops.inbound.registry import register_handler
    register_handler("helpdesk", helpdesk_inbound, order=100)

A handler is called as ``func(parsed, record)`` — a :class:`~channelops.inbound.parsing.ParsedMessage`
and the stored :class:`~channelops.inbound.models.InboundMessage` — inside the routing transaction
of that one message. It returns True when it took the message; False or None means "not mine" and
the next handler is asked (ascending ``order``, then name). The first that takes it wins. A handler
that raises rolls back its own writes and makes the message a dead letter with the traceback; it
must therefore be idempotent for a retry. Automated messages (``parsed.automated``: auto-replies,
bounces) are offered too — a bounce handler wants them — and must never be answered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Handler = Callable[[Any, Any], bool | None]


@dataclass(frozen=True)
class RegisteredHandler:
    name: str
    func: Handler
    order: int


_HANDLERS: dict[str, RegisteredHandler] = {}


def register_handler(name: str, func: Handler, *, order: int = 100) -> None:
    """Register (or replace, by name) a handler."""
    if not name or len(name) > 100:
        raise ValueError("a handler needs a name of at most 100 characters")
    _HANDLERS[name] = RegisteredHandler(name=name, func=func, order=order)


def unregister_handler(name: str) -> None:
    _HANDLERS.pop(name, None)


def handlers() -> list[RegisteredHandler]:
    return sorted(_HANDLERS.values(), key=lambda h: (h.order, h.name))
