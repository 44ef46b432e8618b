"""``channelops agreement_compliance --refresh``: rebuild the "who has not (re-)accepted" table."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console

from channelops.agreements.compliance import compliance_refresh


class Command(BaseCommand):
    help = "Rebuild the table of agreements not accepted in their current version (docs/agreements.md)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--refresh", action="store_true", help="Recompute every partner's rows.")

    def handle(self, *args: Any, refresh: bool, **options: Any) -> None:
        if not refresh:
            raise CommandError("Say what to do: --refresh rebuilds the table.")
        console = Console(stderr=True)
        started = time.monotonic()
        with console.status("Recomputing every active partner's agreements…"):
            rows = compliance_refresh()
        self.stdout.write(
            f"{rows} agreements are not accepted in their current version "
            f"(recomputed in {time.monotonic() - started:.1f} s)."
        )
