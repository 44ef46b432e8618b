"""Benchmark: importing 100,000 practitioner records from a CSV file (S6).

    .venv/bin/python bench/practitioners.py                  # 100,000 records, 2,000 partners
    .venv/bin/python bench/practitioners.py --records 10000  # smaller
    .venv/bin/python bench/practitioners.py --memory-only    # only the peak-RSS scenario

In a temporary directory it migrates a fresh SQLite database and builds (untimed, bulk inserts)
the partners, then writes a CSV of ``--records`` rows (three certifications, people spread over
the partners). It then times:

* ``import_file`` — what ``channelops practitioners import`` and the console import run: parse the
  CSV, check every row (partners, certifications, e-mails, dates, duplicates), upsert in batches
  with bulk operations and their audit history, in one transaction, sending
  ``practitioner_records_changed`` after each batch — so the connected receivers (partner
  certification re-evaluation, badge issuance, whatever is connected) run inside the timing;
* a second import of the same file, which must change nothing;
* the **baseline**, on a copy of the database taken before the import: a raw ``sqlite3``
  ``executemany`` INSERT of the same practitioner rows (read back from the imported database) in
  one transaction. No parsing, no checks, no history, no receivers: the least any implementation
  must do.

Then the **memory** scenario: the peak resident memory (``getrusage`` of the child process) of
``channelops practitioners import`` run as its own process — what a worker does for a console upload —
on a copy of the database taken before the import:

* the baseline: the same command importing a one-row file (Django started, the import code loaded);
* the ``--records`` CSV, and the same rows as an XLSX (written by openpyxl);
* a refused file: an XLSX a few hundred KB big whose one shared string expands to 300 MB (the zip
  bomb of issue 11), which must exit 1 with one line and stay as small as the goal.

Goal: 100,000 rows imported in at most 200 MB peak RSS, and the 300 MB file refused within it too.

Prints the figures and the ratio, and writes ``bench/results/practitioners.json``. With
``--memory-only`` the timed imports and the raw baseline are left out and only the file's memory
figures (``memory``, ``memory_when``, …) are replaced; the timings already in it stay as they were.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import sqlite3
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

from benchlib import django_on_fresh_sqlite, machine, peak_rss, scratch_dir, write_results

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "practitioners.json"
CERTS = ("solution-architect-core", "Professional Services Engineer", "certified-trainer")
GOAL_PEAK_RSS_MB = 200
BOMB_EXPANDED_MB = 300


def _setup(tmp: Path) -> Path:
    return django_on_fresh_sqlite(tmp, "practitioners")


def _build_partners(n: int) -> list[int]:
    from django.db import transaction

    from channelops.partners.models import Partner, Region, Tier

    regions = list(Region.objects.all())
    tiers = list(Tier.objects.all())
    with transaction.atomic():
        partners = Partner.objects.bulk_create(
            [
                Partner(
                    legal_name=f"Bench Partner {i:05d}",
                    website=f"https://p{i}.bench.example",
                    country="DE",
                    region=regions[i % len(regions)],
                    tier=tiers[i % len(tiers)],
                    status="active",
                    crm_account_id=f"001BENCH{i:06d}",
                )
                for i in range(n)
            ],
            batch_size=1000,
        )
    return [p.pk for p in partners]


def _csv(records: int, partner_ids: list[int]) -> bytes:
    start = dt.date.today() - dt.timedelta(days=700)
    lines = [
        "email,name,partner,certification,training_completed,exam_passed,exam_score,completed_on,expires_on,external_id"
    ]
    for i in range(records):
        pid = partner_ids[i % len(partner_ids)]
        person = i // len(CERTS)
        lines.append(
            f"person{person:06d}@p{pid}.bench.example,Person {person:06d},{pid},{CERTS[i % len(CERTS)]},"
            f"yes,{'yes' if i % 10 else 'no'},{60 + i % 41},{start + dt.timedelta(days=i % 690)},,LMS-{i:07d}"
        )
    return ("\n".join(lines) + "\n").encode()


def _xlsx(content: bytes, path: Path) -> None:
    """The CSV's rows as an XLSX written by openpyxl (streaming writer)."""
    import csv

    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    for values in csv.reader(io.StringIO(content.decode())):
        ws.append(values)
    wb.save(path)


def _zip_bomb(path: Path, expanded_mb: int) -> None:
    """A workbook whose one shared string is ``expanded_mb`` MB of text: a few hundred KB on disk,
    written in 1 MB pieces so building it stays small too."""
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Target="xl/workbook.xml" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/><Relationship Id="rId2" Target="sharedStrings.xml" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>',
        "xl/worksheets/sheet1.xml": '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c t="s"><v>0</v></c></row></sheetData></worksheet>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, text in parts.items():
            z.writestr(name, text)
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as f:
            f.write(
                b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
            )
            chunk = b"A" * (1024 * 1024)
            for _ in range(expanded_mb):
                f.write(chunk)
            f.write(b"</t></si></sst>")


def _memory(tmp: Path, db: Path, content: bytes, partner_ids: list[int]) -> dict[str, Any]:
    """Peak RSS of ``channelops practitioners import`` processes (see the module docstring)."""
    files = {
        "baseline: one-row CSV": (tmp / "one.csv", _csv(1, partner_ids)),
        "CSV": (tmp / "bench.csv", content),
    }
    for path, data in files.values():
        path.write_bytes(data)
    _xlsx(content, tmp / "bench.xlsx")
    files["XLSX"] = (tmp / "bench.xlsx", b"")
    _zip_bomb(tmp / "bomb.xlsx", BOMB_EXPANDED_MB)
    files[f"refused: XLSX expanding to {BOMB_EXPANDED_MB} MB"] = (tmp / "bomb.xlsx", b"")
    out: dict[str, Any] = {}
    for label, (path, _data) in files.items():
        copy = tmp / "memory.sqlite3"
        with sqlite3.connect(db) as s, sqlite3.connect(copy) as d:
            s.backup(d)
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {
            "DATABASE_URL": f"sqlite:///{copy}"
        }
        run = peak_rss(
            [sys.executable, "-m", "django", "practitioners", "import", str(path), "--quiet"], env=env
        )
        out[label] = {
            "file_bytes": path.stat().st_size,
            "exit": run["exit"],
            "peak_rss_mb": run["peak_rss_mb"],
            "seconds": run["seconds"],
            "said": (run["stdout"] or run["stderr"]).strip(),
        }
        copy.unlink()
    for label, v in out.items():
        refused = label.startswith("refused")
        if v["exit"] != (1 if refused else 0) or (refused and "expands to more than" not in v["said"]):
            raise RuntimeError(f"{label}: unexpected outcome {v}")
    base = out["baseline: one-row CSV"]["peak_rss_mb"]
    for v in out.values():
        v["above_baseline_mb"] = round(v["peak_rss_mb"] - base, 1)
    return out


class _Counter:
    def __init__(self) -> None:
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        self.queries += 1
        return execute(sql, params, many, context)


def _timed_import(content: bytes) -> dict[str, Any]:
    from django.db import connection

    from channelops.enablement.hooks import practitioner_records_changed
    from channelops.enablement.services.importing import import_file

    counter = _Counter()
    receiver_seconds = 0.0
    receiver_queries = 0
    real_send = practitioner_records_changed.call

    def timed_send(*a: Any, **kw: Any) -> Any:
        nonlocal receiver_seconds, receiver_queries
        t, q = time.perf_counter(), counter.queries
        try:
            return real_send(*a, **kw)
        finally:
            receiver_seconds += time.perf_counter() - t
            receiver_queries += counter.queries - q

    practitioner_records_changed.call = timed_send  # type: ignore[method-assign]
    try:
        with connection.execute_wrapper(counter):
            t0, c0 = time.perf_counter(), time.process_time()
            _run, result = import_file(name="bench.csv", content=content)
            seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    finally:
        practitioner_records_changed.call = real_send  # type: ignore[method-assign]
    return {
        "receiver_seconds": receiver_seconds,
        "receiver_queries": receiver_queries,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "queries": counter.queries,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "errors": result.error_count,
    }


def _baseline(source: Path, target: Path) -> dict[str, Any]:
    table = "enablement_practitionerrecord"
    src = sqlite3.connect(source)
    cols = [r[1] for r in src.execute(f'PRAGMA table_info("{table}")')]
    col_sql = ", ".join(f'"{c}"' for c in cols)
    rows = src.execute(f'SELECT {col_sql} FROM "{table}" ORDER BY id').fetchall()  # noqa: S608
    src.close()
    dst = sqlite3.connect(target, isolation_level=None)
    dst.execute("PRAGMA journal_mode=WAL")
    dst.execute("PRAGMA synchronous=NORMAL")
    dst.execute("PRAGMA foreign_keys=ON")
    marks = ", ".join("?" for _ in cols)
    t0, c0 = time.perf_counter(), time.process_time()
    dst.execute("BEGIN IMMEDIATE")
    dst.executemany(f'INSERT INTO "{table}" ({col_sql}) VALUES ({marks})', rows)  # noqa: S608
    dst.execute("COMMIT")
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    count = dst.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]  # noqa: S608
    dst.close()
    if count != len(rows):
        raise RuntimeError(f"baseline: {count} rows, expected {len(rows)}")
    return {"seconds": seconds, "cpu_seconds": cpu, "rows": len(rows)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--partners", type=int, default=2_000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary database")
    parser.add_argument(
        "--memory-only",
        action="store_true",
        help="only the peak-RSS scenario (replaces the memory figures of the results file)",
    )
    args = parser.parse_args()
    if args.records < 1 or args.partners < 1:
        parser.error("need at least one record and one partner")

    with scratch_dir("practitioners", keep=args.keep) as tmp:
        t = time.perf_counter()
        db = _setup(tmp)
        migrate_seconds = time.perf_counter() - t

        from django.db import connection

        from channelops.enablement.hooks import practitioner_records_changed
        from channelops.enablement.models import PractitionerRecord

        t = time.perf_counter()
        partner_ids = _build_partners(args.partners)
        content = _csv(args.records, partner_ids)
        build_seconds = time.perf_counter() - t
        receivers = sorted(
            f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__name__', '?')}"
            for fn in practitioner_records_changed.functions
        )

        connection.close()
        copy = tmp / "baseline.sqlite3"
        with sqlite3.connect(db) as s, sqlite3.connect(copy) as d:
            s.backup(d)
        before = tmp / "before-import.sqlite3"
        with sqlite3.connect(db) as s, sqlite3.connect(before) as d:
            s.backup(d)

        if args.memory_only:
            return _memory_only(tmp, before, content, partner_ids, args)
        run = _timed_import(content)
        if run["created"] != args.records or run["errors"]:
            raise RuntimeError(f"expected {args.records} records created, got {run}")
        again = _timed_import(content)
        if again["created"] or again["updated"] or again["unchanged"] != args.records:
            raise RuntimeError(f"the second import changed something: {again}")
        if PractitionerRecord.objects.count() != args.records:
            raise RuntimeError("record count differs")
        connection.close()

        base = _baseline(db, copy)
        memory = _memory(tmp, before, content, partner_ids)
        ratio = run["seconds"] / base["seconds"] if base["seconds"] else float("inf")
        result = {
            "scenario": "practitioner records import (CSV)",
            "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "memory_when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "scale": {"records": args.records, "partners": args.partners, "file_bytes": len(content)},
            "setup_seconds": {"migrate": round(migrate_seconds, 2), "build": round(build_seconds, 2)},
            "receivers": receivers,
            "import": {
                **{k: round(v, 3) if isinstance(v, float) else v for k, v in run.items()},
                "records_per_second": round(args.records / run["seconds"]),
            },
            "second_import": {k: round(v, 3) if isinstance(v, float) else v for k, v in again.items()},
            "baseline_raw_sqlite": {k: round(v, 4) if isinstance(v, float) else v for k, v in base.items()},
            "ratio_to_baseline": round(ratio, 1),
            "ratio_to_baseline_without_receivers": round(
                (run["seconds"] - run["receiver_seconds"]) / base["seconds"], 1
            )
            if base["seconds"]
            else None,
            "memory": memory,
            "memory_goal_mb": GOAL_PEAK_RSS_MB,
            "memory_goal_met": all(v["peak_rss_mb"] <= GOAL_PEAK_RSS_MB for v in memory.values()),
        }
        write_results(RESULTS, result)
        i = result["import"]
        print(
            f"practitioner import: {args.records:,} records, {args.partners:,} partners "
            f"(SQLite {sqlite3.sqlite_version}; receivers: {', '.join(receivers) or 'none'})"
        )
        print(
            f"  import_file       {i['seconds']:8.3f} s  ({i['records_per_second']:,} records/s, {i['queries']:,} queries;"
            f" receivers {i['receiver_seconds']:.3f} s, {i['receiver_queries']:,} queries)"
        )
        print(
            f"  second import     {again['seconds']:8.3f} s  (changes nothing, {again['queries']:,} queries)"
        )
        print(f"  baseline (raw)    {base['seconds']:8.3f} s  (executemany INSERT of the same rows, sqlite3)")
        print(
            f"  ratio             {ratio:8.1f} x  ({result['ratio_to_baseline_without_receivers']} x without the receivers)"
        )
        _print_memory(memory)
        return 0


def _print_memory(memory: dict[str, Any]) -> None:
    print(f"  peak RSS of `channelops practitioners import` (goal: at most {GOAL_PEAK_RSS_MB} MB)")
    for label, m in memory.items():
        print(
            f"    {label:34s} {m['peak_rss_mb']:7.1f} MB  (+{m['above_baseline_mb']:.1f} MB, "
            f"{m['seconds']:.1f} s, exit {m['exit']}, {m['file_bytes']:,} bytes)"
        )
    bomb = memory[f"refused: XLSX expanding to {BOMB_EXPANDED_MB} MB"]
    print(f"    the refused file said: {bomb['said']}")
    print(f"  written to {RESULTS.relative_to(ROOT)}")


def _memory_only(
    tmp: Path, before: Path, content: bytes, partner_ids: list[int], args: argparse.Namespace
) -> int:
    """``--memory-only``: the peak-RSS scenario alone; its figures replace those in the results file."""
    memory = _memory(tmp, before, content, partner_ids)
    result: dict[str, Any] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    result |= {
        "memory_when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "memory_machine": machine(),
        "memory_scale": {"records": args.records, "partners": args.partners, "file_bytes": len(content)},
        "memory": memory,
        "memory_goal_mb": GOAL_PEAK_RSS_MB,
        "memory_goal_met": all(v["peak_rss_mb"] <= GOAL_PEAK_RSS_MB for v in memory.values()),
    }
    write_results(RESULTS, result)
    print(
        f"practitioner import, memory only: {args.records:,} records, {args.partners:,} partners "
        f"(SQLite {sqlite3.sqlite_version})"
    )
    _print_memory(memory)
    return 0


if __name__ == "__main__":
    sys.exit(main())
