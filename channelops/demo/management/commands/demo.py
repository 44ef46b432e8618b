from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from channelops.demo.data import demo_build


class Command(BaseCommand):
    help = "Build deterministic demo data: named sign-ins per role plus N generated partners (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--partners", type=int, default=50, help="How many generated partners (default 50)."
        )
        parser.add_argument("--seed", type=int, default=42, help="Random seed (default 42).")
        parser.add_argument("--contacts-per-partner", type=int, default=10)
        parser.add_argument("--events-per-partner", type=int, default=100)

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["partners"] < 0:
            self.stderr.write("--partners must be 0 or more.")
            raise SystemExit(2)
        from django.conf import settings

        if settings.PRODUCTION:
            raise CommandError(
                "Demo data (with published passwords) is refused when CHANNELOPS_PRODUCTION=true."
            )
        console = Console(stderr=True)
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        ) as bar:
            task = bar.add_task("demo partners", total=None)

            def progress(label: str, done: int, total: int) -> None:
                if label == "partners":
                    bar.update(task, completed=done, total=total)
                else:  # the steps once every partner is in (rollup, awards, reviews)
                    bar.update(task, description=f"demo: {label}")

            created = demo_build(
                partners=opts["partners"],
                seed=opts["seed"],
                contacts_per_partner=opts["contacts_per_partner"],
                events_per_partner=opts["events_per_partner"],
                progress=progress,
            )
        more = [
            (created.get(key, 0), label)
            for key, label in (
                ("applications", "applications"),
                ("acceptances", "acceptances"),
                ("nfr_requests", "NFR requests"),
                ("records", "practitioner records"),
                ("badges", "badges"),
                ("reviews", "account reviews"),
            )
            if created.get(key)
        ]
        self.stdout.write(
            f"demo data ready: {created['partners']} partners, {created['contacts']} contacts, "
            f"{created['events']} engagement events"
            + "".join(f", {n} {label}" for n, label in more)
            + " created"
        )
