"""Writes of inbound e-mail (docs/inbound-email.md): store a raw message once, route stored messages
through the handler registry, retry and discard dead letters.

Storing and routing are separate steps, each its own transaction: a message is committed before any
source (IMAP, a webhook) is told it arrived, and routing picks up every ``received`` message — so a
process killed between the two routes it once after restart.
"""

from __future__ import annotations

import hashlib
import logging
import traceback
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import InboundMessage, InboundStatus
from .parsing import ParseError, parse, summary_headers
from .registry import handlers

log = logging.getLogger(__name__)
ERROR_CHARS = 8000


def _test_hook(name: str) -> None:
    """Test hook (tests/test_inbound_crash.py): ``CHANNELOPS_INBOUND_TEST_PAUSE=<name>`` makes the
    process stop at that point (until killed), e.g. "after_store"."""
    import os

    if os.environ.get("CHANNELOPS_INBOUND_TEST_PAUSE") == name and not settings.PRODUCTION:
        import sys
        import time

        sys.stderr.write(f"paused at {name}\n")
        sys.stderr.flush()
        marker = os.environ.get("CHANNELOPS_INBOUND_TEST_MARKER")
        if marker:
            with open(marker, "w") as fh:
                fh.write(name)
        while True:
            time.sleep(1)


def inbound_store(*, raw: bytes, source: str) -> tuple[InboundMessage, bool]:
    """Store ``raw`` once; returns (record, created). The same bytes again, or the same Message-ID
    from the same sender with the same subject, is a duplicate: the existing record, nothing written."""
    if not isinstance(raw, bytes):
        raise ValidationError(_("A raw message is bytes."))
    digest = hashlib.sha256(raw).hexdigest()
    existing = InboundMessage.objects.filter(sha256=digest).first()
    if existing is not None:
        return existing, False
    message_id, sender, subject = summary_headers(raw)
    if message_id:
        same = InboundMessage.objects.filter(message_id=message_id, sender=sender, subject=subject).first()
        if same is not None:
            return same, False
    try:
        with transaction.atomic():
            record = InboundMessage.objects.create(
                raw=raw,
                size=len(raw),
                sha256=digest,
                message_id=message_id,
                sender=sender,
                subject=subject,
                source=source[:200],
            )
    except IntegrityError:  # stored meanwhile by another process
        return InboundMessage.objects.get(sha256=digest), False
    return record, True


def _summary(exc: BaseException) -> str:
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__, limit=12))
    return text[-ERROR_CHARS:]


def inbound_route(record: InboundMessage | int) -> InboundMessage:
    """Route one ``received`` message, in its own transaction: the first handler that takes it wins
    (routed; automated mail: ignored); none takes it, it is too large, it cannot be parsed or a
    handler raises: a dead letter with the reason. Anything but ``received`` is left as it is."""
    pk = record.pk if isinstance(record, InboundMessage) else record
    with transaction.atomic():
        # The claim: one conditional UPDATE takes the row (and on SQLite the write lock) for this
        # transaction; a second router waits, then finds it no longer ``received``.
        claimed = InboundMessage.objects.filter(pk=pk, status=InboundStatus.RECEIVED).update(
            attempts=F("attempts") + 1
        )
        msg = InboundMessage.objects.get(pk=pk)
        if not claimed:
            return msg
        _route(msg)
        msg.save(update_fields=["status", "handler", "error", "routed_at", "automated", "attempts"])
    return msg


def _dead(msg: InboundMessage, reason: str) -> None:
    msg.status, msg.error, msg.handler = InboundStatus.DEAD, reason[:ERROR_CHARS], ""
    log.warning("inbound message %s is a dead letter: %s", msg.pk, reason.splitlines()[0] if reason else "")


def _route(msg: InboundMessage) -> None:
    raw = bytes(msg.raw)
    limit = settings.INBOUND_MAX_BYTES
    if len(raw) > limit:
        return _dead(
            msg,
            f"Too large: {len(raw):,} bytes, above the limit of {limit:,} bytes "
            "(CHANNELOPS_INBOUND_MAX_BYTES). The raw source is kept here.",
        )
    try:
        parsed = parse(raw)
    except ParseError as exc:
        return _dead(msg, f"Could not parse: {exc}")
    msg.automated = parsed.automated
    for handler in handlers():
        sid = transaction.savepoint()
        try:
            took = handler.func(parsed, msg)
        except Exception as exc:
            transaction.savepoint_rollback(sid)
            return _dead(msg, f"Handler {handler.name!r} failed:\n{_summary(exc)}")
        transaction.savepoint_commit(sid)
        if took:
            msg.status = InboundStatus.IGNORED if parsed.automated else InboundStatus.ROUTED
            msg.handler, msg.error, msg.routed_at = handler.name, "", timezone.now()
            return None
    if parsed.automated:
        msg.status, msg.handler, msg.routed_at = InboundStatus.IGNORED, "", timezone.now()
        msg.error = f"Automated ({parsed.automated_reason}): dropped, never answered."
        return None
    return _dead(msg, "No handler took this message.")


@dataclass
class RouteResult:
    routed: int = 0
    ignored: int = 0
    dead: int = 0

    @property
    def total(self) -> int:
        return self.routed + self.ignored + self.dead


def inbound_route_pending(*, limit: int | None = None, progress: Any = None) -> RouteResult:
    """Route every ``received`` message, oldest first (each in its own transaction)."""
    result = RouteResult()
    ids = list(
        InboundMessage.objects.filter(status=InboundStatus.RECEIVED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if limit is not None:
        ids = ids[:limit]
    for n, pk in enumerate(ids, 1):
        msg = inbound_route(pk)
        if msg.status == InboundStatus.ROUTED:
            result.routed += 1
        elif msg.status == InboundStatus.IGNORED:
            result.ignored += 1
        elif msg.status == InboundStatus.DEAD:
            result.dead += 1
        if progress is not None:
            progress(n, len(ids))
    return result


def inbound_receive(*, raw: bytes, source: str) -> InboundMessage:
    """Store and route at once (the webhook and ``channelops inbound ingest``)."""
    record, created = inbound_store(raw=raw, source=source)
    _test_hook("after_store")
    return inbound_route(record) if created else record


def _require_dead(msg: InboundMessage) -> None:
    if msg.status != InboundStatus.DEAD:
        raise ValidationError(_("Only a dead letter can be retried or discarded."))


def inbound_retry(*, message: InboundMessage) -> InboundMessage:
    """Route a dead letter again (after a fix, or a handler that was missing)."""
    _require_dead(message)
    InboundMessage.objects.filter(pk=message.pk, status=InboundStatus.DEAD).update(
        status=InboundStatus.RECEIVED
    )
    return inbound_route(message.pk)


def inbound_discard(*, message: InboundMessage) -> InboundMessage:
    """Put a dead letter aside for good (its raw source stays)."""
    _require_dead(message)
    InboundMessage.objects.filter(pk=message.pk).update(status=InboundStatus.DISCARDED)
    message.refresh_from_db()
    return message
