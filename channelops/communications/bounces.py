"""Bounces and complaints (docs/communications-audience.md, "Bounces").

Two ways in, one recording service (``bounce_record``):

- **DSNs** for messages sent directly over SMTP come back to the VERP return path
  (``links.verp_address``) and arrive through the inbound e-mail component: ``bounce_inbound`` is
  an inbound handler (order 20, before the help desk). It takes a bounce when it is addressed to a
  VERP address of ours or reports on a message whose Message-ID is one of ours
  (``<comm.<mailing>.<recipient>@…>``); anything else is left to the next handler. The DSN status
  classifies (5.x.x or ``Action: failed`` hard, 4.x.x or ``delayed`` soft); a bounce without a
  machine-readable DSN is scanned with ``flufl.bounce`` (permanent and temporary failures).
- **Provider webhooks** through django-anymail's tracking webhooks (signature-verified):
  ``on_tracking`` maps ``bounced``/``rejected``/``complained``/``unsubscribed``/``delivered`` of
  a message of ours (its Message-ID, or the ``comm_recipient`` metadata) to the recipient.

Hard bounce: the recipient is ``bounced``, ``Event(hard_bounce)``, ``Suppression(hard_bounce)`` at
once. Soft bounce: ``Event(soft_bounce)``, ``Subscriber.soft_bounces`` + 1, and
``Suppression(soft_bounces)`` when it reaches ``COMMS_SOFT_BOUNCE_LIMIT``. A delivery does not reset
the count (a flaky mailbox is counted over time); confirming a sign-up or staff lifting a suppression
does. A complaint: ``Event(complaint)``, ``Suppression(complaint)`` and the subscriber unsubscribed.
Every recording is idempotent per (recipient, kind, source id): a DSN routed twice counts once.
"""

from __future__ import annotations

import email
import email.policy
import logging
import re
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import hooks, links
from .models import (
    ConsentMethod,
    Event,
    EventKind,
    Recipient,
    RecipientStatus,
    Subscriber,
    SubscriberStatus,
    Suppression,
    SuppressionReason,
)

log = logging.getLogger(__name__)

HARD = "hard"
SOFT = "soft"
COMPLAINT = "complaint"
REJECTED = "rejected"

_MESSAGE_ID_RE = re.compile(r"<?comm\.(\d+)\.(\d+)@([^>\s]+)>?", re.IGNORECASE)
_ENVELOPE_HEADERS = ("delivered-to", "x-original-to", "envelope-to", "x-envelope-to", "to", "cc")


def recipient_for_message_id(message_id: str) -> Recipient | None:
    """The recipient of one of our messages by its Message-ID (``links.message_id``)."""
    m = _MESSAGE_ID_RE.fullmatch((message_id or "").strip())
    if not m:
        return None
    mailing_id, recipient_id = int(m.group(1)), int(m.group(2))
    if f"<comm.{mailing_id}.{recipient_id}@{m.group(3).lower()}>" != links.message_id(
        mailing_id, recipient_id
    ):
        return None  # another installation's (or another domain's) message
    return Recipient.objects.filter(pk=recipient_id, mailing_id=mailing_id).first()


@transaction.atomic
def bounce_record(
    *, recipient: Recipient, kind: str, detail: dict[str, Any] | None = None, source_id: str = ""
) -> Event | None:
    """Record a hard or soft bounce or a complaint of ``recipient`` (see the module docstring);
    returns the new Event, or None when this source already reported it."""
    detail = dict(detail or {})
    if source_id:
        detail["source_id"] = source_id[:300]
    event_kind = {
        HARD: EventKind.HARD_BOUNCE,
        SOFT: EventKind.SOFT_BOUNCE,
        COMPLAINT: EventKind.COMPLAINT,
        REJECTED: EventKind.FAILED,
    }[kind]
    rec = Recipient.objects.select_for_update().get(pk=recipient.pk)
    if (
        source_id
        and Event.objects.filter(
            recipient=rec, kind=event_kind, detail__source_id=detail["source_id"]
        ).exists()
    ):
        return None
    now = timezone.now()
    event = Event.objects.create(
        mailing_id=rec.mailing_id, recipient=rec, kind=event_kind, at=now, detail=detail
    )
    address = rec.email.strip().lower()
    sub = Subscriber.objects.select_for_update().filter(email=address).first()
    reason = ""
    if kind in (HARD, REJECTED):
        status = RecipientStatus.BOUNCED if kind == HARD else RecipientStatus.FAILED
        if rec.status != status:
            rec.status = status
            rec.last_error = str(detail.get("diagnostic") or detail.get("status") or kind)[:500]
            rec.save(update_fields=["status", "last_error"])
        reason = SuppressionReason.HARD_BOUNCE if kind == HARD else SuppressionReason.REJECTED
    elif kind == SOFT:
        if sub is not None:
            sub.soft_bounces += 1
            sub.save(update_fields=["soft_bounces"])
            if sub.soft_bounces >= settings.COMMS_SOFT_BOUNCE_LIMIT:
                reason = SuppressionReason.SOFT_BOUNCES
        else:
            count = Event.objects.filter(recipient__email=rec.email, kind=EventKind.SOFT_BOUNCE).count()
            if count >= settings.COMMS_SOFT_BOUNCE_LIMIT:
                reason = SuppressionReason.SOFT_BOUNCES
    else:
        reason = SuppressionReason.COMPLAINT
        if sub is not None and sub.status != SubscriberStatus.UNSUBSCRIBED:
            from .consent import unsubscribe

            unsubscribe(subscriber=sub, method=ConsentMethod.BOUNCE)
    if reason:
        existing = Suppression.objects.select_for_update().filter(email=address).first()
        text = str(detail.get("diagnostic") or detail.get("description") or detail.get("status") or "")
        if existing is None:
            Suppression.objects.create(
                email=address, reason=reason, detail=text[:2000], mailing_id=rec.mailing_id, created_at=now
            )
        elif existing.reason in (
            SuppressionReason.UNSUBSCRIBED,
            SuppressionReason.SOFT_BOUNCES,
        ) and reason in (
            SuppressionReason.HARD_BOUNCE,
            SuppressionReason.COMPLAINT,
        ):
            # the stronger reason wins: the person cannot lift a bounce by subscribing again
            existing.reason, existing.detail, existing.mailing_id = reason, text[:2000], rec.mailing_id
            existing.save(update_fields=["reason", "detail", "mailing"])
    hooks.recipient_event.call(event=event)
    return event


def record_delivered(*, recipient: Recipient, source_id: str = "") -> Event | None:
    """A provider reports the message delivered (``Event(delivered)``, once per source id)."""
    with transaction.atomic():
        if (
            source_id
            and Event.objects.filter(
                recipient=recipient, kind=EventKind.DELIVERED, detail__source_id=source_id[:300]
            ).exists()
        ):
            return None
        event = Event.objects.create(
            mailing_id=recipient.mailing_id,
            recipient=recipient,
            kind=EventKind.DELIVERED,
            detail={"source_id": source_id[:300]} if source_id else {},
        )
        hooks.recipient_event.call(event=event)
        return event


# --- DSNs through the inbound e-mail component ------------------------------------------------------


def _verp_recipient(parsed: Any) -> Recipient | None:
    candidates = list(parsed.to) + list(parsed.cc)
    for name, value in parsed.headers:
        if name.lower() in _ENVELOPE_HEADERS:
            candidates.extend(a.strip() for a in re.split(r"[,\s]+", value) if "@" in a)
    for address in candidates:
        rid = links.read_verp(address)
        if rid is not None:
            rec = Recipient.objects.filter(pk=rid).first()
            if rec is not None:
                return rec
    return None


def classify(parsed: Any, raw: bytes, address: str) -> tuple[str, dict[str, Any]] | None:
    """(HARD or SOFT, detail) of a bounce for ``address``; None when it reports no failure
    (e.g. a "delivered" or "relayed" DSN)."""
    statuses = list(parsed.bounces)
    if statuses:
        mine = [s for s in statuses if s.recipient == address] or statuses
        for s in mine:
            detail = {"status": s.status, "action": s.action, "diagnostic": s.diagnostic[:500], "via": "dsn"}
            if s.permanent:
                return HARD, detail
            if s.action == "delayed" or s.status.startswith("4"):
                return SOFT, detail
        return None
    from flufl.bounce import all_failures

    try:
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        temporary, permanent = all_failures(msg)
    except Exception:  # a detector choked on the message: treat it as unreadable
        log.warning("flufl.bounce could not scan a bounce", exc_info=True)
        return None
    decode = {
        a.decode("utf-8", "replace").lower() if isinstance(a, bytes) else str(a).lower() for a in permanent
    }
    temp = {
        a.decode("utf-8", "replace").lower() if isinstance(a, bytes) else str(a).lower() for a in temporary
    }
    if address in decode or (decode and address not in temp):
        return HARD, {"via": "flufl.bounce", "failed": sorted(decode)[:10]}
    if temp:
        return SOFT, {"via": "flufl.bounce", "failed": sorted(temp)[:10]}
    return None


def bounce_inbound(parsed: Any, record: Any) -> bool:
    """The inbound handler of bounces of our mailings (registered with order 20)."""
    if not parsed.is_bounce:
        return False
    rec = _verp_recipient(parsed) or recipient_for_message_id(parsed.original_message_id)
    if rec is None:
        return False  # not about a mailing: the next handler decides
    raw = bytes(record.raw) if getattr(record, "raw", None) is not None else b""
    result = classify(parsed, raw, rec.email.strip().lower())
    if result is None:
        return True  # ours, but no failure to record (a delay warning without status, a "delivered" DSN)
    kind, detail = result
    bounce_record(
        recipient=rec, kind=kind, detail=detail, source_id=parsed.message_id or f"inbound:{record.pk}"
    )
    return True


# --- provider webhooks (anymail tracking) ------------------------------------------------------------


def _tracking_recipient(event: Any) -> Recipient | None:
    metadata = getattr(event, "metadata", None) or {}
    rec = None
    rid = str(metadata.get("comm_recipient", "")) if isinstance(metadata, dict) else ""
    if rid.isdigit():
        rec = Recipient.objects.filter(pk=int(rid)).first()
    if rec is None:
        rec = recipient_for_message_id(getattr(event, "message_id", "") or "")
    if rec is None:
        return None
    who = (getattr(event, "recipient", "") or "").strip().lower()
    if who and who != rec.email.strip().lower():
        return None  # the event is about another address than the recipient row
    return rec


def on_tracking(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
    """anymail's ``tracking`` signal: bounces, rejections, complaints, unsubscribes and deliveries
    of our mailings. Events about other e-mail (the outbox's) are ignored."""
    kind = str(getattr(event, "event_type", "") or "")
    if kind not in {"bounced", "deferred", "rejected", "complained", "unsubscribed", "delivered"}:
        return
    rec = _tracking_recipient(event)
    if rec is None:
        return
    source = f"{str(esp_name).lower()}:{getattr(event, 'event_id', '') or ''}"
    detail = {
        "via": f"webhook:{str(esp_name).lower()}",
        "description": str(getattr(event, "description", "") or "")[:500],
        "diagnostic": str(getattr(event, "mta_response", "") or "")[:500],
        "reject_reason": str(getattr(event, "reject_reason", "") or ""),
    }
    if kind == "delivered":
        record_delivered(recipient=rec, source_id=source)
    elif kind == "bounced":
        bounce_record(recipient=rec, kind=HARD, detail=detail, source_id=source)
    elif kind == "deferred":
        bounce_record(recipient=rec, kind=SOFT, detail=detail, source_id=source)
    elif kind == "rejected":
        # refused before sending (e.g. the provider's own suppression list)
        bounce_record(recipient=rec, kind=REJECTED, detail=detail, source_id=source)
    elif kind == "complained":
        bounce_record(recipient=rec, kind=COMPLAINT, detail=detail, source_id=source)
    elif kind == "unsubscribed":
        from .consent import unsubscribe

        unsubscribe(recipient=rec, method=ConsentMethod.EMAIL_LINK)


def connect() -> None:
    from anymail.signals import tracking

    tracking.connect(on_tracking, dispatch_uid="channelops.communications.bounces.on_tracking")
