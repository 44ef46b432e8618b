"""``channelops notification_defaults``

Gives every person the notification rules suggested for their roles
(channelops/notifications/defaults.py) that they do not have yet. The data migration
``notifications 0002`` does this once when the defaults are installed; run this again after
loading people with ``bulk_create`` or raw SQL (the demo does), or after adding a default to the
table. A queue a person already has a rule for, or deleted the suggestion for, is skipped, so a
second run adds nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from channelops.notifications.services import notification_defaults_backfill


class Command(BaseCommand):
    help = "Give every person the notification rules suggested for their roles that they lack."

    def handle(self, *args: Any, **opts: Any) -> None:
        with transaction.atomic():
            created = notification_defaults_backfill()
        self.stdout.write(f"{created} suggested notification rules added.")
