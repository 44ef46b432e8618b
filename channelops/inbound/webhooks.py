"""Provider inbound webhooks through django-anymail (docs/inbound-email.md, "Webhooks").

``/inbound/mailgun/`` (and ``/inbound/mailgun/inbound_mime/``, where a Mailgun route that forwards
the raw MIME posts) is anymail's Mailgun inbound view: it verifies Mailgun's HMAC-SHA256 signature
with ``CHANNELOPS_INBOUND_MAILGUN_SIGNING_KEY`` (a forged or missing signature, or a timestamp more
than 15 minutes off — a replayed post — gets 400 and stores nothing) and sends anymail's ``inbound`` signal, whose receiver here stores the raw message once and
routes it. Without a signing key the URL answers 404.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt

log = logging.getLogger(__name__)


def on_inbound(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
    """anymail's ``inbound`` signal: store the raw message (committed), then route it."""
    from .services import inbound_receive

    message = event.message
    raw = message.as_bytes() if message is not None else b""
    inbound_receive(raw=raw, source=f"webhook:{str(esp_name).lower()}")


def connect() -> None:
    from anymail.signals import inbound

    inbound.connect(on_inbound, dispatch_uid="channelops.inbound.on_inbound")


REPLAY_SECONDS = 15 * 60  # a signed post older (or further ahead) than this is refused


@csrf_exempt
def mailgun_inbound(request: HttpRequest, mime: str = "") -> HttpResponse:
    key = settings.INBOUND_MAILGUN_SIGNING_KEY
    if not key:
        raise Http404  # no signing key: this provider is not set up
    if request.method == "POST":
        # anymail checks the signature over timestamp + token; a captured post replayed later has a
        # valid signature, so its timestamp must be recent too (and the store de-duplicates anyway).
        try:
            stamp = float(request.POST.get("timestamp", ""))
        except ValueError:
            stamp = 0.0
        if abs(time.time() - stamp) > REPLAY_SECONDS:
            return HttpResponseBadRequest("stale or missing timestamp")
    from anymail.webhooks.mailgun import MailgunInboundWebhookView

    view = MailgunInboundWebhookView.as_view(webhook_signing_key=key, api_key=None)
    return view(request)
