"""Benchmark: building the daily notification digests for 1,000 people over 10,000 changes.

    .venv/bin/python bench/digests.py                      # 1,000 people, 10,000 changes
    .venv/bin/python bench/digests.py --people 100 --changes 1000

Standalone (``bench/run.py`` does not run it). In a temporary directory it migrates a fresh
SQLite database, then builds (untimed, with bulk inserts) one staff person per "people",
a digest rule each, and one digest notification per change, spread evenly over the people
(10 each at the default scale) and over the previous 24 hours. It then times:

* ``digests_send`` — what the daily schedule runs: find who is due, read their changes,
  render one e-mail per person (text + HTML, CSS inlined), mark the changes and write the
  outbox rows (``email_enqueue``);
* the **baseline**, on a copy of the database taken just before: the same database work
  done with the standard library's ``sqlite3`` in one transaction — SELECT the due changes,
  INSERT the same outbox rows (the payloads ``digests_send`` produced), UPDATE the same
  notification rows. No rendering, no ORM: the least any implementation must do;
* a second ``digests_send`` the same day, which must send nothing.

Prints the figures and the ratio, and writes ``bench/results/digests.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

from benchlib import django_on_fresh_sqlite, machine, scratch_dir, write_results

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "digests.json"


def _setup(tmp: Path) -> Path:
    return django_on_fresh_sqlite(tmp, "digests")


def _build(people: int, changes: int, now: dt.datetime) -> None:
    """People, their digest rules and their notifications, with bulk inserts (untimed)."""
    from django.db import transaction

    from channelops.accounts.models import User
    from channelops.notifications.models import How, Notification, NotificationRule, When

    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(email=f"person{i:05d}@bench.example", full_name=f"Person {i:05d}", is_staff=True)
                for i in range(people)
            ],
            batch_size=500,
        )
        NotificationRule.objects.bulk_create(
            [
                NotificationRule(user=u, watch="work_items", when=When.ANY_CHANGE, how=How.DIGEST)
                for u in users
            ],
            batch_size=500,
        )
        step = dt.timedelta(seconds=86_000 / max(changes, 1))
        start = now - dt.timedelta(days=1)
        rows = []
        for i in range(changes):
            rows.append(
                Notification(
                    user=users[i % people],
                    watch="work_items",
                    title=f"Work item updated: Partner onboarding plan #{i}",
                    url=f"/console/work/{i + 1}/",
                    actor=users[(i * 7 + 1) % people],
                    how=How.DIGEST,
                    created_at=start + step * i,
                )
            )
            if len(rows) == 2000:
                Notification.objects.bulk_create(rows)
                rows = []
        if rows:
            Notification.objects.bulk_create(rows)


class _Counter:
    def __init__(self) -> None:
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        self.queries += 1
        return execute(sql, params, many, context)


def _timed_digests(now: dt.datetime) -> dict[str, Any]:
    from django.db import connection

    import channelops.core.outbox as outbox
    from channelops.notifications.services import digests_send

    render_seconds = 0.0
    real_render = outbox.render_email

    def timed_render(template: str, context: dict[str, Any]) -> dict[str, str]:
        nonlocal render_seconds
        t = time.perf_counter()
        try:
            return real_render(template, context)
        finally:
            render_seconds += time.perf_counter() - t

    outbox.render_email = timed_render  # type: ignore[assignment]
    counter = _Counter()
    try:
        with connection.execute_wrapper(counter):
            t0, c0 = time.perf_counter(), time.process_time()
            stats = digests_send(now=now)
            seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    finally:
        outbox.render_email = real_render  # type: ignore[assignment]
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "queries": counter.queries,
        "render_seconds": render_seconds,
        "stats": stats,
    }


def _baseline(copy: Path, source: Path, now: dt.datetime) -> dict[str, Any]:
    """The same database work as digests_send, in raw sqlite3 on a copy taken before it ran."""
    src = sqlite3.connect(source)
    outbox_cols = [r[1] for r in src.execute('PRAGMA table_info("core_outboxmessage")') if r[1] != "id"]
    outbox_rows = src.execute(
        f"SELECT {', '.join(outbox_cols)} FROM core_outboxmessage WHERE idempotency_key LIKE 'digest:%'"
    ).fetchall()
    src.close()
    dst = sqlite3.connect(copy, isolation_level=None)
    dst.execute("PRAGMA journal_mode=WAL")
    dst.execute("PRAGMA synchronous=NORMAL")
    dst.execute("PRAGMA foreign_keys=ON")
    stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")
    key_of = {}
    key_col = outbox_cols.index("idempotency_key")
    for row in outbox_rows:
        key = row[key_col]
        key_of[int(key.split(":")[1])] = key
    t0, c0 = time.perf_counter(), time.process_time()
    dst.execute("BEGIN IMMEDIATE")
    due = dst.execute(
        "SELECT n.id, n.user_id, n.watch, n.title, n.url, n.created_at, a.full_name, a.email, u.email, u.is_staff "
        "FROM notifications_notification n JOIN accounts_user u ON u.id = n.user_id "
        "LEFT JOIN accounts_user a ON a.id = n.actor_id "
        "WHERE n.how = 'digest' AND n.digested_at IS NULL AND n.created_at <= ? AND u.is_active "
        "ORDER BY n.user_id, n.created_at, n.id",
        (stamp,),
    ).fetchall()
    marks = ", ".join("?" for _ in outbox_cols)
    dst.executemany(
        f"INSERT INTO core_outboxmessage ({', '.join(outbox_cols)}) VALUES ({marks})",
        outbox_rows,
    )
    dst.executemany(
        "UPDATE notifications_notification SET digest_key = ?, digested_at = ? WHERE id = ?",
        [(key_of[row[1]], stamp, row[0]) for row in due],
    )
    dst.execute("COMMIT")
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    left = dst.execute(
        "SELECT COUNT(*) FROM notifications_notification WHERE digested_at IS NULL"
    ).fetchone()[0]
    dst.close()
    if left:
        raise RuntimeError(f"baseline: {left} notifications left undigested")
    return {"seconds": seconds, "cpu_seconds": cpu, "changes_read": len(due), "outbox_rows": len(outbox_rows)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary database")
    args = parser.parse_args()
    if args.people < 1 or args.changes < args.people:
        parser.error("need at least one person and at least as many changes as people")

    with scratch_dir("digests", keep=args.keep) as tmp:
        t = time.perf_counter()
        db = _setup(tmp)
        migrate_seconds = time.perf_counter() - t

        from django.db import connection
        from django.utils import timezone

        from channelops.core.models import OutboxMessage

        now = timezone.now().replace(microsecond=0)
        t = time.perf_counter()
        _build(args.people, args.changes, now)
        build_seconds = time.perf_counter() - t

        connection.close()
        copy = tmp / "baseline.sqlite3"
        with sqlite3.connect(db) as s, sqlite3.connect(copy) as d:
            s.backup(d)

        run = _timed_digests(now)
        sent = OutboxMessage.objects.filter(idempotency_key__startswith="digest:").count()
        if run["stats"]["people"] != args.people or sent != args.people:
            raise RuntimeError(f"expected {args.people} digests, got {run['stats']} / {sent} outbox rows")
        if run["stats"]["changes"] != args.changes:
            raise RuntimeError(f"expected {args.changes} changes listed, got {run['stats']}")
        again = _timed_digests(now)
        if again["stats"]["people"] != 0:
            raise RuntimeError(f"the second run sent digests: {again['stats']}")
        connection.close()

        base = _baseline(copy, db, now)
        ratio = run["seconds"] / base["seconds"] if base["seconds"] else float("inf")
        result = {
            "scenario": "daily notification digests",
            "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "scale": {"people": args.people, "changes": args.changes},
            "setup_seconds": {"migrate": round(migrate_seconds, 2), "build": round(build_seconds, 2)},
            "digests_send": {
                "seconds": round(run["seconds"], 3),
                "cpu_seconds": round(run["cpu_seconds"], 3),
                "queries": run["queries"],
                "render_seconds": round(run["render_seconds"], 3),
                "ms_per_person": round(run["seconds"] * 1000 / args.people, 3),
                "stats": run["stats"],
            },
            "second_run": {
                "seconds": round(again["seconds"], 3),
                "queries": again["queries"],
                "stats": again["stats"],
            },
            "baseline_raw_sqlite": {k: round(v, 4) if isinstance(v, float) else v for k, v in base.items()},
            "ratio_to_baseline": round(ratio, 1),
            "ratio_to_baseline_without_rendering": round(
                (run["seconds"] - run["render_seconds"]) / base["seconds"], 1
            )
            if base["seconds"]
            else None,
        }
        write_results(RESULTS, result)
        d = result["digests_send"]
        print(
            f"daily digests: {args.people:,} people, {args.changes:,} changes (SQLite {sqlite3.sqlite_version})"
        )
        print(
            f"  digests_send      {d['seconds']:8.3f} s  ({d['ms_per_person']} ms/person, {d['queries']:,} queries,"
            f" rendering {d['render_seconds']:.3f} s)"
        )
        print(
            f"  baseline (raw)    {base['seconds']:8.3f} s  (SELECT + INSERT outbox rows + UPDATE, sqlite3)"
        )
        print(
            f"  ratio             {ratio:8.1f} x  ({result['ratio_to_baseline_without_rendering']} x without rendering)"
        )
        print(f"  second run        {again['seconds']:8.3f} s  ({again['queries']} queries, sends nothing)")
        print(f"  written to {RESULTS.relative_to(ROOT)}")
        return 0


if __name__ == "__main__":
    sys.exit(main())
