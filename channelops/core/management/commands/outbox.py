from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from channelops.core.models import OutboxMessage, OutboxStatus
from channelops.core.outbox import outbox_deliver_due, outbox_retry


class Command(BaseCommand):
    help = "Outbox operations: `status`, `deliver` (deliver due messages now), `retry-dead` (requeue dead letters)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["status", "deliver", "retry-dead"])

    def handle(self, *args: Any, **opts: Any) -> None:
        action = opts["action"]
        if action == "deliver":
            counts = outbox_deliver_due()
            self.stdout.write(f"sent {counts['sent']}, failed {counts['failed']}")
        elif action == "retry-dead":
            n = 0
            for msg in OutboxMessage.objects.filter(status=OutboxStatus.DEAD):
                outbox_retry(message=msg)
                n += 1
            self.stdout.write(f"requeued {n} dead letters")
        for status in OutboxStatus:
            n = OutboxMessage.objects.filter(status=status).count()
            self.stdout.write(f"{status.label:12} {n}")
