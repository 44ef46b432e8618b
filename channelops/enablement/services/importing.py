"""Practitioner-record files (CSV/XLSX): reading them, and running an import as an ``ImportRun``.

The console upload stores the file on an :class:`ImportRun` and queues
:func:`channelops.enablement.tasks.practitioner_import_task` (django_tasks), whose progress the console page polls; the CLI
(``channelops practitioners import``) runs :func:`import_run_execute` in-process with a rich
progress bar. Both call :func:`channelops.enablement.services.records.practitioner_records_import`.

Progress while writing: the import is one transaction, so the progress row is updated through a
second database connection where the database allows a second writer (PostgreSQL); on SQLite
(one writer at a time) the page shows the checking progress and then "writing" until the commit.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import logging
import warnings
import zipfile
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import ImportMode, ImportRun, ImportStatus, RecordSource
from ..models.imports import MAX_STORED_ERRORS
from .records import ImportResult, Progress, check_header, practitioner_records_import

log = logging.getLogger(__name__)

MB = 1024 * 1024
MAX_COLUMNS = 1000  # columns of the header row (the file needs ten)
MAX_ZIP_MEMBERS = 10_000  # parts of an XLSX (a workbook has a dozen or two)
MIN_LINE_CHARS = 1024 * 1024  # a CSV line may hold at least this many characters


class FileRefused(ValueError):
    """The file cannot be read as CSV or XLSX, or is over a limit (the message says why)."""


@dataclass(frozen=True)
class Limits:
    """What an import file may hold (settings ``IMPORT_MAX_*``, docs/configuration.md)."""

    file_bytes: int
    rows: int
    cell_chars: int
    expanded_bytes: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            file_bytes=settings.IMPORT_MAX_FILE_MB * MB,
            rows=settings.IMPORT_MAX_ROWS,
            cell_chars=settings.IMPORT_MAX_CELL_CHARS,
            expanded_bytes=settings.IMPORT_MAX_EXPANDED_MB * MB,
        )


def too_large_message() -> str:
    return _("The file is larger than %(mb)s MB; split it.") % {"mb": settings.IMPORT_MAX_FILE_MB}


def _is_xlsx(name: str, content: bytes | memoryview) -> bool:
    return name.lower().endswith((".xlsx", ".xlsm")) or bytes(content[:4]) == b"PK\x03\x04"


def _norm(header: Sequence[Any]) -> list[str]:
    return [str(h).strip().lower() if h is not None else "" for h in header]


def _blank(values: Sequence[Any]) -> bool:
    return not any(v is not None and str(v).strip() for v in values)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


class RowSource:
    """The rows of a CSV or XLSX file, read as a stream each time it is iterated.

    Iterating yields ``(row number, {column: value})`` for every non-blank row after the header (the
    header is row 1, as a spreadsheet shows it). Nothing is held but the file's bytes and the row
    being read: :func:`channelops.enablement.services.records.validate_rows` iterates twice (look-ups, then
    checks). Every limit raises :class:`FileRefused` while reading, before anything is written:

    * the file's size (``IMPORT_MAX_FILE_MB``), checked first;
    * XLSX: the sizes the zip declares for its parts, added up, before any part is unzipped
      (``IMPORT_MAX_EXPANDED_MB``) — the shared-strings part is read whole by openpyxl, so a
      "zip bomb" with one huge cell is refused here. A zip whose declared sizes lie is refused
      too: :mod:`zipfile` stops every part at its declared size and then fails its CRC check;
    * any cell longer than ``IMPORT_MAX_CELL_CHARS`` (a CSV line longer than 64 cells of that,
      at least 1 Mi characters);
    * more than ``IMPORT_MAX_ROWS`` rows (and more blank rows than that);
    * anything openpyxl or the CSV reader cannot read (malformed XML, damaged compressed data).
    """

    def __init__(self, *, name: str, content: bytes | memoryview, limits: Limits | None = None) -> None:
        self.limits = limits or Limits.from_settings()
        self.content = content if isinstance(content, bytes) else bytes(content)
        self._wb: Any = None
        if not len(content):
            raise FileRefused(_("The file is empty."))
        if len(content) > self.limits.file_bytes:
            raise FileRefused(too_large_message())
        self.xlsx = _is_xlsx(name, content)
        if self.xlsx:
            self._check_zip()
        else:
            first = bytes(content[:65536]).split(b"\n", 1)[0]
            self.delimiter = max((",", ";", "\t"), key=lambda d: first.count(d.encode()))
        raw = self._raw()
        try:
            self.header = _norm(next(raw))
        except StopIteration:
            raise FileRefused(_("The file is empty.")) from None
        finally:
            raw.close()
        if len(self.header) > MAX_COLUMNS:
            raise FileRefused(
                _("The header row has %(n)s columns; at most %(max)s.")
                % {"n": len(self.header), "max": MAX_COLUMNS}
            )

    # --- rows ---

    def __iter__(self) -> Iterator[tuple[int, dict[str, Any]]]:
        header, limits = self.header, self.limits
        rows = blank = 0
        raw = self._raw()
        next(raw)  # the header
        for n, values in enumerate(raw, 2):
            if _blank(values):
                blank += 1
                if blank > limits.rows:
                    raise FileRefused(
                        _("The file has more than %(n)s blank rows; remove them.") % {"n": limits.rows}
                    )
                continue
            rows += 1
            if rows > limits.rows:
                raise FileRefused(
                    _("The file has more than %(n)s rows; split it (at most %(n)s rows per file).")
                    % {"n": limits.rows}
                )
            yield n, dict(zip(header, values, strict=False))

    def _raw(self) -> Generator[Sequence[Any], None, None]:
        """Every row's values (the header's too), each cell checked against the length limit."""
        most = self.limits.cell_chars
        for n, values in enumerate(self._xlsx_rows() if self.xlsx else self._csv_rows(), 1):
            for v in values:
                if isinstance(v, str) and len(v) > most:
                    raise FileRefused(
                        _("row %(n)s: a cell holds more than %(max)s characters; the file is refused.")
                        % {"n": n, "max": most}
                    )
            yield values

    def close(self) -> None:
        if self._wb is not None:
            self._wb.close()
            self._wb = None

    # --- CSV ---

    def _csv_rows(self) -> Iterator[list[str]]:
        text = io.TextIOWrapper(io.BytesIO(self.content), encoding="utf-8-sig", newline="")
        longest = max(MIN_LINE_CHARS, 64 * self.limits.cell_chars)

        def lines() -> Iterator[str]:
            for n in itertools.count(1):
                line = text.readline(longest + 1)
                if not line:
                    return
                if len(line) > longest:
                    raise FileRefused(
                        _("line %(n)s: more than %(max)s characters; the file is refused.")
                        % {"n": n, "max": longest}
                    )
                yield line

        reader = csv.reader(lines(), delimiter=self.delimiter)
        try:
            yield from reader
        except UnicodeDecodeError:
            raise FileRefused(
                _("The file is not UTF-8 text (save the CSV as UTF-8, or upload XLSX).")
            ) from None
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):  # csv.field_size_limit(), 131072
                raise FileRefused(
                    _("row %(n)s: a cell holds more than %(max)s characters; the file is refused.")
                    % {"n": reader.line_num, "max": self.limits.cell_chars}
                ) from None
            raise FileRefused(
                _("The file is not readable CSV (line %(n)s: %(err)s).")
                % {"n": reader.line_num, "err": _first_line(exc)}
            ) from None

    # --- XLSX ---

    def _unreadable(self, exc: BaseException) -> FileRefused:
        return FileRefused(
            _("The file is not a readable XLSX workbook (%(err)s).") % {"err": _first_line(exc)}
        )

    def _check_zip(self) -> None:
        """Refuse a workbook whose parts expand past the limit, before any part is unzipped."""
        if self.content.count(b"PK\x01\x02") > MAX_ZIP_MEMBERS:  # central directory entries
            raise FileRefused(
                _("The file has more than %(n)s parts; it is not a workbook.") % {"n": MAX_ZIP_MEMBERS}
            )
        try:
            with zipfile.ZipFile(io.BytesIO(self.content)) as z:
                expanded = sum(info.file_size for info in z.infolist())
        except Exception as exc:  # BadZipFile, OSError, ValueError, … on a damaged directory
            raise self._unreadable(exc) from None
        if expanded > self.limits.expanded_bytes:
            raise FileRefused(
                _("The file expands to more than %(mb)s MB when unzipped (%(size)s MB); it is refused.")
                % {"mb": self.limits.expanded_bytes // MB, "size": -(-expanded // MB)}
            )

    def _xlsx_rows(self) -> Iterator[Sequence[Any]]:
        # openpyxl raises whatever its zip, zlib and XML layers raise on a damaged file (BadZipFile,
        # zlib.error, EOFError, XML syntax errors, KeyError, ValueError, …): each is the file's fault
        try:
            if self._wb is None:
                from openpyxl import load_workbook

                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # "no default style" and the like: not the user's concern
                    self._wb = load_workbook(io.BytesIO(self.content), read_only=True, data_only=True)
            ws = self._wb.worksheets[0]
            ws.reset_dimensions()  # rows as the sheet holds them, not padded to a declared size
            rows = ws.iter_rows(values_only=True)
        except Exception as exc:
            raise self._unreadable(exc) from None
        while True:
            try:
                values = next(rows)
            except StopIteration:
                return
            except Exception as exc:
                raise self._unreadable(exc) from None
            yield values


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
    from ..tasks import practitioner_import_task

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
    """Run a stored import: parse, validate, write (one transaction) and record the outcome.

    While it runs, the file is held in memory and the run's row does not keep it: SQLite rewrites a
    whole row — the file included — on every progress update, which took ~2× the file's size of
    memory each time. It is stored again if the run ends refused or failed (a refused run can be
    re-run with "import the valid rows"); a done run does not keep it anyway.
    """
    content = run.content = bytes(run.content)  # PostgreSQL gives a memoryview: one copy, not two
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportStatus.VALIDATING, started_at=timezone.now(), content=b""
    )
    writer = _ProgressWriter(run.pk, extra=progress)
    source: RowSource | None = None
    try:
        source = RowSource(name=run.file_name, content=content)
        header_errors = check_header(source.header, partner_column=run.partner_column)
        kwargs: dict[str, Any] = {"batch_size": batch_size} if batch_size else {}
        result = practitioner_records_import(
            rows=source,
            source=RecordSource.IMPORT,
            by=run.by,
            valid_rows=run.mode == ImportMode.VALID_ROWS,
            partner_column=run.partner_column,
            header_errors=header_errors,
            progress=writer,
            **kwargs,
        )
    except FileRefused as exc:
        _finish(run, status=ImportStatus.FAILED, failure=str(exc), content=content)
        return ImportResult(errors=[str(exc)])
    except Exception as exc:
        _finish(
            run, status=ImportStatus.FAILED, failure=f"{type(exc).__name__}: {exc}"[:2000], content=content
        )
        raise
    finally:
        writer.close()
        if source is not None:
            source.close()
    _finish(
        run,
        status=ImportStatus.DONE if result.applied else ImportStatus.REFUSED,
        result=result,
        total=result.total,
        content=content,
    )
    return result


def _finish(
    run: ImportRun,
    *,
    status: str,
    result: ImportResult | None = None,
    failure: str = "",
    total: int | None = None,
    content: bytes = b"",
) -> None:
    fields: dict[str, Any] = {"status": status, "finished_at": timezone.now(), "failure": failure}
    fields["content"] = content  # back in the row (see import_run_execute) …
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
        fields["content"] = b""  # … unless imported: the file is not needed any more
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
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        # Python's sqlite3 keeps the last parameters bound to its cached INSERT statement — a copy
        # of the whole file — until that statement runs again or the connection closes; the
        # import needs the memory (Django reconnects on the next query)
        connection.close()
    result = import_run_execute(run, progress=progress, batch_size=batch_size)
    return run, result


def iter_errors(run: ImportRun) -> Iterator[str]:
    yield from run.errors or []
