"""Bounces and complaints of mailings: DSNs to the VERP return path fetched from a real IMAP
mailbox (a private Dovecot) by the inbound poll, classified hard (suppressed at once) or soft
(suppressed after COMMS_SOFT_BOUNCE_LIMIT), a bounce about another message left to the next
handler; provider webhooks through django-anymail (signature-verified) for bounces and complaints."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
from django.test import Client

from channelops.communications import links
from channelops.communications.bounces import bounce_inbound, recipient_for_message_id
from channelops.communications.models import Event, EventKind, RecipientStatus, Suppression
from channelops.inbound.imap import imap_poll
from channelops.inbound.models import InboundMessage
from channelops.inbound.services import inbound_receive, inbound_route_pending

from .comms_audience_helpers import mailing, recipient, subscriber
from .dovecot import dovecot, imap_inbox  # noqa: F401 (fixtures)
from .inbound_mail import dsn, mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def bounce_address(settings):
    settings.COMMS_BOUNCE_ADDRESS = "bounces@channelops.test"
    return settings.COMMS_BOUNCE_ADDRESS


def _dsn(rec, *, verp: bool = True, soft: bool = False, n: int = 1, original: str = "") -> bytes:
    raw = dsn(recipient=rec.email, original_id=original or links.message_id(rec.mailing_id, rec.pk))
    if verp:
        raw = raw.replace(
            b"To: news@channelops.test\r\n", f"To: {links.verp_address(rec.pk)}\r\n".encode(), 1
        )
    if soft:
        raw = raw.replace(b"Action: failed", b"Action: delayed").replace(b"Status: 5.1.1", b"Status: 4.2.2")
        raw = raw.replace(b"550 5.1.1", b"452 4.2.2")
    return raw.replace(b"<dsn-1@mx.acme.test>", f"<dsn-{n}-{rec.pk}@mx.acme.test>".encode())


def test_a_hard_bounce_dsn_in_the_imap_mailbox_suppresses_the_address(imap_inbox, bounce_address):
    sub = subscriber("gone@acme.test")
    rec = recipient(sub)
    imap_inbox.append(_dsn(rec))
    assert imap_poll().stored == 1
    inbound_route_pending()
    msg = InboundMessage.objects.get()
    assert msg.handler == "comms_bounces"
    rec.refresh_from_db()
    assert rec.status == RecipientStatus.BOUNCED and "User unknown" in rec.last_error
    s = Suppression.objects.get(email="gone@acme.test")
    assert (s.reason, s.mailing_id) == ("hard_bounce", rec.mailing_id)
    (event,) = Event.objects.filter(recipient=rec)
    assert event.kind == EventKind.HARD_BOUNCE and event.detail["status"] == "5.1.1"


def test_a_dsn_without_verp_is_matched_by_the_original_message_id(settings):
    settings.COMMS_BOUNCE_ADDRESS = ""
    rec = recipient(subscriber("gone@acme.test"))
    inbound_receive(raw=_dsn(rec, verp=False), source="cli")
    inbound_route_pending()
    assert InboundMessage.objects.get().handler == "comms_bounces"
    assert Suppression.objects.get().reason == "hard_bounce"


def test_three_soft_bounces_suppress_the_address(bounce_address, settings):
    settings.COMMS_SOFT_BOUNCE_LIMIT = 3
    sub = subscriber("full@acme.test")
    for n in range(1, 4):
        rec = recipient(sub, m=mailing())
        inbound_receive(raw=_dsn(rec, soft=True, n=n), source="cli")
        inbound_route_pending()
        sub.refresh_from_db()
        assert sub.soft_bounces == n
        assert Suppression.objects.filter(email="full@acme.test").exists() == (n == 3)
        rec.refresh_from_db()
        assert rec.status == RecipientStatus.SENT  # a soft bounce does not fail the message
    assert Suppression.objects.get().reason == "soft_bounces"
    assert Event.objects.filter(kind=EventKind.SOFT_BOUNCE).count() == 3


def test_the_same_dsn_routed_again_counts_once(bounce_address):
    sub = subscriber("full@acme.test")
    rec = recipient(sub)
    raw = _dsn(rec, soft=True)
    inbound_receive(raw=raw, source="cli")
    inbound_route_pending()
    record = InboundMessage.objects.get()
    from channelops.inbound.parsing import parse

    assert bounce_inbound(parse(raw), record) is True  # a retry of the same message
    sub.refresh_from_db()
    assert sub.soft_bounces == 1 and Event.objects.count() == 1


def test_a_bounce_about_another_message_goes_to_the_next_handler(bounce_address):
    from channelops.inbound.registry import register_handler, unregister_handler

    sub = subscriber("gone@acme.test")
    recipient(sub)
    seen: list[str] = []
    register_handler("test_next", lambda parsed, record: seen.append(parsed.message_id) or True, order=90)
    try:
        inbound_receive(
            raw=dsn(recipient="gone@acme.test", original_id="<other-7@channelops.test>"), source="cli"
        )
        # and a forged Message-ID of ours for a recipient that does not exist
        inbound_receive(
            raw=dsn(recipient="gone@acme.test", original_id="<comm.999.999@127.0.0.1>").replace(
                b"<dsn-1@mx.acme.test>", b"<dsn-2@mx.acme.test>"
            ),
            source="cli",
        )
        inbound_route_pending()
    finally:
        unregister_handler("test_next")
    assert set(InboundMessage.objects.values_list("handler", flat=True)) == {"test_next"}
    assert len(seen) == 2 and not Suppression.objects.exists() and not Event.objects.exists()


def test_a_person_writing_to_the_bounce_address_is_not_a_bounce(bounce_address):
    rec = recipient(subscriber("gone@acme.test"))
    inbound_receive(raw=mail(to=links.verp_address(rec.pk), subject="Hello"), source="cli")
    inbound_route_pending()
    assert InboundMessage.objects.get().handler != "comms_bounces"
    assert not Suppression.objects.exists()


def test_message_ids_of_another_domain_or_shape_are_not_ours():
    rec = recipient(subscriber())
    assert recipient_for_message_id(links.message_id(rec.mailing_id, rec.pk)) == rec
    assert recipient_for_message_id(f"<comm.{rec.mailing_id}.{rec.pk}@evil.example>") is None
    assert recipient_for_message_id(f"<comm.{rec.mailing_id + 1}.{rec.pk}@127.0.0.1>") is None
    assert recipient_for_message_id("") is None


# --- provider webhooks (anymail) ----------------------------------------------------------------------

KEY = "mailgun-signing-key-for-tests"


def _mailgun(rec, event: str, *, key: str = KEY, severity: str = "permanent", token: str = "tok-1") -> dict:
    ts = str(int(time.time()))
    sig = hmac.new(key.encode(), f"{ts}{token}".encode(), hashlib.sha256).hexdigest()
    mid = links.message_id(rec.mailing_id, rec.pk).strip("<>")
    return {
        "signature": {"timestamp": ts, "token": token, "signature": sig},
        "event-data": {
            "event": event,
            "severity": severity,
            "recipient": rec.email,
            "timestamp": float(ts),
            "message": {"headers": {"message-id": mid}},
            "delivery-status": {"message": "550 5.1.1 mailbox does not exist", "description": ""},
        },
    }


def _post(payload: dict, path: str = "/newsletter/webhooks/mailgun/"):
    return Client(enforce_csrf_checks=True).post(path, json.dumps(payload), content_type="application/json")


def test_a_signed_mailgun_bounce_suppresses_and_a_complaint_unsubscribes(settings):
    settings.INBOUND_MAILGUN_SIGNING_KEY = KEY
    sub = subscriber("gone@acme.test")
    rec = recipient(sub)
    assert _post(_mailgun(rec, "failed")).status_code == 200
    rec.refresh_from_db()
    assert rec.status == "bounced" and Suppression.objects.get().reason == "hard_bounce"
    assert Event.objects.get().detail["via"] == "webhook:mailgun"
    assert _post(_mailgun(rec, "failed")).status_code == 200  # the same event again: once
    assert Event.objects.count() == 1

    other = subscriber("angry@acme.test")
    rec2 = recipient(other)
    assert _post(_mailgun(rec2, "complained", token="tok-2")).status_code == 200
    other.refresh_from_db()
    assert other.status == "unsubscribed"
    assert Suppression.objects.get(email="angry@acme.test").reason == "complaint"

    rec3 = recipient(subscriber("slow@acme.test"))
    assert _post(_mailgun(rec3, "failed", severity="temporary", token="tok-3")).status_code == 200
    assert Event.objects.get(recipient=rec3).kind == EventKind.SOFT_BOUNCE
    assert not Suppression.objects.filter(email="slow@acme.test").exists()


def test_a_mailgun_webhook_with_a_bad_signature_is_refused(settings):
    settings.INBOUND_MAILGUN_SIGNING_KEY = KEY
    rec = recipient(subscriber("gone@acme.test"))
    assert _post(_mailgun(rec, "failed", key="not-the-key")).status_code == 400
    stale = _mailgun(rec, "failed")
    stale["signature"]["timestamp"] = "1"
    assert _post(stale).status_code == 400
    assert not Suppression.objects.exists() and not Event.objects.exists()
    settings.INBOUND_MAILGUN_SIGNING_KEY = ""
    assert _post(_mailgun(rec, "failed")).status_code == 404


def test_a_webhook_about_another_address_or_message_is_ignored(settings):
    settings.INBOUND_MAILGUN_SIGNING_KEY = KEY
    rec = recipient(subscriber("gone@acme.test"))
    payload = _mailgun(rec, "failed")
    payload["event-data"]["recipient"] = "someone.else@acme.test"
    assert _post(payload).status_code == 200
    payload = _mailgun(rec, "failed", token="tok-9")
    payload["event-data"]["message"]["headers"]["message-id"] = "20261201.abc@mailgun.example"
    assert _post(payload).status_code == 200
    assert not Suppression.objects.exists() and not Event.objects.exists()


def test_postmark_needs_the_basic_auth_secret(settings):
    rec = recipient(subscriber("gone@acme.test"))
    body = {
        "RecordType": "Bounce",
        "Type": "HardBounce",
        "TypeCode": 1,
        "ID": 42,
        "Email": rec.email,
        "MessageID": "pm-1",
        "Description": "The server was unable to deliver your message",
        "Details": "smtp;550 5.1.1 unknown",
        "BouncedAt": "2026-12-01T10:00:00Z",
        "Metadata": {"comm_recipient": str(rec.pk)},
    }
    settings.COMMS_WEBHOOK_SECRET = ""
    assert _post(body, "/newsletter/webhooks/postmark/").status_code == 404
    settings.COMMS_WEBHOOK_SECRET = "anymail:s3cret"
    assert _post(body, "/newsletter/webhooks/postmark/").status_code == 400  # no basic auth
    assert not Suppression.objects.exists()
    import base64

    auth = "Basic " + base64.b64encode(b"anymail:s3cret").decode()
    resp = Client().post(
        "/newsletter/webhooks/postmark/",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=auth,
    )
    assert resp.status_code == 200
    assert Suppression.objects.get().reason == "hard_bounce"


def _postfix_bounce(to: str, failed: str) -> bytes:
    """An old-style Postfix bounce: no machine-readable DSN, only the notification text."""
    return (
        "From: MAILER-DAEMON@mx.acme.test (Mail Delivery System)\r\n"
        f"To: {to}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <old-bounce-1@mx.acme.test>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        "--b1\r\n"
        "Content-Description: Notification\r\n"
        "Content-Type: text/plain\r\n\r\n"
        "This is the Postfix program at host mx.acme.test.\r\n\r\n"
        "I'm sorry to have to inform you that the message returned\r\n"
        "below could not be delivered to one or more destinations.\r\n\r\n"
        "                   The Postfix program\r\n\r\n"
        f"<{failed}>: host mx2.acme.test said: 550 User unknown\r\n\r\n"
        "--b1--\r\n"
    ).encode()


def test_a_bounce_without_a_dsn_is_classified_with_flufl_bounce(bounce_address):
    rec = recipient(subscriber("gone@acme.test"))
    inbound_receive(raw=_postfix_bounce(links.verp_address(rec.pk), "gone@acme.test"), source="cli")
    inbound_route_pending()
    assert InboundMessage.objects.get().handler == "comms_bounces"
    assert Suppression.objects.get().reason == "hard_bounce"
    assert Event.objects.get().detail["via"] == "flufl.bounce"
