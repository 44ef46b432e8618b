"""The outbox: side effects written with the change and delivered exactly once by the worker."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from channelops.core.models import OutboxMessage, OutboxStatus
from channelops.core.outbox import email_enqueue, outbox_deliver_due, outbox_enqueue, outbox_retry

from .conftest import worker_env


def _payload(i: int) -> dict:
    return {
        "to": [f"r{i}@example.test"],
        "subject": f"message {i}",
        "text": f"body {i}",
        "html": f"<p>body {i}</p>",
    }


def test_an_email_is_delivered_once_with_text_and_html_parts(db, smtp_server):
    email_enqueue(
        to="x@example.test",
        template="accounts/email/invitation",
        context={
            "user": type("U", (), {"get_short_name": lambda self: "Xena"})(),
            "link": "http://l/1",
            "days": 14,
        },
        key="test:1",
    )
    assert outbox_deliver_due() == {"sent": 1, "failed": 0}
    assert outbox_deliver_due() == {"sent": 0, "failed": 0}
    [msg] = smtp_server.box.messages
    assert "Xena" in smtp_server.box.text(msg)
    assert 'href="http://l/1"' in smtp_server.box.html(msg)
    assert msg["X-Channelops-Key"] == "test:1"
    assert OutboxMessage.objects.get().status == OutboxStatus.SENT


def test_enqueueing_the_same_key_twice_creates_one_message(db):
    a = outbox_enqueue(kind="email", key="same", payload=_payload(1))
    b = outbox_enqueue(kind="email", key="same", payload=_payload(2))
    assert a.pk == b.pk
    assert OutboxMessage.objects.count() == 1


def test_an_unknown_kind_is_refused_and_writes_nothing(db):
    with pytest.raises(ValueError, match="No outbox handler"):
        outbox_enqueue(kind="carrier-pigeon", key="k", payload={})
    assert not OutboxMessage.objects.exists()


def test_a_rolled_back_change_leaves_no_side_effect(db):
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_enqueue(kind="email", key="rolled-back", payload=_payload(1))
        raise RuntimeError("the business change failed")
    assert not OutboxMessage.objects.exists()


def test_one_delivery_task_is_enqueued_per_transaction(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for i in range(5):
            outbox_enqueue(kind="email", key=f"k{i}", payload=_payload(i))
    assert len(callbacks) == 1


def test_failures_are_retried_with_backoff_then_become_dead_letters(db, smtp_server, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    settings.OUTBOX_BACKOFF_SECONDS = 10
    smtp_server.handler_obj.before_accept = lambda msg: "451 4.3.0 try again later"
    outbox_enqueue(kind="email", key="flaky", payload=_payload(1))
    assert outbox_deliver_due() == {"sent": 0, "failed": 1}
    row = OutboxMessage.objects.get()
    assert row.status == OutboxStatus.PENDING and row.attempts == 1
    assert "451" in row.last_error
    delay = (row.next_attempt_at - timezone.now()).total_seconds()
    assert 8 < delay <= 10
    assert outbox_deliver_due() == {"sent": 0, "failed": 0}  # not due yet
    for expected_delay in (20, 0):
        OutboxMessage.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
        outbox_deliver_due()
        row.refresh_from_db()
        if expected_delay:
            assert row.status == OutboxStatus.PENDING
            assert 18 < (row.next_attempt_at - timezone.now()).total_seconds() <= 20
    assert row.status == OutboxStatus.DEAD and row.attempts == 3
    assert smtp_server.box.messages == []

    smtp_server.handler_obj.before_accept = None
    outbox_retry(message=row)
    assert outbox_deliver_due() == {"sent": 1, "failed": 0}
    assert len(smtp_server.box.messages) == 1


def test_only_dead_letters_can_be_retried(db):
    msg = outbox_enqueue(kind="email", key="k", payload=_payload(1))
    with pytest.raises(ValueError):
        outbox_retry(message=msg)


def test_an_expired_lease_is_claimed_again(db, smtp_server):
    """A worker that died after claiming a row: once the lease runs out, another delivers it."""
    outbox_enqueue(kind="email", key="orphan", payload=_payload(1))
    OutboxMessage.objects.update(
        status=OutboxStatus.SENDING, attempts=1, lease_until=timezone.now() + timedelta(minutes=5)
    )
    assert outbox_deliver_due() == {"sent": 0, "failed": 0}
    OutboxMessage.objects.update(lease_until=timezone.now() - timedelta(seconds=1))
    assert outbox_deliver_due() == {"sent": 1, "failed": 0}
    assert len(smtp_server.box.messages) == 1


def test_staff_retry_dead_letters_from_the_console(db, administrator, login, smtp_server):
    msg = outbox_enqueue(kind="email", key="dead-one", payload=_payload(1))
    OutboxMessage.objects.filter(pk=msg.pk).update(status=OutboxStatus.DEAD, attempts=8, last_error="boom")
    client = login(administrator)
    page = client.get("/console/outbox/dead/")
    assert page.status_code == 200 and b"dead-one" in page.content
    resp = client.post(f"/console/outbox/dead/{msg.pk}/retry/")
    assert resp.status_code == 302
    msg.refresh_from_db()
    assert msg.status == OutboxStatus.PENDING and msg.attempts == 0


def test_a_cam_cannot_see_or_retry_dead_letters(db, cam, login):
    msg = outbox_enqueue(kind="email", key="dead-two", payload=_payload(1))
    OutboxMessage.objects.filter(pk=msg.pk).update(status=OutboxStatus.DEAD)
    client = login(cam)
    assert client.get("/console/outbox/dead/").status_code == 403
    assert client.post(f"/console/outbox/dead/{msg.pk}/retry/").status_code == 403
    msg.refresh_from_db()
    assert msg.status == OutboxStatus.DEAD


# --- the real worker, killed mid-batch and restarted -----------------------------------------

ENQUEUE = """
import django
django.setup()
from django.db import transaction
from channelops.core.outbox import outbox_enqueue
with transaction.atomic():
    for i in range(20):
        outbox_enqueue(kind="email", key=f"batch:{i}", payload={
            "to": [f"r{i}@example.test"], "subject": f"message {i}", "text": f"body {i}"})
"""


def _statuses(db_path) -> dict[str, int]:
    con = sqlite3.connect(db_path, timeout=20)
    try:
        return dict(con.execute("SELECT status, count(*) FROM core_outboxmessage GROUP BY status").fetchall())
    finally:
        con.close()


def test_the_outbox_delivers_exactly_once_when_the_worker_is_killed_and_restarted(
    migrated_sqlite, smtp_server
):
    db_path = migrated_sqlite
    env = worker_env(db_path, smtp_server.port)
    py = sys.executable
    subprocess.run([py, "-c", ENQUEUE], env=env, check=True, timeout=60)

    worker = subprocess.Popen([py, "-m", "django", "worker"], env=env)
    received = []

    def kill_on_sixth(msg):
        received.append(msg["X-Channelops-Key"])
        if len(received) == 6:
            os.kill(worker.pid, signal.SIGKILL)  # dies in the middle of sending message 6
            return "451 4.3.0 connection lost"
        return None

    smtp_server.handler_obj.before_accept = kill_on_sixth
    worker.wait(timeout=60)
    assert worker.returncode == -signal.SIGKILL
    assert len(smtp_server.box.messages) == 5
    assert _statuses(db_path).get("sending") == 1  # the row it was holding

    smtp_server.handler_obj.before_accept = None
    worker = subprocess.Popen([py, "-m", "django", "worker"], env=env)
    scheduler = subprocess.Popen([py, "-m", "django", "scheduler", "--interval", "1"], env=env)
    try:
        deadline = time.time() + 90
        while time.time() < deadline and _statuses(db_path).get("sent", 0) < 20:
            time.sleep(0.5)
    finally:
        for p in (worker, scheduler):
            p.terminate()
            p.wait(timeout=30)
    assert _statuses(db_path) == {"sent": 20}
    keys = [m["X-Channelops-Key"] for m in smtp_server.box.messages]
    assert sorted(keys) == sorted(f"batch:{i}" for i in range(20))  # every message exactly once
