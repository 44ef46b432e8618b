"""Tracking of mailings (docs/communications-tracking.md): opens, clicks and reader feedback, with
machine opens and clicks flagged, and what listens to every recorded event (outgoing webhook
events and partner engagement).

The public endpoints (views_tracking.py) read the signed token and call the services below; each
service records one :class:`Event` (more when a click implies an open), updates the recipient's
counters with ``F`` expressions under a row lock, and calls ``hooks.recipient_event`` for each
event in its transaction.

Machine opens and clicks (``classify``): a mail client does not say who fetched an image, so the
rules are heuristics, in this order:

1. a ``HEAD`` request (link scanners check a link without reading it) → machine;
2. Google's and Yahoo's image proxies (``GoogleImageProxy``, ``YahooMailProxy``) → a person: they
   fetch the pixel when the reader opens the message, through the proxy;
3. no user agent, or a known scanner's or library's (``bot``, ``scanner``, ``python-requests``,
   Barracuda, Mimecast, Proofpoint…) → machine;
4. exactly ``Mozilla/5.0`` with nothing after it → machine: Apple Mail Privacy Protection fetches
   every image of every message on delivery with this user agent;
5. an address in ``CHANNELOPS_COMMS_MACHINE_NETWORKS`` → machine;
6. within ``CHANNELOPS_COMMS_MACHINE_SECONDS`` of the message's send → machine (gateways and
   proxies fetch on delivery; a person rarely reads a message in its first seconds).
"""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from channelops.core.events import publish
from channelops.partners.models import EngagementKind
from channelops.partners.services import engagement_record

from . import hooks
from .models import Event, EventKind, Feedback, MailingLink, Recipient

COMMENT_MAX = 2000

#: User-agent fragments (lower case) of scanners, link checkers and HTTP libraries.
SCANNER_TOKENS = (
    "bot",
    "crawler",
    "spider",
    "scanner",
    "preview",
    "python-",
    "python/",
    "curl/",
    "wget/",
    "go-http-client",
    "java/",
    "okhttp",
    "libwww",
    "httpclient",
    "headless",
    "barracuda",
    "mimecast",
    "proofpoint",
    "messagelabs",
    "symantec",
    "trendmicro",
    "forcepoint",
    "fortiguard",
    "sophos",
    "zscaler",
    "safelinks",
    "urldefense",
)
#: Image proxies that fetch when the person opens the message: a human open through a proxy.
HUMAN_PROXIES = ("googleimageproxy", "yahoomailproxy")
APPLE_PRIVACY_AGENT = "Mozilla/5.0"


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[Any, ...]:
    out = []
    for net in spec:
        try:
            out.append(ipaddress.ip_network(net.strip(), strict=False))
        except ValueError:
            continue
    return tuple(out)


def _in_networks(ip: str | None) -> bool:
    if not ip or not settings.COMMS_MACHINE_NETWORKS:
        return False
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(addr in net for net in _networks(tuple(settings.COMMS_MACHINE_NETWORKS)))


def classify(
    *,
    user_agent: str,
    ip: str | None = None,
    method: str = "GET",
    sent_at: datetime | None = None,
    now: datetime | None = None,
) -> str:
    """Why this request looks like a machine's (``"head"``, ``"scanner"``, ``"apple-privacy"``,
    ``"network"``, ``"on-delivery"``), or ``""`` for a person (the rules: the module's docstring)."""
    ua = (user_agent or "").strip()
    low = ua.lower()
    if method.upper() == "HEAD":
        return "head"
    if any(p in low for p in HUMAN_PROXIES):
        return ""
    if not ua or any(t in low for t in SCANNER_TOKENS):
        return "scanner"
    if ua == APPLE_PRIVACY_AGENT:
        return "apple-privacy"
    if _in_networks(ip):
        return "network"
    seconds = settings.COMMS_MACHINE_SECONDS
    if seconds and sent_at is not None and (now or timezone.now()) - sent_at <= timedelta(seconds=seconds):
        return "on-delivery"
    return ""


def _locked(recipient_id: int) -> Recipient | None:
    return (
        Recipient.objects.select_for_update(of=("self",))
        .select_related("mailing")
        .filter(pk=recipient_id)
        .first()
    )


def _record(recipient: Recipient, kind: str, *, now: datetime, **fields: Any) -> Event:
    event = Event.objects.create(mailing=recipient.mailing, recipient=recipient, kind=kind, at=now, **fields)
    hooks.recipient_event.call(event=event)
    return event


def _detail(user_agent: str, why: str, **more: Any) -> dict[str, Any]:
    detail: dict[str, Any] = {"user_agent": (user_agent or "")[:200]}
    if why:
        detail["machine_reason"] = why
    detail.update(more)
    return detail


def _human_open(recipient: Recipient, *, now: datetime, detail: dict[str, Any]) -> Event:
    """A person's open: the first one sets ``opened_at`` and clears ``machine_open``."""
    first = recipient.opened_at is None or recipient.machine_open
    Recipient.objects.filter(pk=recipient.pk).update(
        opens=F("opens") + 1, opened_at=Coalesce(F("opened_at"), now), machine_open=False
    )
    if recipient.opened_at is None:
        recipient.opened_at = now
    recipient.opens += 1
    recipient.machine_open = False
    return _record(recipient, EventKind.OPEN, now=now, machine=False, detail={**detail, "first": first})


@transaction.atomic
def record_open(
    *,
    recipient_id: int,
    user_agent: str = "",
    ip: str | None = None,
    method: str = "GET",
    now: datetime | None = None,
) -> Event | None:
    """The open pixel was fetched: one ``open`` event (machine or not). ``machine_open`` on the
    recipient means "every open so far was a machine's"; ``opens`` counts every fetch. None when
    the recipient does not exist (the pixel answers the same either way)."""
    now = now or timezone.now()
    recipient = _locked(recipient_id)
    if recipient is None:
        return None
    why = classify(user_agent=user_agent, ip=ip, method=method, sent_at=recipient.sent_at, now=now)
    if not why:
        return _human_open(recipient, now=now, detail=_detail(user_agent, why))
    first = recipient.opened_at is None
    Recipient.objects.filter(pk=recipient.pk).update(
        opens=F("opens") + 1,
        opened_at=Coalesce(F("opened_at"), now),
        machine_open=True if first else F("machine_open"),
    )
    return _record(
        recipient, EventKind.OPEN, now=now, machine=True, detail=_detail(user_agent, why, first=first)
    )


@transaction.atomic
def record_click(
    *,
    recipient_id: int,
    position: int,
    user_agent: str = "",
    ip: str | None = None,
    method: str = "GET",
    now: datetime | None = None,
) -> str | None:
    """A click on link ``position`` of the recipient's mailing: the address to redirect to (the
    mailing's own link, never anything from the request), or None when there is no such recipient
    or link. A person's click also counts as an open when no person's open was recorded (images
    blocked); a machine's click (``classify``) is an event only, not counted on the recipient."""
    now = now or timezone.now()
    recipient = _locked(recipient_id)
    if recipient is None:
        return None
    link = MailingLink.objects.filter(mailing_id=recipient.mailing_id, position=position).first()
    if link is None:
        return None
    why = classify(user_agent=user_agent, ip=ip, method=method, sent_at=recipient.sent_at, now=now)
    if why:
        _record(recipient, EventKind.CLICK, now=now, link=link, machine=True, detail=_detail(user_agent, why))
        return link.url
    if recipient.opened_at is None or recipient.machine_open:
        _human_open(recipient, now=now, detail=_detail(user_agent, "", implied_by="click"))
    first = recipient.clicked_at is None
    Recipient.objects.filter(pk=recipient.pk).update(
        clicks=F("clicks") + 1, clicked_at=Coalesce(F("clicked_at"), now)
    )
    _record(recipient, EventKind.CLICK, now=now, link=link, detail=_detail(user_agent, "", first=first))
    return link.url


def is_prefetch(*, user_agent: str, ip: str | None, method: str, recipient_id: int) -> bool:
    """Whether a GET of a feedback link looks like a scanner's pre-fetch (then the page asks the
    reader to confirm the rating with a button instead of recording it)."""
    sent_at = Recipient.objects.filter(pk=recipient_id).values_list("sent_at", flat=True).first()
    return bool(classify(user_agent=user_agent, ip=ip, method=method, sent_at=sent_at))


@transaction.atomic
def record_feedback(
    *,
    recipient_id: int,
    rating: int,
    comment: str | None = None,
    user_agent: str = "",
    now: datetime | None = None,
) -> Feedback | None:
    """The reader's rating (1–5; the last one counts) and, when given, their comment (replaces an
    earlier one). One ``feedback`` event per call; a rating implies a person's open like a click.
    None when the recipient does not exist."""
    if rating not in range(1, 6):
        raise ValidationError(_("A rating is a number from 1 to 5."))
    if comment is not None:
        comment = comment.strip()
        if len(comment) > COMMENT_MAX:
            raise ValidationError(
                _("Keep the comment to %(n)d characters, please (it has %(m)d).")
                % {"n": COMMENT_MAX, "m": len(comment)}
            )
    now = now or timezone.now()
    recipient = _locked(recipient_id)
    if recipient is None:
        return None
    feedback = Feedback.objects.filter(recipient=recipient).first()
    first = feedback is None
    if feedback is None:
        feedback = Feedback(mailing=recipient.mailing, recipient=recipient, rating=rating, at=now)
    feedback.rating = rating
    feedback.at = now
    if comment is not None:
        feedback.comment = comment
    feedback.save()
    if recipient.opened_at is None or recipient.machine_open:
        _human_open(recipient, now=now, detail=_detail(user_agent, "", implied_by="feedback"))
    _record(
        recipient,
        EventKind.FEEDBACK,
        now=now,
        detail=_detail(user_agent, "", rating=rating, commented=bool(feedback.comment), first=first),
    )
    return feedback


# --- listeners of hooks.recipient_event (registered in parts.tracking_ready) -----------------

WEBHOOK_KINDS: dict[str, str] = {
    EventKind.OPEN: "mailing.opened",
    EventKind.CLICK: "mailing.clicked",
    EventKind.UNSUBSCRIBE: "mailing.unsubscribed",
    EventKind.HARD_BOUNCE: "mailing.bounced",
    EventKind.SOFT_BOUNCE: "mailing.bounced",
    EventKind.COMPLAINT: "mailing.complained",
    EventKind.FEEDBACK: "mailing.feedback",
}


def webhook_data(event: Event) -> dict[str, Any]:
    """The ``data`` of the webhook event of ``event`` (docs/webhooks.md)."""
    recipient = event.recipient
    mailing = event.mailing
    data: dict[str, Any] = {
        "event_id": event.pk,
        "mailing_id": mailing.pk,
        "mailing_title": mailing.title,
        "mailing_kind": mailing.kind,
        "recipient_email": recipient.email,
        "partner_id": recipient.partner_id,
        "at": event.at.isoformat(),
        "machine": event.machine,
    }
    if event.kind == EventKind.CLICK and event.link_id:
        link = event.link
        assert link is not None
        data.update(link_url=link.url, link_position=link.position)
    elif event.kind in (EventKind.HARD_BOUNCE, EventKind.SOFT_BOUNCE):
        data["bounce"] = "hard" if event.kind == EventKind.HARD_BOUNCE else "soft"
    elif event.kind == EventKind.FEEDBACK:
        feedback: dict[str, Any] = dict(
            Feedback.objects.filter(recipient_id=recipient.pk).values("rating", "comment").first() or {}
        )
        data.update(
            rating=feedback.get("rating", event.detail.get("rating")),
            comment=feedback.get("comment", ""),
        )
    return data


def publish_webhook_event(*, event: Event) -> None:
    """Every open, click, unsubscribe, bounce, complaint and feedback becomes a webhook event
    (machine opens and clicks too, with ``machine: true``)."""
    kind = WEBHOOK_KINDS.get(event.kind)
    if kind is None:
        return
    publish(kind, key=str(event.pk), data=webhook_data(event))


def record_engagement(*, event: Event) -> None:
    """Partner engagement (``partners.EngagementEvent``): a person's first open of a mailing, each
    person's click and the first rating of a mailing (as a click: a rating is a click on one of the
    edition's links). Machines' events and recipients without a partner count nothing."""
    recipient = event.recipient
    if event.machine or not recipient.partner_id:
        return
    first = bool(event.detail.get("first"))
    if event.kind == EventKind.OPEN and first:
        kind = EngagementKind.NEWSLETTER_OPEN
    elif event.kind == EventKind.CLICK or (event.kind == EventKind.FEEDBACK and first):
        kind = EngagementKind.NEWSLETTER_CLICK
    else:
        return
    engagement_record(
        partner=recipient.partner_id,
        kind=kind,
        user=recipient.user if recipient.user_id else None,
        detail=f"mailing:{event.mailing_id} {event.kind} {event.mailing.title}",
    )


def register() -> None:
    hooks.recipient_event.register(publish_webhook_event)
    hooks.recipient_event.register(record_engagement)
