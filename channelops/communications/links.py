"""Signed tokens, the per-recipient placeholders and the public URLs of partner communications.

Every link in a mailing is personal and signed, so that it works without a session (the reader's
mail client has no cookie) and cannot be turned on another address or another link:

========================================  =====================================================
``/newsletter/u/<recipient token>/``      unsubscribe: GET shows the page, POST unsubscribes
                                          (RFC 8058 one-click POST ``List-Unsubscribe=One-Click``)
``/newsletter/p/<subscriber token>/``     preferences (topics, language)
``/newsletter/o/<recipient token>.gif``   open pixel
``/newsletter/c/<click token>/``          click: redirects to the mailing's link N, never elsewhere
``/newsletter/f/<feedback token>/``       one-click rating (1–5), then an optional comment
``/newsletter/confirm/<confirm token>/``  double opt-in confirmation (expires)
``/newsletter/archive/<slug>/``           the public web view (tracking off, no personal data)
========================================  =====================================================

A token is ``<id in base 36>-<HMAC>``: the HMAC (SHA-256 keyed from ``SECRET_KEY`` and the token's
purpose, 16 hex digits) covers the purpose, the id and, for subscriber tokens, the address. It is
computed with the standard library's ``hmac`` (a few microseconds), so a 50,000-recipient send signs
its links without slowing down. Tokens do not expire (a Partner Flash read a year later still
unsubscribes) except the confirmation token, which ``confirm_token`` makes with a timestamp.

The rendered HTML and text of a mailing carry ``{{ch:NAME}}`` placeholders that ``personalise``
replaces per recipient (the edition is rendered once, never per message).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from functools import lru_cache
from html import escape
from typing import Any

from django.conf import settings
from django.core import signing

#: Placeholders a rendered mailing may contain; ``personalise`` replaces each of them.
PLACEHOLDERS = (
    "greeting",  # "Hi Ana," or the generic greeting; HTML-escaped in the HTML part
    "unsubscribe_url",
    "preferences_url",
    "open_url",  # the tracking pixel's address (HTML only)
    "web_url",  # the archive's web view of the mailing (or "" when it is not public)
    "feedback_url:N",  # N = 1..5
    "link:N",  # the click address of MailingLink position N
)
_PLACEHOLDER_RE = re.compile(r"\{\{ch:([a-z_]+)(?::(\d+))?\}\}")

PUBLIC_PREFIX = "/newsletter"


@lru_cache(maxsize=16)
def _key(purpose: str) -> bytes:
    return hashlib.sha256(f"channelops.communications:{purpose}:{settings.SECRET_KEY}".encode()).digest()


def _mac(purpose: str, message: str) -> str:
    return hmac.new(_key(purpose), f"{purpose}:{message}".encode(), hashlib.sha256).hexdigest()[:16]


def _b36(n: int) -> str:
    if n < 0:
        raise ValueError("ids are positive")
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def make_token(purpose: str, ident: int, extra: str = "") -> str:
    """``<id base 36>-<HMAC of purpose, id and extra>``."""
    b = _b36(ident)
    return f"{b}-{_mac(purpose, f'{b}:{extra}')}"


def read_token(purpose: str, token: str, extra: Callable[[int], str | None] | None = None) -> int | None:
    """The id in ``token`` when its HMAC is right for ``purpose`` (and for ``extra(id)``, e.g. the
    subscriber's address: None when the row is gone); None for anything else."""
    b, sep, mac = (token or "").partition("-")
    if not sep or not b or len(mac) != 16 or not b.isalnum() or len(b) > 13:
        return None
    try:
        ident = int(b, 36)
    except ValueError:
        return None
    ext = ""
    if extra is not None:
        value = extra(ident)
        if value is None:
            return None
        ext = value
    if not hmac.compare_digest(mac, _mac(purpose, f"{b}:{ext}")):
        return None
    return ident


# Recipient tokens (one mailing's message to one address)


def recipient_token(recipient_id: int, purpose: str = "recipient") -> str:
    return make_token(purpose, recipient_id)


def read_recipient_token(token: str, purpose: str = "recipient") -> int | None:
    return read_token(purpose, token)


def click_token(recipient_id: int, position: int) -> str:
    """Signs recipient and link together: changing either is refused."""
    return make_token("click", recipient_id, str(position)) + f"-{position}"


def read_click_token(token: str) -> tuple[int, int] | None:
    head, sep, pos = (token or "").rpartition("-")
    if not sep or not pos.isdigit() or len(pos) > 6:
        return None
    rid = read_token("click", head, extra=lambda _rid: pos)
    return (rid, int(pos)) if rid is not None else None


def feedback_token(recipient_id: int, rating: int) -> str:
    return make_token("feedback", recipient_id, str(rating)) + f"-{rating}"


def read_feedback_token(token: str) -> tuple[int, int] | None:
    head, sep, rating = (token or "").rpartition("-")
    if not sep or rating not in {"1", "2", "3", "4", "5"}:
        return None
    rid = read_token("feedback", head, extra=lambda _rid: rating)
    return (rid, int(rating)) if rid is not None else None


# Subscriber tokens (the person, whatever mailing): bound to the address as well as the row


def subscriber_token(subscriber_id: int, email: str, purpose: str = "preferences") -> str:
    return make_token(purpose, subscriber_id, email.strip().lower())


def read_subscriber_token(
    token: str, email_of: Callable[[int], str | None], purpose: str = "preferences"
) -> int | None:
    """``email_of(id)`` returns the subscriber's current address (None when there is none): a token
    made for another address, or for a row whose address changed, is refused."""
    return read_token(purpose, token, extra=lambda sid: (email_of(sid) or "").strip().lower() or None)


def confirm_token(subscriber_id: int, email: str) -> str:
    """The double opt-in link's token: signed and timestamped (``CHANNELOPS_COMMS_CONFIRM_HOURS``)."""
    return signing.dumps(
        [subscriber_id, email.strip().lower()], salt="channelops.communications.confirm", compress=True
    )


def read_confirm_token(token: str) -> tuple[int, str] | None:
    max_age = settings.COMMS_CONFIRM_HOURS * 3600
    try:
        sid, email = signing.loads(token, salt="channelops.communications.confirm", max_age=max_age)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return int(sid), str(email)


# Addresses


def site_url() -> str:
    return settings.SITE_URL.rstrip("/")


def unsubscribe_url(recipient_id: int) -> str:
    return f"{site_url()}{PUBLIC_PREFIX}/u/{recipient_token(recipient_id)}/"


def preferences_url(subscriber_id: int, email: str) -> str:
    return f"{site_url()}{PUBLIC_PREFIX}/p/{subscriber_token(subscriber_id, email)}/"


def open_url(recipient_id: int) -> str:
    return f"{site_url()}{PUBLIC_PREFIX}/o/{recipient_token(recipient_id, 'open')}.gif"


def click_url(recipient_id: int, position: int) -> str:
    return f"{site_url()}{PUBLIC_PREFIX}/c/{click_token(recipient_id, position)}/"


def feedback_url(recipient_id: int, rating: int) -> str:
    return f"{site_url()}{PUBLIC_PREFIX}/f/{feedback_token(recipient_id, rating)}/"


def confirm_url(subscriber_id: int, email: str) -> str:
    return f"{site_url()}{PUBLIC_PREFIX}/confirm/{confirm_token(subscriber_id, email)}/"


def archive_url(slug: str) -> str:
    return f"{site_url()}{PUBLIC_PREFIX}/archive/{slug}/" if slug else ""


def _domain() -> str:
    return settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "channelops"


def message_id(mailing_id: int, recipient_id: int) -> str:
    """The stable Message-ID of one recipient's message: the same on every attempt and after a
    restart, so receivers can de-duplicate the messages in flight when a send was killed."""
    return f"<comm.{mailing_id}.{recipient_id}@{_domain()}>"


def unsubscribe_mailto(recipient_id: int) -> str:
    """The ``mailto:`` of ``List-Unsubscribe``: the inbound mailbox's address with the token in the
    subject (the inbound component routes it to the unsubscribe handler)."""
    address = settings.COMMS_UNSUBSCRIBE_ADDRESS
    if not address:
        return ""
    return f"mailto:{address}?subject=unsubscribe%20{recipient_token(recipient_id, 'mailto')}"


def verp_address(recipient_id: int) -> str:
    """The envelope sender (return path) of one recipient's message: ``local+<token>@domain`` of
    ``CHANNELOPS_COMMS_BOUNCE_ADDRESS`` (DSNs come back to it and name the recipient); empty when
    no bounce address is set (the default From is used)."""
    address = settings.COMMS_BOUNCE_ADDRESS
    if not address or "@" not in address:
        return ""
    local, _, domain = address.rpartition("@")
    return f"{local}+{recipient_token(recipient_id, 'verp')}@{domain}"


def read_verp(address: str) -> int | None:
    """The recipient id of a VERP address this installation made, or None."""
    base = settings.COMMS_BOUNCE_ADDRESS
    if not base or "@" not in base or not address:
        return None
    local, _, domain = base.lower().rpartition("@")
    addr = address.strip().strip("<>").lower()
    a_local, _, a_domain = addr.rpartition("@")
    if a_domain != domain or not a_local.startswith(local + "+"):
        return None
    return read_recipient_token(a_local[len(local) + 1 :], "verp")


# Per-recipient substitution


def personalise(template: str, values: dict[str, Any], *, html: bool) -> str:
    """Replace the ``{{ch:…}}`` placeholders of ``template`` with ``values``.

    ``values`` maps a name (``greeting``, ``unsubscribe_url``…) or ``name:N`` (``link:3``,
    ``feedback_url:5``) to its text; URLs are used as they are (they contain no characters that
    need escaping), the greeting is HTML-escaped in the HTML part. An unknown placeholder becomes
    empty text (never a raw ``{{ch:…}}`` in a partner's inbox).
    """

    def repl(m: re.Match[str]) -> str:
        name, n = m.group(1), m.group(2)
        value = values.get(f"{name}:{n}" if n else name, "")
        if callable(value):
            value = value()
        value = str(value)
        return escape(value) if html and name == "greeting" else value

    return _PLACEHOLDER_RE.sub(repl, template)


def recipient_values(
    *,
    recipient_id: int,
    subscriber_id: int | None,
    email: str,
    greeting: str,
    link_positions: list[int],
    web: str = "",
    tracking: bool = True,
) -> dict[str, Any]:
    """The placeholder values of one recipient's message (``personalise``). With ``tracking`` off
    (test sends, the archive) the links are the plain addresses and there is no pixel: callers then
    pass ``link_positions`` as ``[]`` and give ``link:N`` themselves."""
    values: dict[str, Any] = {
        "greeting": greeting,
        "unsubscribe_url": unsubscribe_url(recipient_id),
        "preferences_url": preferences_url(subscriber_id, email)
        if subscriber_id
        else unsubscribe_url(recipient_id),
        "open_url": open_url(recipient_id) if tracking else "",
        "web_url": web,
    }
    for rating in range(1, 6):
        values[f"feedback_url:{rating}"] = feedback_url(recipient_id, rating)
    for pos in link_positions:
        values[f"link:{pos}"] = click_url(recipient_id, pos)
    return values
