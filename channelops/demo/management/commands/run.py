from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from rich.console import Console

from channelops.demo.data import DEMO_PASSWORD, PARTNER_PEOPLE, STAFF


class Command(BaseCommand):
    help = "Migrate, load the demo data and run the web server, the task worker and the scheduler together."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument("--no-demo", action="store_true", help="Do not load demo data.")
        parser.add_argument("--partners", type=int, default=50, help="Generated demo partners (default 50).")

    def handle(self, *args: Any, **opts: Any) -> None:
        console = Console()
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)
        console.print("[bold]channelops[/]: migrating the database…")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        if not opts["no_demo"]:
            call_command("demo", partners=opts["partners"])
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        manage = [sys.executable, "-m", "django"]
        env.setdefault("DJANGO_SETTINGS_MODULE", "channelops.settings")
        procs = {
            "web": subprocess.Popen([*manage, "runserver", opts["addr"], "--noreload"], env=env),
            "worker": subprocess.Popen([*manage, "worker"], env=env),
            "scheduler": subprocess.Popen([*manage, "scheduler"], env=env),
        }
        self._banner(console, opts["addr"], demo=not opts["no_demo"])
        stopping = {"now": False}

        def _stop(signum: int, frame: Any) -> None:
            stopping["now"] = True

        signal.signal(signal.SIGINT, _stop)
        signal.signal(signal.SIGTERM, _stop)
        try:
            while not stopping["now"]:
                for name, p in procs.items():
                    if p.poll() is not None:
                        console.print(f"[red]{name} stopped (exit {p.returncode}); stopping everything.[/]")
                        stopping["now"] = True
                time.sleep(0.5)
        finally:
            for p in procs.values():
                if p.poll() is None:
                    p.terminate()
            deadline = time.time() + 10
            for p in procs.values():
                try:
                    p.wait(timeout=max(0.1, deadline - time.time()))
                except subprocess.TimeoutExpired:
                    p.kill()
            console.print("channelops stopped.")

    def _banner(self, console: Console, addr: str, demo: bool) -> None:
        console.print(f"\n[bold green]channelops is running on http://{addr}/[/]  (Ctrl-C stops it)\n")
        if not demo:
            return
        # Plain lines (not a table) so that long addresses and secrets are never cut or folded.
        console.print(f"[bold]Demo sign-ins[/] — password for all: [bold]{DEMO_PASSWORD}[/] (demo only)")
        for p in STAFF:
            console.print(
                f"  {p.role:24} {p.email:38} TOTP secret {p.totp_secret}", soft_wrap=True, markup=False
            )
        for p in PARTNER_PEOPLE:
            console.print(f"  {p.role:24} {p.email}", soft_wrap=True, markup=False)
        console.print(
            "Staff sign in with the password, then a code from the TOTP secret (e.g. `oathtool --totp -b SECRET`)."
        )
