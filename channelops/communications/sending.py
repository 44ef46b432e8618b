"""Sending a mailing: start, the resumable multi-connection send run, completion, and test sends.

The pipeline (docs/communications-sending.md):

1. ``mailing_begin`` turns a scheduled mailing into a sending one, builds its recipient list
   (``recipients.audience_build``), renders it once (``render.render_save``) and queues one
   ``comms_send`` outbox message.
2. The outbox worker runs ``send_run``: ``COMMS_SEND_CONCURRENCY`` threads, each with its own SMTP
   connection (reused for every message) and its own database connection, claim batches of due
   recipients with a lease, drop the suppressed ones, and send each message, recording its outcome
   right after the server's reply. A run stops after a time budget below the outbox lease; what is
   left is continued by a new outbox message.
3. When no row is pending or leased, the mailing is marked sent (``mailing_sent`` hook). Retries
   due later keep it "sending"; the minutely ``comms_send_due`` job resumes it then (and starts the
   scheduled mailings whose time has come).

A claim is a conditional UPDATE of due rows (``Recipient.objects.due()``) that sets a lease whose
expiry doubles as the claim's identity: ``lease_until`` is ``now + COMMS_SEND_LEASE_SECONDS`` plus a
random number of microseconds, and the claimer then reads back the rows carrying exactly that
value. Two claims never get the same row (the UPDATE only touches rows that are still due), on
SQLite and PostgreSQL alike, without ``SKIP LOCKED``.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import ssl
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import environ
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channelops.core.models import OutboxMessage, OutboxStatus
from channelops.core.outbox import outbox_enqueue

from . import hooks, links, render
from .message import Assembler, Person
from .models import (
    Event,
    EventKind,
    Mailing,
    MailingStatus,
    Recipient,
    RecipientStatus,
    Subscriber,
    SubscriberStatus,
    Suppression,
    SuppressionReason,
)
from .recipients import audience_build

log = logging.getLogger(__name__)

OUTBOX_KIND = "comms_send"

# --- rendering ------------------------------------------------------------------------------------


def render_for(mailing: Mailing) -> render.Rendered:
    """The mailing rendered once for its send (``render.render_mailing``: the Partner Flash layout for
    editions, the plain one for the other kinds)."""
    return render.render_mailing(mailing)


# --- the SMTP server ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    user: str = ""
    password: str = ""
    use_tls: bool = False
    use_ssl: bool = False
    timeout: float = 30

    def connect(self) -> smtplib.SMTP:
        conn: smtplib.SMTP
        if self.use_ssl:
            conn = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.use_tls:
                conn.starttls(context=ssl.create_default_context())
        conn.ehlo_or_helo_if_needed()
        if self.user:
            conn.login(self.user, self.password)
        return conn


def smtp_server() -> SmtpServer:
    """``CHANNELOPS_COMMS_SMTP_URL`` when set (``smtp://``, ``smtp+tls://``, ``smtp+ssl://``), else
    Django's ``EMAIL_HOST`` / ``EMAIL_PORT`` / ``EMAIL_USE_TLS`` / ``EMAIL_HOST_USER`` …"""
    if settings.COMMS_SMTP_URL:
        cfg = environ.Env.email_url_config(settings.COMMS_SMTP_URL)
    else:
        cfg = {
            "EMAIL_HOST": settings.EMAIL_HOST,
            "EMAIL_PORT": settings.EMAIL_PORT,
            "EMAIL_HOST_USER": settings.EMAIL_HOST_USER,
            "EMAIL_HOST_PASSWORD": settings.EMAIL_HOST_PASSWORD,
            "EMAIL_USE_TLS": settings.EMAIL_USE_TLS,
            "EMAIL_USE_SSL": settings.EMAIL_USE_SSL,
        }
    return SmtpServer(
        host=cfg.get("EMAIL_HOST") or "localhost",
        port=int(cfg.get("EMAIL_PORT") or 25),
        user=cfg.get("EMAIL_HOST_USER") or "",
        password=cfg.get("EMAIL_HOST_PASSWORD") or "",
        use_tls=bool(cfg.get("EMAIL_USE_TLS")),
        use_ssl=bool(cfg.get("EMAIL_USE_SSL")),
        timeout=getattr(settings, "EMAIL_TIMEOUT", None) or 30,
    )


class Disconnected(Exception):
    """The connection is gone (or the server said 421): reconnect; the message stays due."""


def smtp_send(conn: smtplib.SMTP, sender: str, to: str, data: bytes) -> tuple[int, str, str]:
    """One message on an open connection: ``(reply code, reply text, stage)``; stage is ``mail``,
    ``rcpt`` or ``data``. Raises ``Disconnected`` when the connection failed."""
    try:
        code, resp = conn.mail(sender)
        if code == 421:
            raise Disconnected(resp.decode(errors="replace"))
        if code != 250:
            conn.rset()
            return code, resp.decode(errors="replace"), "mail"
        code, resp = conn.rcpt(to)
        if code == 421:
            raise Disconnected(resp.decode(errors="replace"))
        if code not in (250, 251):
            conn.rset()
            return code, resp.decode(errors="replace"), "rcpt"
        code, resp = conn.data(data)
        if code == 421:
            raise Disconnected(resp.decode(errors="replace"))
        return code, resp.decode(errors="replace"), "data"
    except smtplib.SMTPDataError as exc:  # DATA itself refused (no 354)
        if exc.smtp_code == 421:
            raise Disconnected(str(exc)) from exc
        return exc.smtp_code, str(exc.smtp_error), "data"
    except (smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException, OSError) as exc:
        raise Disconnected(str(exc)) from exc


class RateLimiter:
    """At most ``rate`` messages per second over every thread of the run (0: no limit)."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate and rate > 0 else 0.0
        self.lock = threading.Lock()
        self.next = 0.0

    def wait(self) -> None:
        if not self.interval:
            return
        with self.lock:
            now = time.monotonic()
            at = max(now, self.next)
            self.next = at + self.interval
        if at > now:
            time.sleep(at - now)


# --- start ----------------------------------------------------------------------------------------


def _prepare(mailing: Mailing) -> Mailing:
    """Build the audience and render, unless done for this send already (a resumed start)."""
    if mailing.audience_built_at is None:
        audience_build(mailing)
    started = mailing.sending_started_at
    if not mailing.rendered_at or (started and mailing.rendered_at < started) or not mailing.html:
        render.render_save(mailing, render_for(mailing))
    return mailing


def _active_run(mailing_id: int) -> bool:
    return OutboxMessage.objects.filter(
        kind=OUTBOX_KIND,
        idempotency_key__startswith=f"comms-send:{mailing_id}",
        status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING],
    ).exists()


def send_enqueue(mailing: Mailing, *, follow_up: bool = False) -> OutboxMessage | None:
    """Queue a send run of ``mailing`` (the first one keyed ``comms-send:<id>``); nothing when a run
    is queued or running already, unless ``follow_up`` (the run itself asks for its successor)."""
    if not follow_up and _active_run(mailing.pk):
        return None
    key = f"comms-send:{mailing.pk}"
    if OutboxMessage.objects.filter(idempotency_key=key).exists():
        key = f"{key}:{timezone.now():%Y%m%dT%H%M%S%f}"
    with transaction.atomic():
        return outbox_enqueue(kind=OUTBOX_KIND, key=key, payload={"mailing": mailing.pk})


def mailing_begin(mailing: Mailing, by: Any = None) -> Mailing:
    """Start sending a scheduled mailing: status ``sending``, the recipient list, the rendering, and
    the send run queued. Calling it on a mailing that is sending already completes what a crash
    interrupted and queues a run if none is queued."""
    with transaction.atomic():
        m = Mailing.objects.select_for_update().get(pk=mailing.pk)
        if m.status == MailingStatus.SCHEDULED:
            m.status = MailingStatus.SENDING
            m.sending_started_at = timezone.now()
            m.save(update_fields=["status", "sending_started_at", "updated_at"])
        elif m.status != MailingStatus.SENDING:
            raise ValidationError(
                _("Only a scheduled mailing can be sent; this one is %(status)s.")
                % {"status": m.get_status_display().lower()}
            )
    _prepare(m)
    send_enqueue(m)
    m.refresh_from_db()
    mailing.__dict__.update({k: v for k, v in m.__dict__.items() if not k.startswith("_")})
    return m


# --- the send run ---------------------------------------------------------------------------------


@dataclass
class _Claimed:
    pk: int
    email: str
    name: str
    subscriber_id: int | None
    attempts: int
    lease: Any


def _lease_until(now: Any) -> Any:
    """A lease expiry unique to this claim (random microseconds on top of the lease)."""
    return now + timedelta(seconds=settings.COMMS_SEND_LEASE_SECONDS, microseconds=secrets.randbelow(10**6))


def claim(mailing_id: int, *, size: int, slot: int = 0, slots: int = 1) -> list[_Claimed]:
    """Lease up to ``size`` due recipients of the mailing. ``slot`` of ``slots`` spreads concurrent
    claimers over different rows first, so that they rarely race for the same ones."""
    now = timezone.now()
    due = Recipient.objects.due(now).filter(mailing_id=mailing_id)
    ids = list(due.order_by("id").values_list("id", flat=True)[: size * slots])
    if not ids:
        return []
    mine = ids[slot * size : (slot + 1) * size] or ids[:size]
    lease = _lease_until(now)
    Recipient.objects.due(now).filter(pk__in=mine).update(status=RecipientStatus.SENDING, lease_until=lease)
    rows = Recipient.objects.filter(pk__in=mine, status=RecipientStatus.SENDING, lease_until=lease)
    return [
        _Claimed(pk=r[0], email=r[1], name=r[2], subscriber_id=r[3], attempts=r[4], lease=lease)
        for r in rows.order_by("id").values_list("pk", "email", "name", "subscriber_id", "attempts")
    ]


def release(rows: list[_Claimed]) -> None:
    """Give leased rows back (due again at once), e.g. after a lost connection."""
    for lease in {r.lease for r in rows}:
        Recipient.objects.filter(
            pk__in=[r.pk for r in rows if r.lease == lease], status=RecipientStatus.SENDING, lease_until=lease
        ).update(status=RecipientStatus.PENDING, lease_until=None)


def renew(rows: list[_Claimed]) -> list[_Claimed]:
    """Extend the lease of rows still held (a slow batch, e.g. under a low rate limit); returns the
    rows this claimer still holds (one whose lease expired and was taken by another is dropped)."""
    if not rows:
        return rows
    now = timezone.now()
    lease = _lease_until(now)
    for old in {r.lease for r in rows}:
        Recipient.objects.filter(
            pk__in=[r.pk for r in rows if r.lease == old], status=RecipientStatus.SENDING, lease_until=old
        ).update(lease_until=lease)
    held = set(
        Recipient.objects.filter(pk__in=[r.pk for r in rows], lease_until=lease).values_list("pk", flat=True)
    )
    for r in rows:
        r.lease = lease
    return [r for r in rows if r.pk in held]


def _drop_suppressed(mailing: Mailing, rows: list[_Claimed]) -> list[_Claimed]:
    """Rows whose address is suppressed, or whose subscriber left or no longer wants the topic, end
    as ``suppressed`` (never mailed); the others are returned."""
    emails = [r.email for r in rows]
    out = {e.lower() for e in Suppression.objects.filter(email__in=emails).values_list("email", flat=True)}
    sub_ids = [r.subscriber_id for r in rows if r.subscriber_id]
    left = set()
    for pk, status, topics in Subscriber.objects.filter(pk__in=sub_ids).values_list("pk", "status", "topics"):
        if status == SubscriberStatus.UNSUBSCRIBED or (topics and mailing.topic not in topics):
            left.add(pk)
    dropped = [r for r in rows if r.email.lower() in out or r.subscriber_id in left]
    if dropped:
        Recipient.objects.filter(pk__in=[r.pk for r in dropped]).update(
            status=RecipientStatus.SUPPRESSED, lease_until=None
        )
    return [r for r in rows if r not in dropped]


def _refused_address(code: int, stage: str, message: str) -> bool:
    """A permanent refusal of the address itself (the mailbox does not exist, is not local, or the
    address is invalid): 550/551/553 at RCPT, or at DATA with an X.1.x enhanced status."""
    if code not in (550, 551, 553):
        return False
    return stage == "rcpt" or message.lstrip().startswith(("5.1.", "5.2.1"))


def _event(mailing_id: int, recipient_id: int, kind: str, detail: dict[str, Any]) -> Event:
    event = Event.objects.create(mailing_id=mailing_id, recipient_id=recipient_id, kind=kind, detail=detail)
    hooks.recipient_event.call(event=event)
    return event


def _record_sent(pk: int, now: Any, code: int, attempts: int) -> None:
    """The hot path (once per message): one plain UPDATE, its SQL built once per process, instead of
    compiling an ORM update each time (a third of a millisecond of Python per message)."""
    global _SENT_SQL
    meta = Recipient._meta
    if _SENT_SQL is None:
        qn = connection.ops.quote_name
        cols = ("status", "sent_at", "smtp_code", "attempts", "lease_until", "last_error")
        sets = ", ".join(f"{qn(str(getattr(meta.get_field(c), 'column', c)))} = %s" for c in cols)
        _SENT_SQL = f"UPDATE {qn(meta.db_table)} SET {sets} WHERE {qn(str(meta.pk.column))} = %s"  # noqa: S608
    sent_at = getattr(meta.get_field("sent_at"), "get_db_prep_save")(now, connection)  # noqa: B009
    with connection.cursor() as cursor:
        cursor.execute(_SENT_SQL, [RecipientStatus.SENT.value, sent_at, code, attempts, None, "", pk])


_SENT_SQL: str | None = None


def record(mailing_id: int, row: _Claimed, code: int, message: str, stage: str) -> str:
    """Store the outcome of one message right after the server's reply; returns the new status."""
    now = timezone.now()
    attempts = row.attempts + 1
    message = message[:500]
    qs = Recipient.objects.filter(pk=row.pk)
    if 200 <= code < 300:
        _record_sent(row.pk, now, code, attempts)
        return RecipientStatus.SENT
    if 400 <= code < 500 and attempts < settings.COMMS_SEND_MAX_ATTEMPTS:
        delay = settings.COMMS_SEND_RETRY_SECONDS * (2 ** (attempts - 1))
        qs.update(
            status=RecipientStatus.PENDING,
            attempts=attempts,
            next_attempt_at=now + timedelta(seconds=delay),
            lease_until=None,
            smtp_code=code,
            last_error=message,
        )
        return RecipientStatus.PENDING
    with transaction.atomic():
        qs.update(
            status=RecipientStatus.FAILED,
            attempts=attempts,
            lease_until=None,
            smtp_code=code,
            last_error=message,
        )
        _event(
            mailing_id,
            row.pk,
            EventKind.FAILED,
            {"code": code, "message": message, "stage": stage, "attempts": attempts},
        )
        if 500 <= code < 600 and _refused_address(code, stage, message):
            Suppression.objects.get_or_create(
                email=row.email.lower(),
                defaults={
                    "reason": SuppressionReason.REJECTED,
                    "detail": f"{code} {message}"[:2000],
                    "mailing_id": mailing_id,
                },
            )
    return RecipientStatus.FAILED


class _Run:
    """One ``send_run``: the shared state of its threads."""

    def __init__(self, mailing: Mailing, *, concurrency: int, deadline: float | None) -> None:
        self.mailing = mailing
        self.concurrency = concurrency
        self.deadline = deadline
        self.assembler = Assembler(mailing)
        self.limiter = RateLimiter(settings.COMMS_SEND_RATE)
        self.server = smtp_server()
        self.stats: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.batch = max(1, settings.COMMS_SEND_BATCH)

    def count(self, key: str, n: int = 1) -> None:
        with self.lock:
            self.stats[key] += n

    def expired(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    def cancelled(self) -> bool:
        status = Mailing.objects.filter(pk=self.mailing.pk).values_list("status", flat=True).first()
        return status != MailingStatus.SENDING

    def connect(self) -> smtplib.SMTP | None:
        for attempt in range(3):
            try:
                return self.server.connect()
            except (smtplib.SMTPException, OSError) as exc:
                log.warning(
                    "comms send: cannot connect to %s:%s (%s)", self.server.host, self.server.port, exc
                )
                self.count("connect_errors")
                time.sleep(min(2**attempt, 5) * 0.2)
        return None

    def worker(self, slot: int) -> None:
        conn: smtplib.SMTP | None = None
        envelope_default = self.mailing_from()
        try:
            while not self.expired():
                rows = claim(self.mailing.pk, size=self.batch, slot=slot, slots=self.concurrency)
                if not rows:
                    break
                if self.cancelled():
                    release(rows)
                    break
                rows = _drop_suppressed(self.mailing, rows)
                lost = False
                renew_at = time.monotonic() + settings.COMMS_SEND_LEASE_SECONDS / 2
                i = 0
                while i < len(rows):
                    if self.expired():
                        release(rows[i:])
                        break
                    if time.monotonic() >= renew_at:
                        rows = rows[:i] + renew(rows[i:])
                        renew_at = time.monotonic() + settings.COMMS_SEND_LEASE_SECONDS / 2
                        if i >= len(rows):
                            break
                    row = rows[i]
                    i += 1
                    if conn is None:
                        conn = self.connect()
                        if conn is None:
                            release(rows[i - 1 :])
                            return
                    self.limiter.wait()
                    data = self.assembler.build(
                        Person(pk=row.pk, email=row.email, name=row.name, subscriber_id=row.subscriber_id)
                    )
                    sender = links.verp_address(row.pk) or envelope_default
                    try:
                        code, message, stage = smtp_send(conn, sender, row.email, data)
                    except Disconnected as exc:
                        log.warning("comms send: connection lost (%s); reconnecting", exc)
                        self.count("disconnects")
                        _close(conn)
                        conn = None
                        release(rows[i - 1 :])
                        lost = True
                        break
                    self.count(record(self.mailing.pk, row, code, message, stage))
                if lost and self.stats["disconnects"] > 5 * self.concurrency:
                    return
        finally:
            if conn is not None:
                _close(conn, quit=True)

    def mailing_from(self) -> str:
        from email.utils import parseaddr

        return parseaddr(settings.COMMS_FROM_EMAIL)[1] or settings.COMMS_FROM_EMAIL

    def thread_main(self, slot: int) -> None:
        try:
            self.worker(slot)
        except Exception:
            log.exception("comms send: worker %s of mailing %s failed", slot, self.mailing.pk)
            self.count("worker_errors")
        finally:
            connection.close()


def _close(conn: smtplib.SMTP, *, quit: bool = False) -> None:
    try:
        if quit:
            conn.quit()
        else:
            conn.close()
    except (smtplib.SMTPException, OSError):
        pass


def send_run(
    mailing_id: int, *, concurrency: int | None = None, seconds: float | None = None
) -> dict[str, int]:
    """Send the due messages of a sending mailing with ``concurrency`` connections (default
    ``COMMS_SEND_CONCURRENCY``) for at most ``seconds`` (no limit when None); then mark the mailing
    sent if nothing is left. Returns counts (sent, pending = retried later, failed, suppressed…).

    With a concurrency of 1 — and whenever it is called inside a transaction, whose uncommitted
    rows other connections could not see (a test's transaction, a caller's ``atomic`` block) — the
    run uses the calling thread and its database connection."""
    mailing = Mailing.objects.filter(pk=mailing_id).first()
    if mailing is None or mailing.status != MailingStatus.SENDING:
        return {}
    concurrency = max(1, concurrency or settings.COMMS_SEND_CONCURRENCY)
    if connection.in_atomic_block:
        concurrency = 1
    deadline = time.monotonic() + seconds if seconds else None
    run = _Run(mailing, concurrency=concurrency, deadline=deadline)
    if concurrency == 1:
        run.worker(0)
    else:
        threads = [
            threading.Thread(target=run.thread_main, args=(slot,), name=f"comms-send-{mailing_id}-{slot}")
            for slot in range(concurrency)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    if mailing_finish_if_done(mailing_id):
        run.stats["finished"] = 1
    return dict(run.stats)


def mailing_finish_if_done(mailing_id: int) -> bool:
    """Mark the mailing sent when no recipient is waiting or leased; calls ``hooks.mailing_sent``."""
    with transaction.atomic():
        m = Mailing.objects.select_for_update().filter(pk=mailing_id).first()
        if m is None or m.status != MailingStatus.SENDING:
            return False
        waiting = Recipient.objects.filter(
            mailing_id=mailing_id, status__in=[RecipientStatus.PENDING, RecipientStatus.SENDING]
        ).exists()
        if waiting:
            return False
        m.status = MailingStatus.SENT
        m.sent_at = timezone.now()
        m.save(update_fields=["status", "sent_at", "updated_at"])
        hooks.mailing_sent.call(mailing=m)
    return True


def handle_outbox(msg: OutboxMessage) -> None:
    """The ``comms_send`` outbox handler: one run within the outbox lease, then a successor when
    rows are due now (retries due later, and runs that could not reach the server, are resumed by
    the ``comms_send_due`` job)."""
    mailing_id = int(msg.payload["mailing"])
    stats = send_run(mailing_id, seconds=max(10.0, settings.OUTBOX_LEASE_SECONDS * 0.8))
    if stats.get("connect_errors") or stats.get("worker_errors"):
        return  # the server is unreachable (or a worker failed): the minutely job tries again
    mailing = Mailing.objects.filter(pk=mailing_id, status=MailingStatus.SENDING).first()
    if mailing is not None and Recipient.objects.due().filter(mailing_id=mailing_id).exists():
        send_enqueue(mailing, follow_up=True)


def send_due(now: Any = None) -> dict[str, int]:
    """The minutely job: start the scheduled mailings whose time has come, and resume the sending
    ones that have rows due and no run queued (or finish those with nothing left)."""
    now = now or timezone.now()
    out: Counter[str] = Counter()
    for m in Mailing.objects.filter(status=MailingStatus.SCHEDULED, send_at__lte=now).order_by(
        "send_at", "pk"
    ):
        try:
            mailing_begin(m)
            out["started"] += 1
        except ValidationError:
            continue
    for m in Mailing.objects.filter(status=MailingStatus.SENDING).order_by("pk"):
        if _active_run(m.pk):
            continue
        if m.audience_built_at is None or not m.rendered_at:
            mailing_begin(m)
            out["resumed"] += 1
        elif Recipient.objects.due(now).filter(mailing_id=m.pk).exists():
            send_enqueue(m)
            out["resumed"] += 1
        elif mailing_finish_if_done(m.pk):
            out["finished"] += 1
    return dict(out)


# --- test sends -----------------------------------------------------------------------------------


def _test_addresses(to: list[str]) -> list[str]:
    addresses: list[str] = []
    for raw in to or []:
        address = str(raw).strip()
        if not address:
            continue
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(
                _("%(address)s is not an e-mail address; correct it and send the test again.")
                % {"address": address}
            ) from None
        if address.lower() not in {a.lower() for a in addresses}:
            addresses.append(address)
    if not addresses:
        raise ValidationError(_("Give at least one address to send the test to."))
    return addresses


def _reviewer_name(address: str) -> str:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(email__iexact=address).only("full_name").first()
    if user is not None and user.full_name:
        return user.full_name
    return Subscriber.objects.filter(email=address.lower()).values_list("name", flat=True).first() or ""


@transaction.atomic
def mailing_test_send(*, mailing: Mailing, to: list[str], by: Any) -> int:
    """Queue the mailing as it will look, to each of ``to`` (reviewers): tracking off (plain link
    addresses, no pixel), the reviewer's greeting, the subject prefixed "[Test] ". The mailing's
    stored rendering is not changed. Returns the number of messages queued."""
    addresses = _test_addresses(to)
    rendered = render_for(mailing)
    preview = Mailing(
        pk=mailing.pk,
        kind=mailing.kind,
        topic=mailing.topic,
        title=mailing.title,
        subject=mailing.subject or rendered.subject,
        language=mailing.language,
        slug=mailing.slug,
        public=mailing.public,
        html=rendered.html,
        text=rendered.text,
    )
    assembler = Assembler(preview, tracking=False, subject_prefix="[Test] ", rendered_links=rendered.links)
    now = timezone.now()
    stamp = f"{now:%Y%m%dT%H%M%S%f}"
    subject = "[Test] " + (mailing.subject or rendered.subject or mailing.title)
    for address in addresses:
        person = Person(pk=0, email=address, name=_reviewer_name(address))
        text, html = assembler.parts(person)
        outbox_enqueue(
            kind="email",
            key=f"comms-test:{mailing.pk}:{stamp}:{address.lower()}",
            payload={
                "to": [address],
                "subject": subject,
                "text": text,
                "html": html,
                "from": settings.COMMS_FROM_EMAIL,
                "headers": {"X-Channelops-Test-Send": str(mailing.pk)},
            },
        )
    Mailing.objects.filter(pk=mailing.pk).update(test_sent_at=now, test_sent_to=addresses)
    mailing.test_sent_at, mailing.test_sent_to = now, addresses
    return len(addresses)
