"""Inbound e-mail from a real IMAP server: a private Dovecot (tests/dovecot.py). The poll fetches only
new messages, keeps its cursor, marks them \\Seen, starts over on a UIDVALIDITY change; the real
`channelops inbound poll --once`, killed (SIGKILL) between storing and routing or between storing
and marking \\Seen, routes each message exactly once after the restart."""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from channelops.inbound.imap import imap_config, imap_poll
from channelops.inbound.models import ImapCursor, InboundMessage, InboundStatus
from channelops.inbound.registry import register_handler, unregister_handler
from channelops.inbound.services import inbound_route_pending

from .conftest import worker_env
from .dovecot import dovecot, imap_env, imap_inbox  # noqa: F401 (fixtures)
from .inbound_mail import mail

pytestmark = pytest.mark.django_db


@contextmanager
def taking(seen: list):
    register_handler("test", lambda parsed, record: seen.append(parsed.message_id) or True)
    try:
        yield
    finally:
        unregister_handler("test")


def test_a_poll_fetches_only_new_messages_keeps_its_cursor_and_marks_them_seen(imap_inbox):
    imap_inbox.append(*(mail(message_id=f"<a{i}@acme.test>") for i in range(3)))
    first = imap_poll()
    assert (first.fetched, first.stored, first.duplicates) == (3, 3, 0)
    cursor = ImapCursor.objects.get(key=imap_config().key)
    uids = sorted(imap_inbox.flags())
    assert cursor.last_uid == uids[-1] and cursor.uidvalidity
    assert all("\\Seen" in f for f in imap_inbox.flags().values())
    assert set(InboundMessage.objects.values_list("source", flat=True)) == {"imap:INBOX"}

    assert imap_poll().fetched == 0  # nothing new: nothing fetched
    imap_inbox.append(mail(message_id="<a3@acme.test>"))
    later = imap_poll()
    assert (later.fetched, later.stored) == (1, 1) and InboundMessage.objects.count() == 4

    seen: list[str] = []
    with taking(seen):
        assert inbound_route_pending().routed == 4
    assert sorted(seen) == [f"<a{i}@acme.test>" for i in range(4)]


def test_a_uidvalidity_change_fetches_again_from_the_start_and_de_duplicates(imap_inbox):
    imap_inbox.recreate("Helpdesk")
    imap_inbox.append(mail(message_id="<v1@acme.test>"), mailbox="Helpdesk")
    cfg = imap_config()
    from dataclasses import replace

    cfg = replace(cfg, mailbox="Helpdesk")
    assert imap_poll(cfg=cfg).stored == 1
    before = ImapCursor.objects.get(key=cfg.key).uidvalidity
    # The mailbox is rebuilt (a server migration): new UIDVALIDITY, UIDs from 1 again.
    imap_inbox.recreate("Helpdesk")
    imap_inbox.append(
        mail(message_id="<v1@acme.test>"), mail(message_id="<v2@acme.test>"), mailbox="Helpdesk"
    )
    again = imap_poll(cfg=cfg)
    assert again.uidvalidity_changed and (again.fetched, again.stored, again.duplicates) == (2, 1, 1)
    cursor = ImapCursor.objects.get(key=cfg.key)
    assert cursor.uidvalidity != before and cursor.last_uid == max(imap_inbox.flags("Helpdesk"))


def test_the_poll_command_fetches_routes_and_reports(imap_inbox):
    imap_inbox.append(
        mail(message_id="<c1@acme.test>"), mail(message_id="<c2@acme.test>", headers={"Precedence": "bulk"})
    )
    out = io.StringIO()
    seen: list[str] = []
    with taking(seen):
        call_command("inbound", "poll", "--once", "--quiet", stdout=out)
    text = out.getvalue()
    assert "2 fetched, 2 new" in text and "Routed 1, ignored (automated) 1, dead letters 0" in text
    statuses = dict(InboundMessage.objects.values_list("message_id", "status"))
    assert statuses == {"<c1@acme.test>": InboundStatus.ROUTED, "<c2@acme.test>": InboundStatus.IGNORED}


def test_a_wrong_password_is_a_clear_error(imap_inbox, settings):
    settings.INBOUND_IMAP_PASSWORD = "wrong"
    with pytest.raises(CommandError, match="refused the login"):
        call_command("inbound", "poll", "--once", "--quiet", stdout=io.StringIO())


def test_without_a_mailbox_the_poll_command_says_what_to_set(settings):
    settings.INBOUND_IMAP_HOST = ""
    with pytest.raises(CommandError, match="CHANNELOPS_INBOUND_IMAP_HOST"):
        call_command("inbound", "poll", "--once")


# --- crash safety: the real command in a subprocess, killed ----------------------------------------

# The handler the subprocess registers: it records every message it takes in a table of its own, so
# "routed exactly once" is counted in the database the subprocess wrote.
RUN = """
import os, sys
import django
django.setup()
from django.db import connection
from channelops.inbound.registry import register_handler

with connection.cursor() as cur:
    cur.execute("CREATE TABLE IF NOT EXISTS taken (message_id TEXT)")

def take(parsed, record):
    with connection.cursor() as cur:
        cur.execute("INSERT INTO taken (message_id) VALUES (%s)", [parsed.message_id])
    return True

register_handler("crash-test", take)
from django.core.management import call_command
call_command("inbound", "poll", "--once", "--quiet")
"""


def _rows(db, sql):
    con = sqlite3.connect(db, timeout=20)
    try:
        return con.execute(sql).fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        con.close()


def _run_killed_at(env, pause: str, marker) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", RUN],
        env=env | {"CHANNELOPS_INBOUND_TEST_PAUSE": pause, "CHANNELOPS_INBOUND_TEST_MARKER": str(marker)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not marker.exists():
        if proc.poll() is not None:
            raise AssertionError("the poll ended before the pause: " + proc.stderr.read().decode())
        assert time.monotonic() < deadline, "the poll never reached the pause"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    marker.unlink()


@pytest.fixture
def crash_env(migrated_sqlite, dovecot):  # noqa: F811
    dovecot.reset("INBOX")
    return worker_env(migrated_sqlite, 1) | imap_env(dovecot), migrated_sqlite


@pytest.mark.parametrize("pause", ["after_store", "before_route"])
def test_a_poll_killed_between_storing_and_routing_routes_each_message_once_after_restart(
    crash_env,
    dovecot,
    pause,
    tmp_path,  # noqa: F811
):
    env, db = crash_env
    dovecot.append(*(mail(message_id=f"<k{i}@acme.test>") for i in range(5)))
    _run_killed_at(env, pause, tmp_path / "paused")
    stored = _rows(db, "SELECT message_id, status FROM inbound_inboundmessage")
    assert len(stored) == 5 and {s for _m, s in stored} == {"received"}  # stored, committed, not routed
    assert _rows(db, "SELECT count(*) FROM taken") in ([], [(0,)])
    if pause == "after_store":  # killed before the cursor moved and before \Seen
        assert not any("\\Seen" in f for f in dovecot.flags().values())

    done = subprocess.run([sys.executable, "-c", RUN], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert sorted(_rows(db, "SELECT message_id FROM taken")) == [(f"<k{i}@acme.test>",) for i in range(5)]
    assert _rows(db, "SELECT count(*), min(status), max(status) FROM inbound_inboundmessage") == [
        (5, "routed", "routed")
    ]
    assert all("\\Seen" in f for f in dovecot.flags().values())
    # And once more: nothing new, nothing routed twice.
    subprocess.run([sys.executable, "-c", RUN], env=env, check=True, capture_output=True, timeout=120)
    assert _rows(db, "SELECT count(*) FROM taken") == [(5,)]


def test_idle_wakes_on_new_mail_when_the_server_supports_it(imap_inbox):
    import threading

    from channelops.inbound.imap import connect, imap_wait, supports_idle

    box = connect(imap_config())
    try:
        box.client.select('"INBOX"')
        assert supports_idle(box)  # Dovecot does
        timer = threading.Timer(0.5, lambda: imap_inbox.append(mail(message_id="<idle@acme.test>")))
        timer.start()
        started = time.monotonic()
        assert imap_wait(box, 20) is True
        assert time.monotonic() - started < 15
        timer.join()
    finally:
        box.logout()


def test_the_scheduled_task_polls_and_routes(imap_inbox):
    from channelops.inbound.tasks import inbound_task

    imap_inbox.append(mail(message_id="<task@acme.test>"))
    seen: list[str] = []
    with taking(seen):
        out = inbound_task.call()
    assert out["stored"] == 1 and out["routed"] == 1 and seen == ["<task@acme.test>"]


def test_the_scheduled_task_without_a_mailbox_still_routes_what_is_stored(settings):
    from channelops.inbound.services import inbound_store
    from channelops.inbound.tasks import inbound_task

    settings.INBOUND_IMAP_HOST = ""
    inbound_store(raw=mail(message_id="<hook@acme.test>"), source="webhook:mailgun")
    seen: list[str] = []
    with taking(seen):
        out = inbound_task.call()
    assert "stored" not in out and out["routed"] == 1
