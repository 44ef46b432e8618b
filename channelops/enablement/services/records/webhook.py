"""The learning system's webhook: the HMAC signature over ``<timestamp>.<raw body>``, its check, and
the records it sends (all or nothing).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from ...models import RecordSource
from .rows import ImportResult
from .writes import practitioner_records_import, records_from_payload

SIGNATURE_HEADER = "X-Channelops-Signature"
TIMESTAMP_HEADER = "X-Channelops-Timestamp"
WEBHOOK_TOLERANCE_SECONDS = 300
_TIMESTAMP_RE = re.compile(r"[0-9]{1,12}")


class WebhookRefused(Exception):
    """The signature or timestamp is wrong or missing (answered 401, nothing changes)."""


def webhook_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 with the shared secret over ``<timestamp>.<raw body>``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def webhook_verify(
    *, body: bytes, signature: str, timestamp: str, secret: str, now: float | None = None
) -> None:
    """Raise :class:`WebhookRefused` unless the signature is right and the timestamp recent."""
    if not signature or not timestamp:
        raise WebhookRefused(_("Missing signature or timestamp header."))
    # ASCII digits only, at most 12 (int() also takes "1_000", " 12", Arabic-Indic digits, and a
    # 309-digit number overflowed the float comparison below: an anonymous 500).
    if not _TIMESTAMP_RE.fullmatch(timestamp.strip()):
        raise WebhookRefused(_("The timestamp must be Unix seconds."))
    ts = int(timestamp.strip())
    now = time.time() if now is None else now
    if abs(now - ts) > WEBHOOK_TOLERANCE_SECONDS:
        raise WebhookRefused(_("The timestamp is more than 5 minutes away from the server's clock."))
    expected = webhook_signature(secret=secret, timestamp=timestamp.strip(), body=body)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise WebhookRefused(_("The signature does not match."))


def webhook_secret() -> str:
    return str(getattr(settings, "LEARNING_WEBHOOK_SECRET", "") or "")


def webhook_receive(*, items: Sequence[Mapping[str, Any]]) -> ImportResult:
    """Records sent by the learning system's webhook (signature already verified): all or nothing."""
    return practitioner_records_import(
        rows=records_from_payload(items), source=RecordSource.WEBHOOK, by=None, label="item"
    )
