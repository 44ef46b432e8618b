from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Run the background task worker for the configured backend (database, or RQ when REDIS_URL is set)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--burst", action="store_true", help="Drain the queue, then exit.")

    def handle(self, *args: Any, **opts: Any) -> None:
        backend = str(settings.TASKS["default"]["BACKEND"])
        if backend.startswith("django_tasks_rq"):
            kwargs: dict[str, Any] = {"job_class": "django_tasks_rq.Job"}
            if opts["burst"]:
                kwargs["burst"] = True
            call_command("rqworker", "default", **kwargs)
        elif backend.startswith("django_tasks_db"):
            if opts["burst"]:
                call_command("db_worker", batch=True, startup_delay=False, interval=0.2)
            else:
                call_command("db_worker", interval=1)
        else:
            self.stdout.write(f"backend {backend} runs tasks in-process; no worker needed")
