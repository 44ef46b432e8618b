"""``channelops insight_refresh [--months N]``: recompute the program overview's monthly rollup."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from channelops.insight.months import last_months
from channelops.insight.services import partner_months_refresh


class Command(BaseCommand):
    help = "Recompute the program overview's monthly rollup (partners by status, monthly active partners)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--months",
            type=int,
            default=13,
            help="How many months back, this month included (1-36; default 13).",
        )

    def handle(self, *args: Any, months: int, **options: Any) -> None:
        if not 1 <= months <= 36:
            raise CommandError("--months must be a whole number from 1 to 36, e.g. --months 13.")
        month_list = last_months(timezone.localdate(), months)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            transient=True,
        ) as progress:
            bar = progress.add_task("Months", total=len(month_list))
            rows = partner_months_refresh(
                months=month_list, progress=lambda done, total: progress.update(bar, completed=done)
            )
        self.stdout.write(f"Recomputed {rows} partner-month rows for {len(month_list)} months.")
