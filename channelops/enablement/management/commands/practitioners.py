"""``channelops practitioners import FILE [--valid-rows] [--partner-column COL]``

Imports practitioner records from the learning system's CSV or XLSX export (docs/certifications.md):
every row is checked, errors are printed per row, and a file with errors changes nothing unless
``--valid-rows``. One transaction; a rich progress bar on stderr. Exit status 0 when imported,
1 when refused (rows with errors, a file over a limit or unreadable) — each such error is one line
(``--traceback`` shows the traceback of an unexpected one).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from channelops.enablement.models import ImportStatus
from channelops.enablement.services.importing import MB, import_file, too_large_message

SHOWN_ERRORS = 50


class Command(BaseCommand):
    help = "Practitioner records from the learning system: import FILE (CSV or XLSX)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="Import a CSV or XLSX file of practitioner records.")
        imp.add_argument("file", help="the CSV or XLSX file")
        imp.add_argument(
            "--valid-rows",
            action="store_true",
            help="import the valid rows even if some rows have errors (default: any error changes nothing)",
        )
        imp.add_argument(
            "--partner-column",
            default="",
            help="the column naming the partner (default: 'partner' — a partner id or CRM account id — "
            "else 'crm_account_id')",
        )
        imp.add_argument("--by", default="", help="e-mail of the staff person recorded as importing")
        imp.add_argument("--batch-size", type=int, default=0, help="rows per bulk write (default 2000)")
        imp.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **opts: Any) -> None:
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        by = None
        if opts["by"]:
            by = get_user_model().objects.filter(email__iexact=opts["by"], is_staff=True).first()
            if by is None:
                raise CommandError(f"--by {opts['by']}: no staff person with that e-mail")
        if path.stat().st_size > settings.IMPORT_MAX_FILE_MB * MB:  # before reading it
            raise CommandError(f"{path.name}: {too_large_message()}")
        content = path.read_bytes()
        console = Console(stderr=True)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=opts["quiet"],
        ) as bar:
            tasks: dict[str, Any] = {}

            def progress(phase: str, done: int, total: int) -> None:
                if phase not in tasks:
                    label = "Checking rows" if phase == "validating" else "Writing records"
                    tasks[phase] = bar.add_task(label, total=total)
                bar.update(tasks[phase], completed=done, total=total)

            try:
                run, result = import_file(
                    name=path.name,
                    content=content,
                    by=by,
                    valid_rows=opts["valid_rows"],
                    partner_column=opts["partner_column"],
                    progress=progress,
                    batch_size=opts["batch_size"] or None,
                )
            except Exception as exc:  # recorded on the run as failed; one line here
                if opts.get("traceback"):
                    raise
                reason = (str(exc).strip().splitlines() or [""])[0][:300]
                raise CommandError(
                    f"{path.name}: the import failed ({type(exc).__name__}: {reason}); "
                    "run again with --traceback for details"
                ) from None
        if run.status == ImportStatus.FAILED:  # the file itself was refused: its one message
            raise CommandError(f"{path.name}: {run.failure}")
        for message in result.errors[:SHOWN_ERRORS]:
            self.stderr.write(message)
        if len(result.errors) > SHOWN_ERRORS:
            self.stderr.write(f"… and {len(result.errors) - SHOWN_ERRORS} more rows with errors")
        if not result.applied:
            raise CommandError(
                f"{path.name}: {result.error_count} rows with errors; nothing imported "
                "(fix them, or run again with --valid-rows to import the valid rows)"
            )
        self.stdout.write(
            f"{path.name}: {result.total} rows — {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged, {result.error_count} skipped with errors (import run {run.pk})"
        )
