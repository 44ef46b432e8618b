"""``channelops crm sync [--full] [--dry-run] [--since DATE] [--direction in|out] [--quiet]``
``channelops crm describe``

``sync`` runs one sync (docs/crm.md) with a progress bar and prints what it sent, read, refused and
how many API calls it used; exit 1 when the run failed or paused. ``describe`` checks that the
connected org has every mapped field (and the ``Channelops_Id__c`` external ids)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from channelops.crm import mdf
from channelops.crm.adapter import CrmUnavailable
from channelops.crm.inbound import creation_fields
from channelops.crm.mapping import EXTERNAL_ID, REMOTE_OBJECT
from channelops.crm.models import FieldMapping, RunStatus
from channelops.crm.services import CrmNotConfigured, connect, crm_sync


class Command(BaseCommand):
    help = "CRM sync: `sync` runs one sync, `describe` checks the org has the mapped fields."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sync = sub.add_parser("sync", help="run one sync")
        sync.add_argument(
            "--full", action="store_true", help="every record, not only changes since the last run"
        )
        sync.add_argument("--dry-run", action="store_true", help="count what would be sent; write nothing")
        sync.add_argument(
            "--since", help="changes since this date (YYYY-MM-DD) instead of the stored cursors"
        )
        sync.add_argument("--direction", choices=["in", "out", "both"], default="both")
        sync.add_argument("--quiet", action="store_true", help="no progress bar")
        sub.add_parser("describe", help="which mapped fields the connected org lacks")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "describe":
            return self._describe()
        since = None
        if opts.get("since"):
            try:
                day = datetime.strptime(opts["since"], "%Y-%m-%d").date()
            except ValueError as exc:
                raise CommandError("--since takes a date as YYYY-MM-DD, e.g. 2026-11-30") from exc
            since = timezone.make_aware(datetime.combine(day, time.min))
        kwargs = {
            "direction": opts["direction"],
            "full": opts["full"],
            "dry_run": opts["dry_run"],
            "since": since,
        }
        if opts["quiet"]:
            run = crm_sync(**kwargs)
        else:
            with Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                console=Console(stderr=True),
            ) as bar:
                tasks: dict[str, Any] = {}

                def progress(label: str, done: int, total: int) -> None:
                    if label not in tasks:
                        tasks[label] = bar.add_task(label, total=total)
                    bar.update(tasks[label], completed=done, total=total)

                run = crm_sync(progress=progress, **kwargs)
        self.stdout.write(
            f"{run.get_status_display()}: {run.records_out} sent, {run.records_in} received, "
            f"{run.errors} refused, {run.conflicts} conflicts, {run.api_calls} API calls"
            + (" (dry run: nothing written)" if run.dry_run else "")
        )
        if run.status in (RunStatus.FAILED, RunStatus.PAUSED):
            raise CommandError(run.message or run.get_status_display())

    def _describe(self) -> None:
        try:
            adapter = connect()
            missing = []
            for obj, remote in REMOTE_OBJECT.items():
                have = adapter.describe(remote)
                wanted = {
                    EXTERNAL_ID,
                    *FieldMapping.objects.filter(object=obj).values_list("remote_field", flat=True),
                    *creation_fields(obj),  # records created in the CRM: what creating them reads
                }
                missing += [f"{remote}.{f}" for f in sorted(wanted - have)]
            if mdf.enabled():  # MDF proposals as Campaigns, claims as MDF_Claim__c (docs/crm.md)
                for remote, fields in mdf.FIELDS.items():
                    try:
                        have = adapter.describe(remote)
                    except CrmUnavailable as exc:
                        if "NOT_FOUND" not in str(exc):
                            raise
                        missing.append(f"{remote} (the object)")
                        continue
                    missing += [f"{remote}.{f}" for f in sorted({EXTERNAL_ID, *fields} - have)]
        except (CrmUnavailable, CrmNotConfigured) as exc:
            raise CommandError(str(exc)) from exc
        if missing:
            raise CommandError("The org lacks these mapped fields: " + ", ".join(missing) + " (docs/crm.md)")
        self.stdout.write("Every mapped field exists in the org.")
