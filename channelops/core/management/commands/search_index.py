"""``channelops search_index [--kind KEY …] [--quiet]``

Rebuilds the global search's documents (channelops/core/search.py) from the records: every
registered kind, or the kinds named. Saves and deletes keep the index current by themselves;
run this after changing records with ``QuerySet.update()``/``bulk_create`` or raw SQL, after
restoring a database without its index, or after changing what a kind indexes. One transaction
per kind (searches keep working meanwhile); a rich progress bar on stderr.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from channelops.core.search import rebuild_index, search_kinds


class Command(BaseCommand):
    help = "Rebuild the global search index from the records (all kinds, or --kind KEY …)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--kind",
            action="append",
            default=[],
            metavar="KEY",
            help="only this kind (repeatable); one of: " + ", ".join(k.key for k in search_kinds()),
        )
        parser.add_argument("--batch-size", type=int, default=1000, help="records per write (default 1000)")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **opts: Any) -> None:
        known = {k.key for k in search_kinds()}
        unknown = [k for k in opts["kind"] if k not in known]
        if unknown:
            raise CommandError(f"unknown kind {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        if opts["batch_size"] < 1:
            raise CommandError("--batch-size must be 1 or more")
        keys = opts["kind"] or None
        if opts["quiet"]:
            counts = rebuild_index(keys, batch=opts["batch_size"])
        else:
            with Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=False,
            ) as bar:
                tasks: dict[str, Any] = {}

                def progress(label: str, done: int, total: int) -> None:
                    if label not in tasks:
                        tasks[label] = bar.add_task(label, total=total)
                    bar.update(tasks[label], completed=done, total=total)

                counts = rebuild_index(keys, progress=progress, batch=opts["batch_size"])
        summary = ", ".join(f"{n} {key}" for key, n in counts.items())
        self.stdout.write(f"search index rebuilt: {summary or 'nothing to index'}")
