"""Helpers of the audience tests: a sent mailing with a recipient, links read from e-mails."""

from __future__ import annotations

import re
from typing import Any

from channelops.communications.models import (
    Mailing,
    MailingKind,
    MailingStatus,
    Recipient,
    RecipientStatus,
    Subscriber,
    SubscriberSource,
    SubscriberStatus,
    Topic,
)


def subscriber(email: str = "reader@example.test", **kw: Any) -> Subscriber:
    defaults: dict[str, Any] = {
        "status": SubscriberStatus.SUBSCRIBED,
        "source": SubscriberSource.SIGNUP,
        "topics": [],
        "name": "Rea Der",
    }
    defaults.update(kw)
    return Subscriber.objects.create(email=email, **defaults)


_n = [0]


def mailing(topic: str = Topic.FLASH, **kw: Any) -> Mailing:
    _n[0] += 1
    defaults: dict[str, Any] = {
        "kind": MailingKind.SPECIAL,
        "topic": topic,
        "title": f"Partner news {_n[0]}",
        "status": MailingStatus.SENT,
    }
    defaults.update(kw)
    return Mailing.objects.create(**defaults)


def recipient(
    sub: Subscriber | None = None, *, email: str = "", m: Mailing | None = None, **kw: Any
) -> Recipient:
    m = m or mailing()
    address = email or (sub.email if sub else "reader@example.test")
    kw.setdefault("status", RecipientStatus.SENT)
    return Recipient.objects.create(mailing=m, subscriber=sub, email=address, **kw)


def link_in(text: str, path: str) -> str:
    """The first absolute link in ``text`` whose path starts with ``path``; its path part."""
    m = re.search(r"https?://[^/\s]+(" + re.escape(path) + r"[^\s\"<>]*)", text)
    assert m, f"no {path} link in {text!r}"
    return m.group(1)
