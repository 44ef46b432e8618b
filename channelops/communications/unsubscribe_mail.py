"""Unsubscribing by e-mail: the ``mailto:`` of ``List-Unsubscribe`` (``links.unsubscribe_mailto``)
is ``COMMS_UNSUBSCRIBE_ADDRESS`` with ``unsubscribe <token>`` as the subject. ``unsubscribe_inbound``
is the inbound handler (order 30, before the help desk) that takes such messages and unsubscribes
the recipient the signed token names from everything (``Consent(unsubscribe, mailto)``).

A message to the address without a valid token is not taken: it becomes a dead letter staff look
at on the console (the sender's From alone is no proof: it is easily forged)."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings

from . import links
from .models import ConsentMethod, Recipient

_TOKEN_RE = re.compile(r"unsubscribe\s+([0-9a-z]{1,13}-[0-9a-f]{16})", re.IGNORECASE)
_ENVELOPE = ("delivered-to", "x-original-to", "envelope-to", "x-envelope-to")


def _addressed_to_us(parsed: Any) -> bool:
    ours = (settings.COMMS_UNSUBSCRIBE_ADDRESS or "").strip().lower()
    if not ours:
        return False
    seen = {a.lower() for a in [*parsed.to, *parsed.cc]}
    for name, value in parsed.headers:
        if name.lower() in _ENVELOPE:
            seen.update(a.strip("<> ").lower() for a in re.split(r"[,\s]+", value) if "@" in a)
    return ours in seen


def unsubscribe_inbound(parsed: Any, record: Any) -> bool:
    if parsed.automated or not _addressed_to_us(parsed):
        return False
    m = _TOKEN_RE.search(parsed.subject or "")
    rid = links.read_recipient_token(m.group(1).lower(), "mailto") if m else None
    recipient = Recipient.objects.filter(pk=rid).first() if rid is not None else None
    if recipient is None:
        return False
    from .consent import unsubscribe

    unsubscribe(recipient=recipient, method=ConsentMethod.MAILTO)
    return True
