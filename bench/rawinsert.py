"""The baseline for demo generation: a raw ``executemany`` INSERT of the same rows.

The rows are read (untimed) from the database that ``demo_build`` just filled,
then inserted with the standard library's sqlite3 module, in one transaction,
into a fresh copy of the same template database (same schema, indexes, foreign
keys and PRAGMAs as the app's connection). Only the inserts and the commit are
timed.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

# Parents first (foreign keys are deferred in Django's SQLite schema, but keep it tidy).
FIRST = ("partners_partner",)


def raw_insert(*, source: Path, target: Path, inserted: dict[str, dict[str, int]]) -> dict[str, Any]:
    """Insert into ``target`` the rows ``source`` gained (per table: rowid > after_rowid)."""
    src = sqlite3.connect(source)
    data: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {}
    for table, info in inserted.items():
        cols = [row[1] for row in src.execute(f'PRAGMA table_info("{table}")')]
        col_sql = ", ".join(f'"{c}"' for c in cols)
        rows = src.execute(
            f'SELECT {col_sql} FROM "{table}" WHERE rowid > ? ORDER BY rowid',
            (info["after_rowid"],),
        ).fetchall()
        data[table] = (cols, rows)
    src.close()

    order = [t for t in FIRST if t in data] + sorted(t for t in data if t not in FIRST)
    dst = sqlite3.connect(target, isolation_level=None)
    dst.execute("PRAGMA journal_mode=WAL")
    dst.execute("PRAGMA synchronous=NORMAL")
    dst.execute("PRAGMA foreign_keys=ON")
    t0, c0 = time.perf_counter(), time.process_time()
    dst.execute("BEGIN IMMEDIATE")
    for table in order:
        cols, rows = data[table]
        col_sql = ", ".join(f'"{c}"' for c in cols)
        marks = ", ".join("?" for _ in cols)
        # OR REPLACE: the demo rebuilds rollups (insight_partnermonth, the agreement compliance
        # table) of partners the template already had — their rows come back with new rowids and
        # replace the template's, as they did in the demo's database
        dst.executemany(f'INSERT OR REPLACE INTO "{table}" ({col_sql}) VALUES ({marks})', rows)
    dst.execute("COMMIT")
    seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
    check = {
        t: dst.execute(
            f'SELECT COUNT(*) FROM "{t}" WHERE rowid > ?', (inserted[t]["after_rowid"],)
        ).fetchone()[0]
        for t in order
    }
    dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    dst.close()
    rows_total = sum(len(data[t][1]) for t in order)
    if any(check[t] != len(data[t][1]) for t in order):
        raise RuntimeError(f"raw insert: row counts differ: {check}")
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "rows": rows_total,
        "per_table": {t: len(data[t][1]) for t in order},
    }
