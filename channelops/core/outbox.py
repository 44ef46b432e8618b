"""The outbox: side effects written with the change, delivered once by the worker.

Writers call :func:`outbox_enqueue` (or :func:`email_enqueue`) inside their
transaction. The worker calls :func:`outbox_deliver_due`, which claims rows one at
a time with a lease, runs the kind's handler and records the outcome; failures are
retried with exponential backoff and end as dead letters after
``OUTBOX_MAX_ATTEMPTS`` attempts (shown in the console, where staff can retry them).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from .emails import render_email
from .hooks import Hook
from .i18n import recipient_languages
from .models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

Handler = Callable[[OutboxMessage], None]
_HANDLERS: dict[str, Handler] = {}


def register_handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that performs outbox messages of ``kind``."""

    def deco(func: Handler) -> Handler:
        _HANDLERS[kind] = func
        return func

    return deco


def handlers() -> dict[str, Handler]:
    return dict(_HANDLERS)


def outbox_enqueue(*, kind: str, key: str, payload: dict[str, Any], topic: str = "") -> OutboxMessage:
    """Record a side effect in the current transaction; a second call with the same key is a no-op."""
    if kind not in _HANDLERS:
        raise ValueError(f"No outbox handler for kind {kind!r}")
    existing = OutboxMessage.objects.filter(idempotency_key=key).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            msg = OutboxMessage.objects.create(kind=kind, idempotency_key=key, payload=payload, topic=topic)
    except IntegrityError:
        return OutboxMessage.objects.get(idempotency_key=key)
    _kick_on_commit()
    return msg


def _kick_on_commit() -> None:
    """Enqueue one delivery task when the transaction commits (once per transaction)."""
    conn = transaction.get_connection()
    if conn.in_atomic_block and any(entry[1] is _kick_worker for entry in conn.run_on_commit):
        return
    transaction.on_commit(_kick_worker)


def _kick_worker() -> None:
    from .tasks import deliver_outbox

    try:
        deliver_outbox.enqueue()
    except Exception:  # the periodic sweep delivers it anyway
        log.warning("could not enqueue the outbox delivery task; the sweep will deliver", exc_info=True)


def email_enqueue(
    *,
    to: list[str] | str,
    template: str,
    context: dict[str, Any],
    key: str,
    topic: str = "",
    reply_to: str = "",
    language: str = "",
    headers: dict[str, str] | None = None,
    from_email: str = "",
) -> OutboxMessage:
    """Render an e-mail from templates now (so it reflects this moment) and queue it.

    Each recipient reads it in their own language (``core.i18n.recipient_languages``), or in
    ``language`` when given (an applicant who has no account yet). Recipients of one language
    share a message; when they speak several, one message per language is queued, each key
    suffixed with ``:<language>``, and the first (sorted by language) is returned.

    ``headers`` are extra e-mail headers (threading: ``In-Reply-To``, ``References``;
    ``Auto-Submitted``); ``from_email`` replaces ``DEFAULT_FROM_EMAIL``. The ``Message-ID`` is
    always ``message_id_for(key)``.
    """
    recipients = [to] if isinstance(to, str) else list(to)
    if language:
        groups = {language: recipients}
    else:
        langs = recipient_languages(recipients)
        groups = {}
        for address in recipients:
            groups.setdefault(langs.get(address, settings.LANGUAGE_CODE), []).append(address)
        if not groups:
            groups = {settings.LANGUAGE_CODE: recipients}
    messages = []
    for lang in sorted(groups):
        rendered = render_email(template, context, language=lang)
        payload: dict[str, Any] = {"to": groups[lang], **rendered}
        if reply_to:
            payload["reply_to"] = reply_to
        if from_email:
            payload["from"] = from_email
        extra = {k: v for k, v in (headers or {}).items() if k.lower() not in _RESERVED_HEADERS and v}
        if extra:
            payload["headers"] = extra
        lang_key = key if len(groups) == 1 else f"{key}:{lang}"
        messages.append(outbox_enqueue(kind="email", key=lang_key, payload=payload, topic=topic))
    return messages[0]


def email_partner_people(
    to: list[str], template: str, context: dict[str, Any], *, key: str, partner_id: int
) -> OutboxMessage | None:
    """Queue one e-mail to people of a partner, on the partner's topic: blank and repeated
    addresses are dropped and the rest sorted; nobody left, nothing is queued (returns None)."""
    recipients = sorted({a for a in to if a})
    if not recipients:
        return None
    return email_enqueue(
        to=recipients, template=template, context=context, key=key, topic=f"partner:{partner_id}"
    )


def message_id_for(key: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    domain = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "channelops"
    return f"<{digest}@{domain}>"


#: An ``email`` outbox message was handed to the mail server (the CRM sync logs those to partner
#: people as activities). Runs in the delivering worker, after the send.
email_delivered = Hook("email_delivered", "msg")


@register_handler("email")
def deliver_email(msg: OutboxMessage) -> None:
    send_email_message(msg)
    email_delivered.call(msg=msg)


#: Headers a payload's ``headers`` never set (the outbox owns them; CR/LF never reach a header).
_RESERVED_HEADERS = frozenset(
    {"message-id", "x-channelops-key", "to", "cc", "bcc", "from", "reply-to", "subject", "content-type"}
)


def _payload_headers(p: dict[str, Any]) -> dict[str, str]:
    out = {}
    for name, value in (p.get("headers") or {}).items():
        name, value = str(name), " ".join(str(value).split())
        if name.lower() in _RESERVED_HEADERS or not value or not name.replace("-", "").isalnum():
            continue
        out[name] = value
    return out


def send_email_message(msg: OutboxMessage) -> None:
    """Send the e-mail in ``msg.payload`` (to, subject, text, html, from, reply_to, headers,
    attachments)."""
    p = msg.payload
    email = EmailMultiAlternatives(
        subject=p["subject"],
        body=p["text"],
        from_email=p.get("from") or settings.DEFAULT_FROM_EMAIL,
        to=p["to"],
        reply_to=[p["reply_to"]] if p.get("reply_to") else None,
        headers={
            **_payload_headers(p),
            "Message-ID": message_id_for(msg.idempotency_key),
            "X-Channelops-Key": msg.idempotency_key,
        },
    )
    if p.get("html"):
        email.attach_alternative(p["html"], "text/html")
    for att in p.get("attachments", []):
        email.attach(att["filename"], att["content"], att.get("mimetype", "application/octet-stream"))
    email.send(fail_silently=False)


def _due_filter(now):
    return Q(status=OutboxStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=OutboxStatus.SENDING, lease_until__lt=now
    )


def _claim_next(exclude: set[int]) -> OutboxMessage | None:
    """Claim one due row with a lease; a conditional UPDATE makes the claim safe across workers."""
    now = timezone.now()
    candidates = (
        OutboxMessage.objects.filter(_due_filter(now))
        .exclude(pk__in=exclude)
        .order_by("next_attempt_at", "id")
    )
    for row in candidates[:5]:
        claimed = OutboxMessage.objects.filter(pk=row.pk, status=row.status, attempts=row.attempts).update(
            status=OutboxStatus.SENDING,
            attempts=row.attempts + 1,
            lease_until=now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS),
        )
        if claimed:
            row.refresh_from_db()
            return row
    return None


def _deliver(msg: OutboxMessage) -> bool:
    handler = _HANDLERS.get(msg.kind)
    try:
        if handler is None:
            raise LookupError(f"no handler registered for outbox kind {msg.kind!r}")
        handler(msg)
    except Exception as exc:  # any failure is recorded and retried
        log.warning("outbox %s failed (attempt %s): %s", msg.idempotency_key, msg.attempts, exc)
        if msg.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            fields: dict[str, object] = {"status": OutboxStatus.DEAD, "lease_until": None}
        else:
            delay = settings.OUTBOX_BACKOFF_SECONDS * (2 ** (msg.attempts - 1))
            fields = {
                "status": OutboxStatus.PENDING,
                "lease_until": None,
                "next_attempt_at": timezone.now() + timedelta(seconds=delay),
            }
        OutboxMessage.objects.filter(pk=msg.pk).update(
            last_error=f"{type(exc).__name__}: {exc}"[:2000], **fields
        )
        return False
    OutboxMessage.objects.filter(pk=msg.pk).update(
        status=OutboxStatus.SENT, sent_at=timezone.now(), lease_until=None, last_error=""
    )
    return True


def outbox_deliver_due(*, limit: int | None = None) -> dict[str, int]:
    """Deliver every due outbox message (up to ``limit``); returns counts of sent and failed."""
    limit = limit or settings.OUTBOX_BATCH_SIZE
    seen: set[int] = set()
    sent = failed = 0
    while len(seen) < limit:
        msg = _claim_next(seen)
        if msg is None:
            break
        seen.add(msg.pk)
        if _deliver(msg):
            sent += 1
        else:
            failed += 1
    return {"sent": sent, "failed": failed}


@transaction.atomic
def outbox_retry(*, message: OutboxMessage) -> OutboxMessage:
    """Put a dead letter back in the queue for another round of attempts."""
    if message.status != OutboxStatus.DEAD:
        raise ValueError("Only dead letters can be retried.")
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxStatus.PENDING, attempts=0, next_attempt_at=timezone.now(), lease_until=None
    )
    _kick_on_commit()
    message.refresh_from_db()
    return message
