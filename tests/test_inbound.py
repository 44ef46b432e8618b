"""Inbound e-mail (docs/inbound-email.md): stored once, routed by the handler registry, dead letters
(retry, discard), the `channelops inbound ingest` command, the signed Mailgun webhook and the
console pages."""

from __future__ import annotations

import hashlib
import hmac
import io
import time
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from channelops.inbound.models import InboundMessage, InboundStatus
from channelops.inbound.registry import register_handler, unregister_handler
from channelops.inbound.services import (
    inbound_discard,
    inbound_receive,
    inbound_retry,
    inbound_route_pending,
    inbound_store,
)

from .factories import StaffFactory
from .inbound_mail import dsn, mail

pytestmark = pytest.mark.django_db


@contextmanager
def handler(func, name="test", order=100):
    register_handler(name, func, order=order)
    try:
        yield
    finally:
        unregister_handler(name)


class Taker:
    """A handler that records what it was given and takes what ``wants`` says."""

    def __init__(self, wants=lambda parsed: True):
        self.wants = wants
        self.seen = []

    def __call__(self, parsed, record):
        self.seen.append((parsed.message_id, record.pk))
        return self.wants(parsed)


# --- storing once ---------------------------------------------------------------------------------


def test_the_same_message_twice_is_stored_once():
    raw = mail(message_id="<twice@acme.test>")
    first, created = inbound_store(raw=raw, source="imap:INBOX")
    again, created_again = inbound_store(raw=raw, source="webhook:mailgun")
    assert created and not created_again and again.pk == first.pk
    assert InboundMessage.objects.count() == 1
    assert first.sha256 == hashlib.sha256(raw).hexdigest() and bytes(first.raw) == raw
    assert (first.message_id, first.sender, first.source) == (
        "<twice@acme.test>",
        "pat@acme.test",
        "imap:INBOX",
    )


def test_the_same_message_id_from_the_same_sender_is_a_duplicate_even_when_relayed_differently():
    raw = mail(message_id="<relay@acme.test>")
    inbound_store(raw=raw, source="imap:INBOX")
    relayed = b"Received: from relay.acme.test by mx.channelops.test\r\n" + raw  # other bytes, same mail
    _, created = inbound_store(raw=relayed, source="imap:INBOX")
    assert not created and InboundMessage.objects.count() == 1
    # The same Message-ID with another subject is a different message (some senders reuse ids).
    _, created = inbound_store(raw=mail(message_id="<relay@acme.test>", subject="Other"), source="cli")
    assert created


# --- routing ---------------------------------------------------------------------------------------


def test_the_first_handler_that_takes_a_message_wins_in_order():
    declines, takes, late = Taker(lambda p: False), Taker(), Taker()
    with (
        handler(declines, "a-declines", order=10),
        handler(takes, "b-takes", order=20),
        handler(late, "c", order=30),
    ):
        msg = inbound_receive(raw=mail(), source="cli")
    assert msg.status == InboundStatus.ROUTED and msg.handler == "b-takes" and msg.routed_at is not None
    assert len(declines.seen) == 1 and len(takes.seen) == 1 and late.seen == []
    assert msg.attempts == 1 and msg.error == ""


def test_no_handler_makes_a_dead_letter_that_a_retry_routes_once_a_handler_exists():
    msg = inbound_receive(raw=mail(), source="cli")
    assert msg.status == InboundStatus.DEAD and msg.error == "No handler took this message."
    taker = Taker()
    with handler(taker):
        msg = inbound_retry(message=msg)
    assert msg.status == InboundStatus.ROUTED and msg.attempts == 2 and len(taker.seen) == 1


def test_a_handler_that_raises_rolls_back_its_writes_and_leaves_a_dead_letter_with_the_traceback():
    def broken(parsed, record):
        StaffFactory(email="written-before-failing@vendor.test")
        raise RuntimeError("database of partners on fire")

    with handler(broken, "broken"):
        msg = inbound_receive(raw=mail(), source="cli")
    assert msg.status == InboundStatus.DEAD
    assert (
        "Handler 'broken' failed" in msg.error and "RuntimeError: database of partners on fire" in msg.error
    )
    assert "Traceback" in msg.error
    from channelops.accounts.models import User

    assert not User.objects.filter(email="written-before-failing@vendor.test").exists()


def test_automated_mail_is_ignored_never_dead_and_a_handler_may_still_take_it():
    msg = inbound_receive(raw=mail(headers={"Auto-Submitted": "auto-replied"}), source="cli")
    assert msg.status == InboundStatus.IGNORED and msg.automated and "Auto-Submitted" in msg.error
    bounces = Taker(lambda p: p.is_bounce)
    with handler(bounces, "bounces"):
        bounce = inbound_receive(raw=dsn(), source="cli")
    assert bounce.status == InboundStatus.IGNORED and bounce.handler == "bounces" and len(bounces.seen) == 1


def test_a_message_above_the_size_limit_is_a_dead_letter_with_a_clear_reason_and_its_source_kept(settings):
    settings.INBOUND_MAX_BYTES = 2000
    raw = mail(text="x" * 5000)
    taker = Taker()
    with handler(taker):
        msg = inbound_receive(raw=raw, source="cli")
    assert msg.status == InboundStatus.DEAD and msg.error.startswith("Too large:") and "2,000" in msg.error
    assert bytes(msg.raw) == raw and taker.seen == []


def test_what_cannot_be_parsed_is_a_dead_letter_with_the_reason():
    msg = inbound_receive(raw=b"\x00\x01 not an e-mail", source="cli")
    assert msg.status == InboundStatus.DEAD and msg.error.startswith("Could not parse:")


def test_routing_pending_routes_each_stored_message_once():
    taker = Taker()
    for i in range(3):
        inbound_store(raw=mail(message_id=f"<p{i}@acme.test>"), source="imap:INBOX")
    with handler(taker):
        first = inbound_route_pending()
        second = inbound_route_pending()
    assert (first.routed, second.total) == (3, 0) and len(taker.seen) == 3


def test_only_dead_letters_are_retried_or_discarded():
    from django.core.exceptions import ValidationError

    with handler(Taker()):
        routed = inbound_receive(raw=mail(), source="cli")
    with pytest.raises(ValidationError):
        inbound_retry(message=routed)
    dead = inbound_receive(raw=mail(), source="cli")
    assert inbound_discard(message=dead).status == InboundStatus.DISCARDED
    with pytest.raises(ValidationError):
        inbound_discard(message=dead)


def test_the_ingest_command_stores_and_routes_eml_files(tmp_path):
    path = tmp_path / "question.eml"
    path.write_bytes(mail(subject="From a file"))
    out = io.StringIO()
    with handler(Taker()):
        call_command("inbound", "ingest", str(path), stdout=out)
    msg = InboundMessage.objects.get()
    assert msg.source == "cli" and msg.status == InboundStatus.ROUTED and "Routed" in out.getvalue()


# --- the Mailgun inbound webhook (django-anymail, signature-verified) ------------------------------

KEY = "mailgun-signing-key-test"


def _signed(raw: bytes, key: str = KEY, timestamp: str | None = None) -> dict[str, str]:
    timestamp = timestamp or str(int(time.time()))
    token = "a" * 50
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {
        "body-mime": raw.decode(),
        "timestamp": timestamp,
        "token": token,
        "signature": signature,
        "recipient": "help@channelops.test",
        "sender": "pat@acme.test",
    }


def test_a_signed_mailgun_post_is_stored_raw_and_routed(client, settings):
    settings.INBOUND_MAILGUN_SIGNING_KEY = KEY
    taker = Taker()
    with handler(taker):
        response = client.post("/inbound/mailgun/inbound_mime/", _signed(mail(message_id="<mg@acme.test>")))
        again = client.post("/inbound/mailgun/inbound_mime/", _signed(mail(message_id="<mg@acme.test>")))
    assert response.status_code == 200 and again.status_code == 200
    msg = InboundMessage.objects.get()  # the provider's retry is the same message
    assert msg.source == "webhook:mailgun" and msg.status == InboundStatus.ROUTED
    assert msg.message_id == "<mg@acme.test>" and taker.seen == [("<mg@acme.test>", msg.pk)]


def test_a_forged_or_unsigned_mailgun_post_is_refused_and_stores_nothing(client, settings):
    settings.INBOUND_MAILGUN_SIGNING_KEY = KEY
    forged = _signed(mail(), key="not-the-key")
    assert client.post("/inbound/mailgun/", forged).status_code == 400
    unsigned = {k: v for k, v in _signed(mail()).items() if k != "signature"}
    assert client.post("/inbound/mailgun/", unsigned).status_code == 400
    replayed = _signed(mail(), timestamp=str(int(time.time()) - 3600))  # validly signed an hour ago
    assert client.post("/inbound/mailgun/", replayed).status_code == 400
    assert not InboundMessage.objects.exists()


def test_without_a_signing_key_the_webhook_does_not_exist(client, settings):
    settings.INBOUND_MAILGUN_SIGNING_KEY = ""
    assert client.post("/inbound/mailgun/", _signed(mail())).status_code == 404
    assert not InboundMessage.objects.exists()


# --- the console pages -------------------------------------------------------------------------------


def test_the_list_filters_by_status_with_a_constant_number_of_queries(login, phd_emea):
    client = login(phd_emea)
    inbound_receive(raw=mail(subject="Dead one"), source="cli")
    client.get("/console/inbound/")  # warm caches (nav, permissions)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/console/inbound/?status=dead").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(8):
        inbound_receive(raw=mail(subject=f"Dead {i}"), source="cli")
    assert count() == few
    page = client.get("/console/inbound/?status=dead").content.decode()
    assert "Dead one" in page and "No handler took this message." in page
    with handler(Taker()):
        inbound_receive(raw=mail(subject="Routed one"), source="cli")
    assert "Routed one" not in client.get("/console/inbound/?status=dead").content.decode()
    assert "Routed one" in client.get("/console/inbound/?status=routed").content.decode()


def test_the_detail_shows_the_raw_source_escaped_and_retry_and_discard_work(login, phd_emea):
    client = login(phd_emea)
    msg = inbound_receive(raw=mail(subject="Evil", html="<script>alert('x')</script><p>hi</p>"), source="cli")
    page = client.get(f"/console/inbound/{msg.pk}/").content.decode()
    assert "&lt;script&gt;alert(" in page and "<script>alert(" not in page
    assert "No handler took this message." in page and "Retry" in page
    with handler(Taker()):
        response = client.post(f"/console/inbound/{msg.pk}/retry/")
    assert response.status_code == 302
    msg.refresh_from_db()
    assert msg.status == InboundStatus.ROUTED
    dead = inbound_receive(raw=mail(subject="Spam"), source="cli")
    assert client.post(f"/console/inbound/{dead.pk}/discard/").status_code == 302
    dead.refresh_from_db()
    assert dead.status == InboundStatus.DISCARDED


def test_staff_without_the_permission_get_403_and_change_nothing(login, cam):
    msg = inbound_receive(raw=mail(), source="cli")
    client = login(cam)
    assert client.get("/console/inbound/").status_code == 403
    assert client.get(f"/console/inbound/{msg.pk}/").status_code == 403
    assert client.post(f"/console/inbound/{msg.pk}/retry/").status_code == 403
    assert client.post(f"/console/inbound/{msg.pk}/discard/").status_code == 403
    msg.refresh_from_db()
    assert msg.status == InboundStatus.DEAD and msg.attempts == 1


def test_administrators_see_the_list(login, administrator):
    inbound_receive(raw=mail(subject="For the admin"), source="cli")
    assert "For the admin" in login(administrator).get("/console/inbound/").content.decode()


def test_the_raw_source_is_stored_in_the_database():
    msg, _ = inbound_store(raw=mail(), source="cli")
    with connection.cursor() as cur:
        cur.execute("SELECT length(raw) FROM inbound_inboundmessage WHERE id = %s", [msg.pk])
        assert cur.fetchone()[0] == msg.size
