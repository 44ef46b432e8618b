"""Benchmark: materialising a year of account reviews (S9) for 10,000 partners.

    .venv/bin/python bench/reviews.py                  # 10,000 partners, one year
    .venv/bin/python bench/reviews.py --partners 1000  # a quick check

In a temporary SQLite database (``migrate``, then partners, primary contacts and sign-in
events created with ``bulk_create``), it times ``reviews_materialise`` over one fiscal year
(occurrences, reviews, pre-filled checklist items), then a second run (idempotent: it must
create nothing). The baseline, measured in the same run, is a raw ``executemany`` INSERT of
the same rows (read back untimed) into a copy of the database taken before materialising
(``bench/rawinsert.py``: same schema, indexes, foreign keys and PRAGMAs). Writes
``bench/results/reviews.json``. Nothing touches the development database.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

YEAR_START = date(2025, 2, 1)  # the first day of a fiscal year (WORK_FISCAL_YEAR_START_MONTH=2)


def _setup(db: Path, var: Path) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "channelops.settings",
            "DATABASE_URL": f"sqlite:///{db}",
            "CHANNELOPS_VAR_DIR": str(var),
            "CHANNELOPS_TESTING": "0",
            "EMAIL_URL": "dummymail://",
        }
    )
    import django

    django.setup()


def _table_marks() -> dict[str, tuple[int, int]]:
    from django.db import connection

    marks = {}
    with connection.cursor() as cur:
        for table in connection.introspection.table_names(cur):
            if table.startswith("sqlite_"):
                continue
            cur.execute(f'SELECT COALESCE(MAX(rowid), 0), COUNT(*) FROM "{table}"')
            marks[table] = tuple(cur.fetchone())
    return marks


def _checkpoint() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def build(partners: int, seed: int) -> dict[str, Any]:
    """Partners (20% Select, the rest Open) across the regions, created over the year; a primary
    contact each; two sign-ins each; a PHD specialist per region."""
    from django.contrib.auth.hashers import make_password

    from channelops.accounts.models import User
    from channelops.partners.models import Contact, EngagementEvent, Partner, Region, RegionRouting, Tier

    rng = random.Random(seed)
    regions = list(Region.objects.order_by("code"))
    tiers = {t.slug: t for t in Tier.objects.all()}
    password = make_password(None)
    for region in regions:
        phd = User.objects.create(
            email=f"phd.{region.code.lower()}@bench.test", is_staff=True, password=password
        )
        RegionRouting.objects.update_or_create(region=region, defaults={"phd_specialist": phd})
    start = datetime.combine(YEAR_START - timedelta(days=60), datetime.min.time(), tzinfo=UTC)
    span = (365 + 60) * 86400
    t0 = time.perf_counter()
    rows = [
        Partner(
            legal_name=f"Bench Partner {i:05d}",
            website=f"https://p{i}.example" if i % 7 else "",
            country="DE",
            region=regions[i % len(regions)],
            tier=tiers["select"] if i % 5 == 0 else tiers["open"],
            status="active",
            phone="+1 555 0100" if i % 3 else "",
            crm_account_id=f"CRM{i:06d}" if i % 4 else "",
            created_at=start + timedelta(seconds=rng.randrange(span)),
        )
        for i in range(partners)
    ]
    Partner.objects.bulk_create(rows, batch_size=1000)
    ids = list(Partner.objects.order_by("pk").values_list("pk", flat=True))
    Contact.objects.bulk_create(
        [
            Contact(
                partner_id=pid,
                first_name="Primary",
                last_name=str(pid),
                email=f"c{pid}@p.example",
                is_primary=True,
            )
            for pid in ids
        ],
        batch_size=1000,
    )
    EngagementEvent.objects.bulk_create(
        [
            EngagementEvent(partner_id=pid, kind="sign_in", at=start + timedelta(seconds=rng.randrange(span)))
            for pid in ids
            for _ in range(2)
        ],
        batch_size=2000,
    )
    return {
        "seconds": time.perf_counter() - t0,
        "partners": len(ids),
        "contacts": len(ids),
        "events": 2 * len(ids),
    }


def materialise(until: date) -> dict[str, Any]:
    from channelops.helpdesk.services import reviews_materialise

    t0, c0 = time.perf_counter(), time.process_time()
    counts = reviews_materialise(today=YEAR_START, until=until)
    return {"seconds": time.perf_counter() - t0, "cpu_seconds": time.process_time() - c0, "counts": counts}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--partners", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the temporary databases")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="channelops-bench-reviews-"))
    db, template = tmp / "reviews.sqlite3", tmp / "template.sqlite3"
    try:
        _setup(db, tmp)
        from django.core.management import call_command
        from django.db import connection
        from rawinsert import raw_insert

        t0 = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        migrate_seconds = time.perf_counter() - t0
        print(f"migrated in {migrate_seconds:.1f} s", flush=True)
        built = build(args.partners, args.seed)
        print(f"built {built['partners']:,} partners in {built['seconds']:.1f} s", flush=True)
        _checkpoint()
        connection.close()
        shutil.copyfile(db, template)

        before = _table_marks()
        until = YEAR_START + timedelta(days=364)
        first = materialise(until)
        print(
            f"first run: {first['counts'].get('reviews', 0):,} reviews in {first['seconds']:.1f} s",
            flush=True,
        )
        after = _table_marks()
        inserted = {
            table: {
                "rows": after[table][1] - before.get(table, (0, 0))[1],
                "after_rowid": before.get(table, (0, 0))[0],
            }
            for table in after
            if after[table][1] != before.get(table, (0, 0))[1]
        }
        second = materialise(until)
        print(
            f"second run: {second['counts'].get('reviews', 0):,} reviews in {second['seconds']:.1f} s",
            flush=True,
        )
        _checkpoint()
        connection.close()

        raw = raw_insert(source=db, target=template, inserted=inserted)
        print(f"raw INSERT of the same {raw['rows']:,} rows: {raw['seconds']:.2f} s", flush=True)
        con = sqlite3.connect(db)
        by_kind = dict(
            con.execute("SELECT kind, COUNT(*) FROM helpdesk_accountreview GROUP BY kind").fetchall()
        )
        items = con.execute("SELECT COUNT(*) FROM helpdesk_reviewitem").fetchone()[0]
        con.close()
        result = {
            "scenario": "reviews_materialise: one fiscal year of account reviews, SQLite",
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "dataset": {
                **{k: v for k, v in built.items() if k != "seconds"},
                "year": [str(YEAR_START), str(until)],
            },
            "rows": {"reviews_by_kind": by_kind, "review_items": items, "per_table": raw["per_table"]},
            "materialise": {
                "seconds": round(first["seconds"], 3),
                "cpu_seconds": round(first["cpu_seconds"], 3),
                "counts": first["counts"],
            },
            "second_run": {
                "seconds": round(second["seconds"], 3),
                "reviews_created": second["counts"].get("reviews", 0),
            },
            "baseline_raw_insert": {
                "seconds": round(raw["seconds"], 3),
                "cpu_seconds": round(raw["cpu_seconds"], 3),
                "rows": raw["rows"],
            },
            "ratio": round(first["seconds"] / raw["seconds"], 1) if raw["seconds"] else None,
            "environment": {
                "python": platform.python_version(),
                "sqlite": sqlite3.sqlite_version,
                "machine": platform.machine(),
                "cpus": os.cpu_count(),
            },
        }
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "reviews.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
        print(
            json.dumps(
                {k: result[k] for k in ("materialise", "second_run", "baseline_raw_insert", "ratio")},
                indent=2,
            )
        )
        if second["counts"].get("reviews", 0):
            raise SystemExit("the second run created reviews: materialising is not idempotent")
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
