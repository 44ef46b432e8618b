"""Sending partner mailings (docs/communications-sending.md): the audience, the messages as they
arrive at a real SMTP server, retries and refusals, resuming after a crash, DKIM, test sends."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import time_machine
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from channelops.communications import hooks, links
from channelops.communications.models import (
    Event,
    Mailing,
    Recipient,
    Subscriber,
    Suppression,
)
from channelops.communications.recipients import audience_build
from channelops.communications.sending import (
    claim,
    mailing_begin,
    mailing_test_send,
    record,
    renew,
    send_due,
    send_run,
)
from channelops.core.models import OutboxMessage
from channelops.partners.models import Region, Tier

from .comms_send_helpers import mailing, people, raw_server
from .conftest import _free_port
from .factories import PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_connection(settings):
    settings.COMMS_SEND_CONCURRENCY = 1
    settings.COMMS_SMTP_URL = ""
    settings.COMMS_SEND_RETRY_SECONDS = 300
    settings.COMMS_SEND_MAX_ATTEMPTS = 3
    settings.COMMS_FROM_EMAIL = "Partner Flash <flash@vendor.example>"
    settings.SITE_URL = "https://partners.vendor.example"
    return settings


@pytest.fixture
def raw(settings):
    controller, box = raw_server(_free_port())
    settings.COMMS_SMTP_URL = f"smtp://127.0.0.1:{controller.port}"
    yield box
    controller.stop()


def _partner(**kw):
    return PartnerFactory(country="GB", **kw)


def _sent_ids(box) -> Counter:
    return Counter(m["Message-ID"] for m in box.messages)


# --- the audience -----------------------------------------------------------------------------


def test_audience_portal_users_and_signups_minus_the_unsubscribed_the_uninterested_and_the_suppressed():
    partner = _partner()
    users = people(partner, 5)
    Subscriber.objects.create(email="fan@else.example", name="Fan", status="subscribed", source="signup")
    Subscriber.objects.create(email="pending@else.example", status="pending", source="signup")
    Subscriber.objects.create(
        email="flash-only@else.example", status="subscribed", source="signup", topics=["flash"]
    )
    Subscriber.objects.create(email=users[0].email, user=users[0], status="unsubscribed", source="portal")
    Subscriber.objects.create(
        email=users[1].email, user=users[1], status="subscribed", source="portal", topics=["flash"]
    )
    Suppression.objects.create(email=users[2].email, reason="hard_bounce")
    m = mailing()

    assert audience_build(m) == 3
    rows = {r.email: r for r in Recipient.objects.filter(mailing=m)}
    assert set(rows) == {users[3].email, users[4].email, "fan@else.example"}
    assert rows[users[3].email].partner_id == partner.pk and rows[users[3].email].user_id == users[3].pk
    assert rows[users[3].email].name == "Person3 Tester"
    created = Subscriber.objects.get(email=users[3].email)
    assert (created.source, created.status, created.user_id, created.partner_id) == (
        "portal",
        "subscribed",
        users[3].pk,
        partner.pk,
    )
    assert rows[users[3].email].subscriber_id == created.pk
    m.refresh_from_db()
    assert m.audience_built_at is not None
    # Idempotent: a second build (after a crash) adds nothing and changes nothing.
    assert audience_build(m) == 3


def test_audience_filters_partner_region_tier_role_language_and_signups():
    emea = _partner()
    amer = _partner(region=Region.objects.get(code="AMER"), tier=Tier.objects.get(slug="select"))
    e_users = people(emea, 2, prefix="e")
    a_admin = people(amer, 1, prefix="aa", role="admin")
    a_de = people(amer, 1, prefix="ad", language="de")
    Subscriber.objects.create(
        email="de-fan@else.example", status="subscribed", source="signup", language="de"
    )
    Subscriber.objects.create(
        email="en-fan@else.example", status="subscribed", source="signup", language="en"
    )

    def emails(audience):
        m = mailing(audience=audience, title=str(audience))
        audience_build(m)
        return set(Recipient.objects.filter(mailing=m).values_list("email", flat=True))

    every = {u.email for u in e_users + a_admin + a_de} | {"de-fan@else.example", "en-fan@else.example"}
    assert emails({}) == every
    assert emails({"partners": [emea.pk], "signups": False}) == {u.email for u in e_users}
    assert emails({"regions": ["AMER"], "signups": False}) == {a_admin[0].email, a_de[0].email}
    assert emails({"tiers": ["select"], "signups": False}) == {a_admin[0].email, a_de[0].email}
    assert emails({"roles": ["admin"], "signups": False}) == {a_admin[0].email}
    assert emails({"languages": ["de"]}) == {a_de[0].email, "de-fan@else.example"}


def test_audience_build_makes_the_same_number_of_queries_for_100_and_1000_people():
    """Constant per chunk of ``recipients.CHUNK`` people (one ``executemany`` per table and chunk)."""
    reads, inserts = [], []
    for n in (100, 1000):
        partner = _partner()
        people(partner, n, prefix=f"q{n}-")
        Subscriber.objects.bulk_create(
            [
                Subscriber(email=f"s{n}-{i}@else.example", status="subscribed", source="signup")
                for i in range(n)
            ]
        )
        m = mailing(audience={"partners": [partner.pk]}, title=f"size {n}")
        with CaptureQueriesContext(connection) as ctx:
            assert audience_build(m) == 2 * n + (n == 1000) * 100
        sql = [q["sql"].lstrip().upper() for q in ctx.captured_queries]
        reads.append(sum(1 for q in sql if "INSERT INTO" not in q))
        inserts.append(sum(1 for q in sql if "INSERT INTO" in q))
    assert (
        reads[0] == reads[1] and inserts[0] == inserts[1] == 3
    )  # subscribers, portal and sign-up recipients


# --- a full send ------------------------------------------------------------------------------


def test_full_send_through_the_outbox_arrives_once_each_with_the_bulk_headers(
    one_connection, smtp_server, deliver
):
    one_connection.COMMS_UNSUBSCRIBE_ADDRESS = "unsubscribe@vendor.example"
    partner = _partner()
    users = people(partner, 6)
    Suppression.objects.create(email=users[5].email, reason="complaint")
    m = mailing()
    sent_hook = []
    with hooks.mailing_sent.registered(lambda mailing: sent_hook.append(mailing.pk)):
        mailing_begin(m)
        assert m.status == "sending" and m.sending_started_at and m.rendered_at
        assert OutboxMessage.objects.filter(kind="comms_send", idempotency_key=f"comms-send:{m.pk}").exists()
        deliver()

    m.refresh_from_db()
    assert m.status == "sent" and m.sent_at is not None and sent_hook == [m.pk]
    box = smtp_server.box
    assert len(box.messages) == 5
    assert not box.to(users[5].email)  # suppressed: never mailed
    ids = _sent_ids(box)
    assert len(ids) == 5 and set(ids.values()) == {1}
    unsubscribe_urls = set()
    for r in Recipient.objects.filter(mailing=m):
        assert (r.status, r.smtp_code, r.attempts) == ("sent", 250, 1)
        (msg,) = box.to(r.email)
        assert msg["Message-ID"] == links.message_id(m.pk, r.pk)
        assert msg["From"] == "Partner Flash <flash@vendor.example>"
        assert msg["To"] == f"Person{r.email[1]} Tester <{r.email}>"
        assert msg["Subject"] == "Tell us what you think"
        assert (
            msg["Date"] and msg["Precedence"] == "bulk" and msg["Feedback-ID"].startswith(f"{m.pk}:special:")
        )
        assert msg["List-Id"].endswith("<special.partners.vendor.example>")
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        https, mailto = [part.strip(" <>") for part in msg["List-Unsubscribe"].split(",")]
        assert https == links.unsubscribe_url(r.pk) and https.startswith(
            "https://partners.vendor.example/newsletter/u/"
        )
        assert links.read_recipient_token(https.rstrip("/").rsplit("/", 1)[1]) == r.pk
        assert mailto.startswith("mailto:unsubscribe@vendor.example?subject=unsubscribe%20")
        unsubscribe_urls.add(https)
        text, html = box.text(msg), box.html(msg)
        assert text.startswith(f"Hi Person{r.email[1]},")
        assert links.click_url(r.pk, 1) in html and links.open_url(r.pk) in html
        assert "{{ch:" not in text + html and "survey.example" not in html
    assert len(unsubscribe_urls) == 5
    suppressed = Recipient.objects.filter(mailing=m, email=users[5].email)
    assert not suppressed.exists()  # left out when the audience was built
    assert not Event.objects.filter(mailing=m).exists()  # no event per successful message


def test_an_address_suppressed_after_the_audience_was_built_is_not_mailed(one_connection, smtp_server):
    partner = _partner()
    users = people(partner, 3)
    m = mailing()
    mailing_begin(m)
    Suppression.objects.create(email=users[0].email, reason="unsubscribed")
    send_run(m.pk)
    assert not smtp_server.box.to(users[0].email) and len(smtp_server.box.messages) == 2
    assert Recipient.objects.get(mailing=m, email=users[0].email).status == "suppressed"
    m.refresh_from_db()
    assert m.status == "sent"


def test_a_temporary_refusal_is_retried_later_and_then_sent(one_connection, smtp_server):
    partner = _partner()
    users = people(partner, 3)
    refused = users[1].email
    smtp_server.handler_obj.before_accept = lambda msg: (
        "451 4.3.0 Try again later" if refused in msg["To"] else None
    )
    m = mailing()
    with time_machine.travel(dt.datetime(2026, 5, 7, 9, 0, tzinfo=dt.UTC), tick=False):
        mailing_begin(m)
        send_run(m.pk)
        r = Recipient.objects.get(mailing=m, email=refused)
        assert (r.status, r.attempts, r.smtp_code) == ("pending", 1, 451)
        assert r.next_attempt_at == timezone.now() + dt.timedelta(seconds=300)
        m.refresh_from_db()
        assert m.status == "sending"  # waits for the retry
        assert send_due() == {}  # a run is queued already (the mailing's first), nothing due anyway
    smtp_server.handler_obj.before_accept = None
    OutboxMessage.objects.filter(kind="comms_send").update(status="sent")
    with time_machine.travel(dt.datetime(2026, 5, 7, 9, 5, 1, tzinfo=dt.UTC), tick=False):
        assert send_due() == {"resumed": 1}
        send_run(m.pk)
    r.refresh_from_db()
    assert (r.status, r.attempts, r.smtp_code) == ("sent", 2, 250)
    assert _sent_ids(smtp_server.box)[links.message_id(m.pk, r.pk)] == 1
    m.refresh_from_db()
    assert m.status == "sent"


def test_temporary_refusals_give_up_after_the_maximum_attempts(one_connection, smtp_server):
    partner = _partner()
    (user,) = people(partner, 1)
    smtp_server.handler_obj.before_accept = lambda msg: "452 4.2.2 Mailbox full"
    m = mailing()
    start = dt.datetime(2026, 5, 7, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        mailing_begin(m)
    for minutes in (0, 6, 20):  # attempts at 0, +5 min, +15 min (300 s · 2^n)
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
            send_run(m.pk)
    r = Recipient.objects.get(mailing=m)
    assert (r.status, r.attempts) == ("failed", 3)
    assert Event.objects.get(recipient=r).kind == "failed"
    assert not Suppression.objects.filter(email=user.email).exists()  # temporary: not suppressed
    m.refresh_from_db()
    assert m.status == "sent"


def test_a_permanent_refusal_is_recorded_not_retried_and_suppresses_an_unknown_mailbox(
    one_connection, smtp_server
):
    partner = _partner()
    users = people(partner, 3)
    replies = {users[0].email: "550 5.1.1 No such user", users[1].email: "554 5.7.1 Message refused"}

    def refuse(msg):
        return next((reply for address, reply in replies.items() if address in msg["To"]), None)

    smtp_server.handler_obj.before_accept = refuse
    m = mailing()
    events = []
    with hooks.recipient_event.registered(lambda event: events.append((event.kind, event.recipient.email))):
        mailing_begin(m)
        send_run(m.pk)
    unknown = Recipient.objects.get(mailing=m, email=users[0].email)
    refused = Recipient.objects.get(mailing=m, email=users[1].email)
    assert (unknown.status, unknown.smtp_code, unknown.attempts) == ("failed", 550, 1)
    assert (refused.status, refused.smtp_code) == ("failed", 554)
    assert "No such user" in unknown.last_error
    assert sorted(events) == sorted([("failed", users[0].email), ("failed", users[1].email)])
    assert Event.objects.get(recipient=unknown).detail["code"] == 550
    assert Suppression.objects.get(email=users[0].email).reason == "rejected"
    assert not Suppression.objects.filter(email=users[1].email).exists()  # content refusal: not the address
    m.refresh_from_db()
    assert m.status == "sent"
    smtp_server.handler_obj.before_accept = None
    send_run(m.pk)  # nothing is retried
    assert Recipient.objects.get(pk=unknown.pk).attempts == 1


def test_refusals_at_rcpt_and_the_verp_envelope(one_connection, raw):
    one_connection.COMMS_BOUNCE_ADDRESS = "bounces@vendor.example"
    partner = _partner()
    users = people(partner, 3)
    raw.refuse_rcpt[users[0].email] = "550 5.1.1 Unknown user"
    raw.refuse_rcpt[users[1].email] = "450 4.2.1 Greylisted"
    m = mailing()
    mailing_begin(m)
    send_run(m.pk)
    assert Recipient.objects.get(mailing=m, email=users[0].email).status == "failed"
    assert Suppression.objects.get(email=users[0].email).reason == "rejected"
    assert Recipient.objects.get(mailing=m, email=users[1].email).status == "pending"
    (envelope,) = raw.envelopes
    r = Recipient.objects.get(mailing=m, email=users[2].email)
    assert envelope.rcpt_tos == [users[2].email]
    assert envelope.mail_from == links.verp_address(r.pk) and links.read_verp(envelope.mail_from) == r.pk


def test_a_send_resumed_after_a_crash_mails_nobody_twice(one_connection, smtp_server):
    partner = _partner()
    people(partner, 10)
    m = mailing()
    start = dt.datetime(2026, 5, 7, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        mailing_begin(m)
        # A run that crashed: it had leased four rows and recorded one message as sent.
        crashed = claim(m.pk, size=4)
        assert len(crashed) == 4
        record(m.pk, crashed[0], 250, "OK", "data")
        assert {r.pk for r in claim(m.pk, size=10)}.isdisjoint({r.pk for r in crashed})  # leased
        Recipient.objects.filter(mailing=m, status="sending").exclude(pk__in=[r.pk for r in crashed]).update(
            status="pending", lease_until=None
        )
        send_run(m.pk)  # another run sends only what is not leased
        assert Recipient.objects.filter(mailing=m, status="sending").count() == 3
        m.refresh_from_db()
        assert m.status == "sending"
    with time_machine.travel(start + dt.timedelta(seconds=301), tick=False):
        send_run(m.pk)  # the lease expired: the three are sent now
    ids = _sent_ids(smtp_server.box)
    assert len(ids) == 9 and set(ids.values()) == {1}
    assert links.message_id(m.pk, crashed[0].pk) not in ids
    assert not Recipient.objects.filter(mailing=m).exclude(status="sent").exists()
    m.refresh_from_db()
    assert m.status == "sent"


def test_the_due_job_starts_scheduled_mailings_and_only_those_whose_time_has_come(
    one_connection, smtp_server, deliver
):
    partner = _partner()
    people(partner, 2)
    now = timezone.now()
    due = mailing(send_at=now - dt.timedelta(minutes=1), title="due")
    later = mailing(send_at=now + dt.timedelta(hours=1), title="later")
    draft = mailing(send_at=now - dt.timedelta(hours=1), status="draft", title="draft")
    assert send_due(now) == {"started": 1}
    deliver()
    for m, status in ((due, "sent"), (later, "scheduled"), (draft, "draft")):
        m.refresh_from_db()
        assert m.status == status
    assert len(smtp_server.box.messages) == 2


def test_begin_refuses_a_draft_or_a_sent_mailing():
    m = mailing(status="draft")
    with pytest.raises(ValidationError, match="Only a scheduled mailing can be sent"):
        mailing_begin(m)
    assert Mailing.objects.get(pk=m.pk).status == "draft"


# --- DKIM -------------------------------------------------------------------------------------


def test_dkim_signature_verifies_on_the_received_message(one_connection, raw):
    import dkim

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    import base64

    txt = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    one_connection.COMMS_DKIM_PRIVATE_KEY = pem
    one_connection.COMMS_DKIM_SELECTOR = "flash"
    one_connection.COMMS_DKIM_DOMAIN = "vendor.example"
    partner = _partner()
    people(partner, 2)
    m = mailing(subject="Neuigkeiten für Partner ✓")
    mailing_begin(m)
    send_run(m.pk)
    assert len(raw.envelopes) == 2

    def dnsfunc(name, timeout=5):
        assert name == b"flash._domainkey.vendor.example."
        return txt

    for envelope in raw.envelopes:
        assert envelope.content.startswith(b"DKIM-Signature:")
        signature = envelope.content.split(b"\r\n\r\n", 1)[0]
        for header in (
            b"from",
            b"to",
            b"subject",
            b"date",
            b"message-id",
            b"list-unsubscribe",
            b"list-unsubscribe-post",
        ):
            assert header in signature.lower().split(b"h=", 1)[1].split(b";", 1)[0]
        assert dkim.verify(envelope.content, dnsfunc=dnsfunc)
        # every line ends in CRLF (a server would rewrite a bare LF and break the body hash)
        assert b"\n" not in envelope.content.replace(b"\r\n", b"")
        assert dkim.verify(envelope.content.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"), dnsfunc=dnsfunc)
        tampered = envelope.content.replace(b"Subject:", b"Subject: Re:", 1)
        assert not dkim.verify(tampered, dnsfunc=dnsfunc)


# --- test sends -------------------------------------------------------------------------------


def test_test_send_goes_to_the_reviewers_with_tracking_off(one_connection, smtp_server, deliver):
    reviewer = UserFactory(email="rita@vendor.example", full_name="Rita Reviewer", is_staff=True)
    m = mailing(status="draft")
    n = mailing_test_send(mailing=m, to=["rita@vendor.example", " other@vendor.example "], by=reviewer)
    assert n == 2
    m.refresh_from_db()
    assert m.test_sent_at is not None and m.test_sent_to == ["rita@vendor.example", "other@vendor.example"]
    assert m.html == "" and not m.rendered_at  # the stored rendering is untouched
    deliver()
    (msg,) = smtp_server.box.to("rita@vendor.example")
    assert msg["Subject"] == "[Test] Tell us what you think"
    html, text = smtp_server.box.html(msg), smtp_server.box.text(msg)
    assert text.startswith("Hi Rita,")
    assert 'href="https://survey.example/s?id=1"' in html and "/newsletter/c/" not in html
    assert "/newsletter/o/" not in html
    (other,) = smtp_server.box.to("other@vendor.example")
    assert smtp_server.box.text(other).startswith("Hello,")


def test_test_send_refuses_no_address_or_a_bad_one_and_changes_nothing(one_connection):
    m = mailing(status="draft")
    for to, message in (
        ([], "at least one address"),
        (["  "], "at least one address"),
        (["ok@x.example", "nope"], "nope is not an e-mail address"),
    ):
        with pytest.raises(ValidationError, match=message):
            mailing_test_send(mailing=m, to=to, by=None)
    assert not OutboxMessage.objects.filter(kind="email").exists()
    assert Mailing.objects.get(pk=m.pk).test_sent_at is None


# --- several connections at once --------------------------------------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="threads need committed rows: PostgreSQL (on SQLite a transactional test after a browser "
    "test in the same worker cannot flush; the kill -9 test runs four connections on SQLite)",
)
@pytest.mark.django_db(transaction=True)
def test_three_connections_send_each_message_once(settings, smtp_server):
    settings.COMMS_SEND_CONCURRENCY = 3
    settings.COMMS_SEND_BATCH = 7
    settings.COMMS_SMTP_URL = ""
    partner = _partner()
    people(partner, 60)
    m = mailing()
    mailing_begin(m)
    stats = send_run(m.pk)
    assert stats["sent"] == 60 and stats["finished"] == 1
    ids = _sent_ids(smtp_server.box)
    assert len(ids) == 60 and set(ids.values()) == {1}
    assert Recipient.objects.filter(mailing=m, status="sent").count() == 60


def test_a_lost_server_leaves_the_messages_due(one_connection, settings, deliver):
    settings.COMMS_SMTP_URL = f"smtp://127.0.0.1:{_free_port()}"  # nobody listens
    partner = _partner()
    people(partner, 3)
    m = mailing()
    mailing_begin(m)
    stats = send_run(m.pk)
    assert stats.get("connect_errors") == 3 and "sent" not in stats
    assert Recipient.objects.filter(mailing=m, status="pending", lease_until=None).count() == 3
    m.refresh_from_db()
    assert m.status == "sending"
    # The outbox run does not queue a successor at once (no busy loop): the minutely job retries.
    deliver()
    assert OutboxMessage.objects.filter(kind="comms_send").count() == 1
    assert Recipient.objects.filter(mailing=m, status="pending").count() == 3


def test_inside_a_transaction_the_run_uses_the_calling_thread(settings, smtp_server, deliver):
    """Threads' own connections could not see a transaction's rows (a test's, a caller's atomic
    block): there the run sends from the calling thread, whatever the concurrency."""
    settings.COMMS_SEND_CONCURRENCY = 4
    settings.COMMS_SMTP_URL = ""
    partner = _partner()
    people(partner, 5)
    m = mailing()
    mailing_begin(m)
    deliver()
    m.refresh_from_db()
    assert m.status == "sent" and len(smtp_server.box.messages) == 5


def test_a_slow_batch_renews_its_lease_and_drops_rows_taken_by_another(one_connection):
    partner = _partner()
    people(partner, 4)
    m = mailing()
    start = dt.datetime(2026, 5, 7, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        mailing_begin(m)
        rows = claim(m.pk, size=4)
    with time_machine.travel(start + dt.timedelta(seconds=301), tick=False):
        taken = claim(m.pk, size=1)  # row 1's lease expired: another claimer took it
        assert [r.pk for r in taken] == [rows[0].pk]
        kept = renew(rows)
        assert [r.pk for r in kept] == [r.pk for r in rows[1:]]
        assert not claim(m.pk, size=4)  # the renewed leases hold
        until = Recipient.objects.get(pk=rows[1].pk).lease_until
        assert until > timezone.now() + dt.timedelta(seconds=299)
