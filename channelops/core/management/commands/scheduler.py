from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection

from channelops.core.schedules import schedule_tick, schedules, schedules_validate


class Command(BaseCommand):
    help = "Run the scheduler: enqueue periodic jobs from the schedule registry (safe to run on several machines)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--interval", type=float, default=20.0, help="Seconds between checks (default 20)."
        )
        parser.add_argument("--once", action="store_true", help="Check once and exit.")
        parser.add_argument("--list", action="store_true", help="Print the registry and exit.")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["list"]:
            for s in schedules():
                state = s.effective_rule if s.enabled else "off"
                self.stdout.write(f"{s.name:28} {state:40} {s.description}")
            return
        problems = schedules_validate()
        if problems:
            raise CommandError("; ".join(problems))
        stop = {"now": False}

        def _stop(signum: int, frame: Any) -> None:
            stop["now"] = True

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        while not stop["now"]:
            if not connection.in_atomic_block:  # (inside a test's transaction: keep it)
                close_old_connections()
            names = schedule_tick()
            if names:
                self.stdout.write(f"scheduler: enqueued {', '.join(names)}")
            if opts["once"]:
                break
            slept = 0.0
            while slept < opts["interval"] and not stop["now"]:
                time.sleep(0.5)
                slept += 0.5
