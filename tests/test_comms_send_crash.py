"""A send killed with SIGKILL mid-way and restarted (docs/communications-sending.md, "Exactly once,
and the in-flight rule"): every recipient's Message-ID arrives, and no more duplicates than the
messages that were in flight on the connections at the moment of the kill.

The sender is the real command (``python -m django comms_send <id>``) in a subprocess on a migrated
SQLite file; the SMTP server is aiosmtpd in ANOTHER process (the kill does not take it down), which
writes each accepted message's Message-ID to a file as it accepts it."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from .conftest import _free_port, worker_env

AUDIENCE = 2000
CONCURRENCY = 4

SINK = r"""
import asyncio, re, sys, time
from aiosmtpd.controller import Controller

out = open(sys.argv[2], "a", buffering=1)
MID = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.I | re.M)

class Handler:
    async def handle_DATA(self, server, session, envelope):
        m = MID.search(envelope.original_content)
        out.write((m.group(1).decode() if m else "-") + " " + envelope.mail_from + "\n")
        await asyncio.sleep(0.002)
        return "250 Message accepted"

controller = Controller(Handler(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
open(sys.argv[2] + ".ready", "w").close()
while True:
    time.sleep(3600)
"""

SEED = """
import django
django.setup()
from channelops.accounts.models import User
from channelops.communications.models import Mailing
from channelops.partners.models import Partner, PartnerMembership, Region, Tier
partner = Partner.objects.create(legal_name="Crash Partner", website="https://crash.example", country="GB",
    region=Region.objects.get(code="EMEA"), tier=Tier.objects.get(slug="open"), status="active")
User.objects.bulk_create([User(email=f"reader{i}@crash.example", full_name=f"Reader {i}") for i in range(COUNT)])
PartnerMembership.objects.bulk_create([PartnerMembership(user=u, partner=partner) for u in User.objects.filter(email__endswith="@crash.example")])
m = Mailing.objects.create(kind="special", topic="special", title="Crash test", subject="Crash test",
    body="Read [this](https://example.com/a).", status="scheduled", audience={"signups": False})
print(m.pk)
"""


def _rows(db: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(db, timeout=20)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture
def sink(tmp_path):
    port = _free_port()
    log = tmp_path / "received.log"
    proc = subprocess.Popen([sys.executable, "-c", SINK, str(port), str(log)])
    deadline = time.monotonic() + 30
    while not Path(f"{log}.ready").exists():
        assert time.monotonic() < deadline and proc.poll() is None, "the SMTP sink did not start"
        time.sleep(0.05)
    yield port, log
    proc.kill()
    proc.wait()


def _received(log: Path) -> list[str]:
    return [line.split(" ", 1)[0] for line in log.read_text().splitlines() if line.strip()]


def test_a_send_killed_mid_way_resumes_and_mails_each_recipient_once_but_for_those_in_flight(
    migrated_sqlite, sink
):
    port, log = sink
    env = worker_env(migrated_sqlite, port) | {
        "CHANNELOPS_COMMS_SMTP_URL": f"smtp://127.0.0.1:{port}",
        "CHANNELOPS_COMMS_SEND_CONCURRENCY": str(CONCURRENCY),
        "CHANNELOPS_COMMS_SEND_BATCH": "50",
        "CHANNELOPS_COMMS_SEND_LEASE_SECONDS": "2",
        "CHANNELOPS_COMMS_BOUNCE_ADDRESS": "bounces@vendor.example",
        "CHANNELOPS_SITE_URL": "https://partners.vendor.example",
    }
    seeded = subprocess.run(
        [sys.executable, "-c", SEED.replace("COUNT", str(AUDIENCE))],
        env=env,
        check=True,
        timeout=300,
        capture_output=True,
        text=True,
    )
    mailing_id = int(seeded.stdout.strip().splitlines()[-1])
    sender = subprocess.Popen(
        [sys.executable, "-m", "django", "comms_send", str(mailing_id)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while len(_received(log)) < AUDIENCE // 4:
        assert sender.poll() is None, "the send finished before it was killed"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    os.kill(sender.pid, signal.SIGKILL)
    sender.wait(timeout=30)
    assert sender.returncode == -signal.SIGKILL
    before = len(_received(log))
    assert before < AUDIENCE, "every message had arrived before the kill"
    status = _rows(migrated_sqlite, f"SELECT status FROM communications_mailing WHERE id = {mailing_id}")  # noqa: S608
    assert status == [("sending",)]

    time.sleep(2.5)  # the killed run's leases expire
    done = subprocess.run(
        [sys.executable, "-m", "django", "comms_send", str(mailing_id)],
        env=env,
        timeout=300,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    time.sleep(0.2)

    ids = {
        f"<comm.{mailing_id}.{rid}@partners.vendor.example>"
        for (rid,) in _rows(
            migrated_sqlite, f"SELECT id FROM communications_recipient WHERE mailing_id = {mailing_id}"
        )  # noqa: S608
    }
    assert len(ids) == AUDIENCE
    received = Counter(_received(log))
    assert set(received) == ids  # nobody skipped, nobody else mailed
    duplicates = sum(n - 1 for n in received.values())
    assert duplicates <= CONCURRENCY  # at most the messages in flight at the kill
    statuses = _rows(
        migrated_sqlite,
        f"SELECT status, count(*) FROM communications_recipient WHERE mailing_id = {mailing_id} GROUP BY status",  # noqa: S608
    )
    assert statuses == [("sent", AUDIENCE)]
    assert _rows(migrated_sqlite, f"SELECT status FROM communications_mailing WHERE id = {mailing_id}") == [
        ("sent",)
    ]  # noqa: S608
    # The envelope sender is each recipient's VERP address.
    assert all(
        re.match(r"^bounces\+[0-9a-z]+-[0-9a-f]{16}@vendor\.example$", line.split(" ", 1)[1])
        for line in log.read_text().splitlines()
    )
