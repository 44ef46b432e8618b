"""The CRM sync killed mid-batch (SIGKILL) and restarted, outbound and inbound (docs/crm.md, "How a
run works"): no duplicate record, no lost update, cursors consistent.

The sync runs as the real command (``python -m django crm sync``) in a subprocess on a migrated
SQLite file; the Salesforce double runs in this process and kills the subprocess right after the
org applied a call and before the answer reaches it — the worst moment: Salesforce has the
batch, channelops never learns it."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime

import pytest
import time_machine

from .conftest import worker_env
from .fake_salesforce import FakeSalesforce

PARTNERS = 1000  # five collections of 200

SEED = """
import django
django.setup()
from channelops.partners.models import Contact, Partner, Region, Tier
regions, tiers = list(Region.objects.order_by("code")), list(Tier.objects.order_by("rank"))
Partner.objects.bulk_create([
    Partner(legal_name=f"Crash Partner {i:04d}", website=f"https://c{i}.example", country="GB",
            region=regions[i % len(regions)], tier=tiers[i % len(tiers)], status="active")
    for i in range(COUNT)
])
for pid in Partner.objects.order_by("pk").values_list("pk", flat=True)[:50]:
    Contact.objects.create(partner_id=pid, first_name="Crash", last_name=f"Contact {pid}",
                           email=f"person@p{pid}.example")
"""

TOUCH = """
import django, sys
django.setup()
from channelops.partners.models import Partner
from channelops.partners.services import partner_fields_set
from channelops.accounts.models import User
by, _ = User.objects.get_or_create(email="ops@vendor.test", defaults={"full_name": "Ops", "is_staff": True})
for p in Partner.objects.filter(legal_name__in=sys.argv[1].split(",")):
    partner_fields_set(partner=p, by=by, data={"account_notes": sys.argv[2]})
"""


def _real_now() -> datetime:
    if time_machine.escape_hatch.is_travelling():
        return time_machine.escape_hatch.datetime.datetime.now(UTC)
    return datetime.now(UTC)


@pytest.fixture
def crm_env(migrated_sqlite):
    fake = FakeSalesforce()
    # The sync runs in a subprocess on the real clock; the double must too, even when this process
    # is travelled (CHANNELOPS_TEST_CLOCK): its SystemModstamps are compared with the sync's cursors.
    fake.clock = _real_now
    env = worker_env(migrated_sqlite, 1) | {
        "CHANNELOPS_CRM_ENABLED": "true",
        "CHANNELOPS_SALESFORCE_LOGIN_URL": fake.url,
        "CHANNELOPS_SALESFORCE_CLIENT_ID": fake.client_id,
        "CHANNELOPS_SALESFORCE_CLIENT_SECRET": fake.client_secret,
        "CHANNELOPS_SALESFORCE_USERNAME": "",
        "CHANNELOPS_CRM_CA_BUNDLE": fake.ca_file,
    }
    subprocess.run(
        [sys.executable, "-c", SEED.replace("COUNT", str(PARTNERS))], env=env, check=True, timeout=120
    )
    yield fake, env, migrated_sqlite
    fake.close()


def _sync(env, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "django", "crm", "sync", "--quiet", *args],
        env=env,
        timeout=300,
        capture_output=True,
        text=True,
    )


def _killed_on(fake: FakeSalesforce, env, match, nth: int, *args: str) -> None:
    """Run the sync and SIGKILL it once the org has handled the ``nth`` call that ``match``es."""
    seen = []
    worker = subprocess.Popen(
        [sys.executable, "-m", "django", "crm", "sync", "--quiet", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def kill(call):
        if match(call):
            seen.append(call)
            if len(seen) == nth:
                os.kill(worker.pid, signal.SIGKILL)

    fake.on_call = kill
    try:
        worker.wait(timeout=300)
    finally:
        fake.on_call = None
    assert worker.returncode == -signal.SIGKILL, "the sync finished before it was killed"


def _rows(db_path, sql: str) -> list[tuple]:
    con = sqlite3.connect(db_path, timeout=20)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _cursor(db_path, key: str):
    rows = _rows(db_path, f"SELECT value FROM crm_synccursor WHERE key = '{key}'")  # noqa: S608
    return rows[0][0] if rows else None


def _collection(call) -> bool:
    return call.method == "PATCH" and "/composite/sobjects/Account/" in call.path


def test_outbound_killed_mid_batch_resumes_without_duplicates_or_lost_updates(crm_env):
    fake, env, db = crm_env
    assert _sync(env, "--direction", "out").returncode == 0
    first_cursor = _cursor(db, "out:partner")
    assert first_cursor is not None and len(fake.records("Account")) == PARTNERS

    # 600 partners change; the incremental run is killed once Salesforce applied its 2nd collection.
    changed = [f"Crash Partner {i:04d}" for i in range(0, PARTNERS, PARTNERS // 600 + 1)][:600]
    subprocess.run(
        [sys.executable, "-c", TOUCH, ",".join(changed), "Renewal"], env=env, check=True, timeout=300
    )
    _killed_on(fake, env, _collection, 2, "--direction", "out")
    assert _cursor(db, "out:partner") == first_cursor  # not moved: the window is sent again
    sent = [a for a in fake.records("Account") if a.get("Account_Notes__c") == "Renewal"]
    assert len(sent) == 400  # two collections reached Salesforce

    # Meanwhile one more change, then the restarted run.
    subprocess.run([sys.executable, "-c", TOUCH, "Crash Partner 0999", "Late change"], env=env, check=True)
    done = _sync(env, "--direction", "out")
    assert done.returncode == 0, done.stdout + done.stderr
    accounts = fake.records("Account")
    assert len(accounts) == PARTNERS  # no duplicate
    assert len({a["Channelops_Id__c"] for a in accounts}) == PARTNERS
    notes = {a["Name"]: a.get("Account_Notes__c") for a in accounts}
    assert all(notes[name] == "Renewal" for name in changed if name != "Crash Partner 0999")  # none lost
    assert notes["Crash Partner 0999"] == "Late change"
    assert _cursor(db, "out:partner") > first_cursor
    # channelops' view agrees with Salesforce: every partner linked to its Account, synced values kept.
    linked = dict(_rows(db, "SELECT id, crm_account_id FROM partners_partner"))
    assert {f"partner-{pk}": rid for pk, rid in linked.items()} == {
        a["Channelops_Id__c"]: a["Id"] for a in accounts
    }
    states = _rows(
        db, "SELECT count(*), count(DISTINCT local_id) FROM crm_syncstate WHERE object = 'partner'"
    )
    assert states == [(PARTNERS, PARTNERS)]
    # A quiet run afterwards sends nothing.
    fake.calls.clear()
    assert _sync(env, "--direction", "out").returncode == 0
    assert not [c for c in fake.calls if _collection(c)]


def test_inbound_killed_mid_batch_resumes_without_duplicates_or_lost_updates(crm_env):
    fake, env, db = crm_env
    assert _sync(env).returncode == 0  # out and in: both cursors set
    in_cursor = _cursor(db, "in:partner")
    assert in_cursor is not None

    # Sales changes 500 Accounts' notes in Salesforce; the run is killed once the 2nd read of 200
    # was answered (the first 200 applied, the next 200 read but never applied).
    accounts = sorted(fake.records("Account"), key=lambda a: a["Name"])[:500]
    for account in accounts:
        fake.remote_change("Account", account["Id"], Account_Notes__c=f"From sales {account['Name']}")
    _killed_on(
        fake,
        env,
        lambda c: c.method == "GET" and c.path.rstrip("/").endswith("/query"),
        2,
        "--direction",
        "in",
    )
    assert _cursor(db, "in:partner") == in_cursor
    applied = _rows(db, "SELECT count(*) FROM partners_partner WHERE account_notes LIKE 'From sales %'")
    assert applied == [(200,)]

    done = _sync(env, "--direction", "in")
    assert done.returncode == 0, done.stdout + done.stderr
    rows = dict(_rows(db, "SELECT legal_name, account_notes FROM partners_partner"))
    assert all(rows[a["Name"]] == f"From sales {a['Name']}" for a in accounts)  # none lost
    # Each change applied once, through the partner service: one "CRM sync" history row each.
    history = _rows(
        db,
        "SELECT id, count(*) FROM partners_historicalpartner "
        "WHERE history_change_reason = 'CRM sync' GROUP BY id",
    )
    assert len(history) == 500 and {n for _pk, n in history} == {1}
    assert _cursor(db, "in:partner") > in_cursor
    # The conflicts list stays empty: values applied before the crash are recognised, not re-judged.
    assert _rows(db, "SELECT count(*) FROM crm_syncconflict") == [(0,)]
