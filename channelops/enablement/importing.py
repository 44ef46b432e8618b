"""Practitioner-record files (CSV/XLSX): reading them, and running an import as an ``ImportRun``.

The console upload stores the file on an :class:`ImportRun` and queues
:func:`practitioner_import_task` (django_tasks), whose progress the console page polls; the CLI
(``channelops practitioners import``) runs :func:`import_run_execute` in-process with a rich
progress bar. Both call :func:`channelops.enablement.records.practitioner_records_import`.

Progress while writing: the import is one transaction, so the progress row is updated through a
second database connection where the database allows a second writer (PostgreSQL); on SQLite
(one writer at a time) the page shows the checking progress and then "writing" until the commit.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from .models import ImportMode, ImportRun, ImportStatus, RecordSource
from .models.imports import MAX_STORED_ERRORS
from .records import ImportResult, Progress, check_header, practitioner_records_import

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 50 * 1024 * 1024


class FileRefused(ValueError):
    """The file cannot be read as CSV or XLSX (the message says why)."""


@dataclass
class ParsedFile:
    header: list[str]
    rows: list[tuple[int, dict[str, Any]]]  # (row number in the file, {column: value})


def _is_xlsx(name: str, content: bytes) -> bool:
    return name.lower().endswith((".xlsx", ".xlsm")) or content[:4] == b"PK\x03\x04"


def parse_file(*, name: str, content: bytes) -> ParsedFile:
    """Read a CSV (UTF-8, comma, semicolon or tab separated) or XLSX file: header row first,
    rows numbered as a spreadsheet shows them (the header is row 1)."""
    if not content:
        raise FileRefused(_("The file is empty."))
    if len(content) > MAX_FILE_BYTES:
        raise FileRefused(_("The file is larger than 50 MB; split it."))
    if _is_xlsx(name, content):
        return _parse_xlsx(content)
    return _parse_csv(content)


def _norm(header: list[Any]) -> list[str]:
    return [str(h).strip().lower() if h is not None else "" for h in header]


def _parse_csv(content: bytes) -> ParsedFile:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRefused(_("The file is not UTF-8 text (save the CSV as UTF-8, or upload XLSX).")) from None
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = _norm(next(reader))
    except StopIteration:
        raise FileRefused(_("The file is empty.")) from None
    rows = []
    for n, values in enumerate(reader, 2):
        if not any(v.strip() for v in values):
            continue  # blank lines
        rows.append((n, dict(zip(header, values, strict=False))))
    return ParsedFile(header=header, rows=rows)


def _parse_xlsx(content: bytes) -> ParsedFile:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileRefused(_("The file is not a readable XLSX workbook (%(err)s).") % {"err": exc}) from None
    try:
        ws = wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        try:
            header = _norm(list(next(it)))
        except StopIteration:
            raise FileRefused(_("The file is empty.")) from None
        rows = []
        for n, values in enumerate(it, 2):
            if not any(v is not None and str(v).strip() for v in values):
                continue
            rows.append((n, dict(zip(header, values, strict=False))))
    finally:
        wb.close()
    return ParsedFile(header=header, rows=rows)


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


# --- running an ImportRun ----------------------------------------------------------------------


def import_run_create(
    *, name: str, content: bytes, by: Any, valid_rows: bool = False, partner_column: str = ""
) -> ImportRun:
    """Store an uploaded file as a queued run (the caller queues the task on commit)."""
    return ImportRun.objects.create(
        file_name=(name or "upload")[:255],
        sha256=sha256_of(content),
        content=content,
        by=by if getattr(by, "pk", None) else None,
        mode=ImportMode.VALID_ROWS if valid_rows else ImportMode.ALL_OR_NOTHING,
        partner_column=(partner_column or "")[:60],
    )


def import_run_queue(run: ImportRun) -> None:
    """Queue the background import of ``run`` once the current transaction commits."""
    run_id = run.pk
    transaction.on_commit(lambda: practitioner_import_task.enqueue(run_id))


class _ProgressWriter:
    """Writes ``done``/``total``/``status`` of a run as the import proceeds (see the module docstring)."""

    def __init__(self, run_id: int, *, extra: Progress | None = None) -> None:
        self.run_id = run_id
        self.also = extra
        self.side = None
        if connection.vendor != "sqlite":
            self.side = connections.create_connection("default")

    def _write(self, status: str, done: int, total: int) -> None:
        if not connection.in_atomic_block:
            ImportRun.objects.filter(pk=self.run_id).update(status=status, done=done, total=total)
        elif self.side is not None:
            table = ImportRun._meta.db_table
            with self.side.cursor() as cur:
                cur.execute(
                    f"UPDATE {table} SET status = %s, done = %s, total = %s WHERE id = %s",  # noqa: S608
                    [status, done, total, self.run_id],
                )

    def __call__(self, phase: str, done: int, total: int) -> None:
        status = ImportStatus.VALIDATING if phase == "validating" else ImportStatus.WRITING
        try:
            self._write(status, done, total)
        except Exception:  # progress is best effort; the import itself must not fail on it
            log.exception("import run %s: progress not written", self.run_id)
        if self.also is not None:
            self.also(phase, done, total)

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


def import_run_execute(
    run: ImportRun, *, progress: Progress | None = None, batch_size: int | None = None
) -> ImportResult:
    """Run a stored import: parse, validate, write (one transaction) and record the outcome."""
    ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.VALIDATING, started_at=timezone.now())
    writer = _ProgressWriter(run.pk, extra=progress)
    try:
        parsed = parse_file(name=run.file_name, content=bytes(run.content))
        header_errors = check_header(parsed.header, partner_column=run.partner_column)
        ImportRun.objects.filter(pk=run.pk).update(total=len(parsed.rows))
        kwargs: dict[str, Any] = {"batch_size": batch_size} if batch_size else {}
        result = practitioner_records_import(
            rows=parsed.rows,
            source=RecordSource.IMPORT,
            by=run.by,
            valid_rows=run.mode == ImportMode.VALID_ROWS,
            partner_column=run.partner_column,
            header_errors=header_errors,
            progress=writer,
            **kwargs,
        )
    except FileRefused as exc:
        _finish(run, status=ImportStatus.FAILED, failure=str(exc))
        return ImportResult(errors=[str(exc)])
    except Exception as exc:
        _finish(run, status=ImportStatus.FAILED, failure=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    finally:
        writer.close()
    _finish(
        run,
        status=ImportStatus.DONE if result.applied else ImportStatus.REFUSED,
        result=result,
        total=len(parsed.rows),
    )
    return result


def _finish(
    run: ImportRun,
    *,
    status: str,
    result: ImportResult | None = None,
    failure: str = "",
    total: int | None = None,
) -> None:
    fields: dict[str, Any] = {"status": status, "finished_at": timezone.now(), "failure": failure}
    if result is not None:
        fields |= {
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "error_count": result.error_count,
            "errors": result.errors[:MAX_STORED_ERRORS],
            "done": total or 0,
            "total": total or 0,
        }
    if status == ImportStatus.DONE:
        fields["content"] = b""  # imported: the file is not needed any more
    ImportRun.objects.filter(pk=run.pk).update(**fields)
    for k, v in fields.items():
        setattr(run, k, v)


def import_run_retry_valid_rows(*, run: ImportRun, by: Any) -> ImportRun:
    """A refused run, again, in "import the valid rows" mode (a new run of the same file)."""
    if run.status != ImportStatus.REFUSED or not run.content:
        raise ValueError("only a refused run with its file can be re-run")
    return import_run_create(
        name=run.file_name,
        content=bytes(run.content),
        by=by,
        valid_rows=True,
        partner_column=run.partner_column,
    )


def import_file(
    *,
    name: str,
    content: bytes,
    by: Any = None,
    valid_rows: bool = False,
    partner_column: str = "",
    progress: Callable[[str, int, int], None] | None = None,
    batch_size: int | None = None,
) -> tuple[ImportRun, ImportResult]:
    """Import a file in this process (the CLI): one run, recorded."""
    run = import_run_create(
        name=name, content=content, by=by, valid_rows=valid_rows, partner_column=partner_column
    )
    result = import_run_execute(run, progress=progress, batch_size=batch_size)
    return run, result


def iter_errors(run: ImportRun) -> Iterator[str]:
    yield from run.errors or []


@task()
def practitioner_import_task(run_id: int) -> dict[str, int]:
    """Background import of a stored file (thin: load the run, call the service)."""
    run = ImportRun.objects.get(pk=run_id)
    if run.status not in (ImportStatus.QUEUED,):
        return {"skipped": 1}
    result = import_run_execute(run)
    return {"created": result.created, "updated": result.updated, "errors": result.error_count}
