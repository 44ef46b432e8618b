"""Writes for outgoing webhooks (docs/webhooks.md).

Events published by the owning services (``channelops.core.events``) become one
:class:`WebhookDelivery` per subscribed active endpoint, in the publishing transaction, and one
outbox message each; the worker sends it (:func:`delivery_send`) signed per the Standard Webhooks
specification, retries with the outbox's backoff, and disables an endpoint that keeps failing.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import secrets
import socket
import uuid
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from standardwebhooks import Webhook

from channelops.core.events import EVENT_KINDS
from channelops.core.exceptions import NotAllowed
from channelops.core.links import absolute_url
from channelops.core.models import OutboxMessage
from channelops.core.outbox import email_enqueue, outbox_enqueue, register_handler

from .models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from .querysets import CHANGE_PERM

OUTBOX_KIND = "webhook.deliver"
USER_AGENT = "channelops-webhooks/1"


class UnsafeDestination(Exception):
    """The endpoint's host resolves to an address webhooks may not reach (SSRF guard)."""


def new_secret() -> str:
    """A Standard Webhooks symmetric secret: ``whsec_`` + base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def validate_url(url: str) -> str:
    """Only absolute http(s) URLs with a host; the address is checked again at delivery time."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(_("Enter an http:// or https:// URL with a host name."), code="scheme")
    if parts.username or parts.password:
        raise ValidationError(_("Leave credentials out of the URL; the signature authenticates us."))
    return url.strip()


def _validate_kinds(kinds: list[str]) -> list[str]:
    unknown = sorted(set(kinds) - set(EVENT_KINDS))
    if unknown:
        raise ValidationError(_("Unknown event kinds: %(kinds)s") % {"kinds": ", ".join(unknown)})
    if not kinds:
        raise ValidationError(_("Choose at least one event."))
    return [k for k in EVENT_KINDS if k in kinds]  # catalogue order, no duplicates


def _require_change(by: Any) -> None:
    if not by.has_perm(CHANGE_PERM):
        raise NotAllowed(_("Your role does not allow managing webhooks."))


def _validate_owner(owner: Any) -> Any:
    if owner is None or not owner.is_staff or not owner.is_active:
        raise ValidationError(
            {"owner": _("The owner must be an active staff member: they are told when the endpoint fails.")}
        )
    return owner


@transaction.atomic
def endpoint_create(
    *, url: str, event_kinds: list[str], description: str = "", by: Any, owner: Any = None
) -> WebhookEndpoint:
    """Register an endpoint (owned by ``owner``, else by its creator); its secret is generated
    here and shown on its page."""
    _require_change(by)
    return WebhookEndpoint.objects.create(
        url=validate_url(url),
        event_kinds=_validate_kinds(event_kinds),
        description=description.strip(),
        secret=new_secret(),
        owner=_validate_owner(owner or by),
    )


@transaction.atomic
def endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    url: str,
    event_kinds: list[str],
    description: str = "",
    by: Any,
    owner: Any = None,
) -> WebhookEndpoint:
    """Change an endpoint; ``owner`` None keeps the current owner."""
    _require_change(by)
    locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    locked.url = validate_url(url)
    locked.event_kinds = _validate_kinds(event_kinds)
    locked.description = description.strip()
    if owner is not None:
        locked.owner = _validate_owner(owner)
    locked.save(update_fields=["url", "event_kinds", "description", "owner", "updated_at"])
    return locked


@transaction.atomic
def endpoint_enable(*, endpoint: WebhookEndpoint, by: Any) -> WebhookEndpoint:
    """Enable a disabled endpoint again (its failure count starts over)."""
    _require_change(by)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        is_active=True, disabled_at=None, disabled_reason="", consecutive_failures=0
    )
    endpoint.refresh_from_db()
    return endpoint


@transaction.atomic
def endpoint_disable(*, endpoint: WebhookEndpoint, by: Any, reason: str = "") -> WebhookEndpoint:
    _require_change(by)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        is_active=False,
        disabled_at=timezone.now(),
        disabled_reason=reason or _("Disabled by %(who)s.") % {"who": by.email},
    )
    endpoint.refresh_from_db()
    return endpoint


@transaction.atomic
def endpoint_rotate_secret(*, endpoint: WebhookEndpoint, by: Any) -> WebhookEndpoint:
    """A new signing secret; deliveries sent from now on use it."""
    _require_change(by)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(secret=new_secret())
    endpoint.refresh_from_db()
    return endpoint


def _enqueue(delivery: WebhookDelivery) -> None:
    outbox_enqueue(
        kind=OUTBOX_KIND,
        key=f"webhook:{delivery.pk}",
        payload={"delivery": delivery.pk},
        topic=f"webhook-endpoint:{delivery.endpoint_id}",
    )


def event_fan_out(*, kind: str, key: str, data: dict[str, Any]) -> list[WebhookDelivery]:
    """The ``core.events.event_published`` listener: one delivery per subscribed active endpoint."""
    endpoints = list(WebhookEndpoint.objects.subscribed_to(kind))
    if not endpoints:
        return []
    now = timezone.now()
    message_id = f"msg_{uuid.uuid4().hex}"
    body = {"type": kind, "timestamp": now.isoformat(), "data": {"key": key, **data}}
    out = []
    for endpoint in endpoints:
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint, message_id=message_id, kind=kind, payload=body, created_at=now
        )
        _enqueue(delivery)
        out.append(delivery)
    return out


@transaction.atomic
def delivery_replay(*, delivery: WebhookDelivery, by: Any) -> WebhookDelivery:
    """Send a delivery's message again (same ``webhook-id``, so receivers may drop a duplicate)."""
    _require_change(by)
    if not delivery.endpoint.is_active:
        raise NotAllowed(_("Enable the endpoint before replaying its deliveries."))
    replay = WebhookDelivery.objects.create(
        endpoint=delivery.endpoint,
        message_id=delivery.message_id,
        kind=delivery.kind,
        payload=delivery.payload,
        replay_of=delivery,
    )
    _enqueue(replay)
    return replay


# --- delivery (the outbox worker) ----------------------------------------------------------------


def check_destination(url: str) -> None:
    """Refuse a host that resolves to a loopback, private, link-local or otherwise non-public
    address, unless ``CHANNELOPS_WEBHOOKS_ALLOW_PRIVATE`` is on. Resolved at delivery time, so a
    name that later points inside the network is caught."""
    if settings.WEBHOOKS_ALLOW_PRIVATE:
        return
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise UnsafeDestination(f"cannot resolve {host}: {exc}") from exc
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not address.is_global:
            raise UnsafeDestination(f"{host} resolves to {address}, a non-public address")


def sign(endpoint: WebhookEndpoint, delivery: WebhookDelivery, body: str, when: Any) -> dict[str, str]:
    signature = Webhook(endpoint.secret).sign(delivery.message_id, when, body)
    return {
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


def _record_failure(delivery: WebhookDelivery, *, final: bool, code: int | None, error: str) -> None:
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED if final else DeliveryStatus.RETRYING,
        attempts=delivery.attempts + 1,
        response_code=code,
        last_error=error[:500],
        last_attempt_at=now,
    )
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
        endpoint.consecutive_failures += 1
        fields = ["consecutive_failures"]
        if endpoint.is_active and endpoint.consecutive_failures >= settings.WEBHOOKS_DISABLE_AFTER_FAILURES:
            endpoint.is_active = False
            endpoint.disabled_at = now
            endpoint.disabled_reason = _("Disabled after %(n)d failed deliveries in a row.") % {
                "n": endpoint.consecutive_failures
            }
            fields += ["is_active", "disabled_at", "disabled_reason"]
            email_enqueue(
                to=endpoint.owner.email,
                template="webhooks/email/endpoint_disabled",
                context={
                    "endpoint": endpoint,
                    "error": error,
                    "url": absolute_url("console:webhook", endpoint.pk),
                },
                key=f"webhook-disabled:{endpoint.pk}:{int(now.timestamp())}",
            )
        endpoint.save(update_fields=fields)


@register_handler(OUTBOX_KIND)
def delivery_send(msg: OutboxMessage) -> None:
    """Send one delivery. A failure is recorded on the delivery and raised, so the outbox retries
    it with backoff; after the outbox's last attempt the delivery is *failed*."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=msg.payload["delivery"]).first()
    if delivery is None or delivery.status in (DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED):
        return  # deleted with its endpoint, or already settled by an earlier attempt
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SKIPPED)
        return
    final = msg.attempts >= settings.OUTBOX_MAX_ATTEMPTS
    try:
        check_destination(endpoint.url)
    except UnsafeDestination as exc:
        # A configuration problem, not a passing failure: recorded, not retried.
        _record_failure(delivery, final=True, code=None, error=str(exc))
        return
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True)
    when = timezone.now()
    try:
        response = requests.post(
            endpoint.url,
            data=body.encode(),
            headers=sign(endpoint, delivery, body, when),
            timeout=settings.WEBHOOKS_TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        _record_failure(delivery, final=final, code=None, error=f"{type(exc).__name__}: {exc}")
        raise
    if not 200 <= response.status_code < 300:
        error = f"HTTP {response.status_code}: {response.text[:200]}"
        _record_failure(delivery, final=final, code=response.status_code, error=error)
        raise RuntimeError(error)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SUCCEEDED,
        attempts=delivery.attempts + 1,
        response_code=response.status_code,
        last_error="",
        last_attempt_at=when,
        delivered_at=timezone.now(),
    )
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=0)
