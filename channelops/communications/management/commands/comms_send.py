from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from channelops.communications.models import Mailing, MailingStatus
from channelops.communications.sending import mailing_begin, send_run


class Command(BaseCommand):
    help = (
        "Send a partner mailing now, in this process (what the worker's comms_send run does): "
        "starts it when scheduled, then sends every due message. Run it again to resume."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("mailing", type=int, help="the mailing's id")
        parser.add_argument("--concurrency", type=int, default=0, help="SMTP connections (default: setting)")

    def handle(self, *args: Any, **opts: Any) -> None:
        mailing = Mailing.objects.filter(pk=opts["mailing"]).first()
        if mailing is None:
            raise CommandError(f"No mailing {opts['mailing']}.")
        if mailing.status == MailingStatus.SCHEDULED:
            mailing = mailing_begin(mailing)
        if mailing.status != MailingStatus.SENDING:
            raise CommandError(f"Mailing {mailing.pk} is {mailing.status}, not sending.")
        counts = send_run(mailing.pk, concurrency=opts["concurrency"] or None)
        self.stdout.write(", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "nothing due")
