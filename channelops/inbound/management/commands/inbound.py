"""``channelops inbound poll [--once] [--quiet]`` · ``channelops inbound route`` ·
``channelops inbound ingest FILE...`` (docs/inbound-email.md)

``poll`` fetches the new messages of the IMAP mailbox (``CHANNELOPS_INBOUND_IMAP_*``), stores them,
then routes every stored message; without ``--once`` it goes on, waiting for new mail with IDLE when
the server supports it, else every ``CHANNELOPS_INBOUND_POLL_SECONDS``. ``route`` routes what is
stored; ``ingest`` stores and routes .eml files (``-`` reads standard input)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from channelops.inbound.imap import (
    ImapNotConfigured,
    ImapUnavailable,
    connect,
    imap_config,
    imap_poll,
    imap_wait,
)
from channelops.inbound.services import inbound_receive, inbound_route_pending


class Command(BaseCommand):
    help = "Inbound e-mail: `poll` the IMAP mailbox, `route` stored messages, `ingest` .eml files."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        poll = sub.add_parser("poll", help="fetch, store and route new messages of the IMAP mailbox")
        poll.add_argument("--once", action="store_true", help="one poll, then exit")
        poll.add_argument("--quiet", action="store_true", help="no progress bar")
        sub.add_parser("route", help="route every stored message not routed yet")
        ingest = sub.add_parser("ingest", help="store and route raw messages (.eml files, - for stdin)")
        ingest.add_argument("files", nargs="+")

    def handle(self, *args: Any, **opts: Any) -> None:
        action = opts["action"]
        if action == "route":
            return self._route(quiet=True)
        if action == "ingest":
            return self._ingest(opts["files"])
        cfg = imap_config()
        if cfg is None:
            raise CommandError(
                "No IMAP mailbox is configured: set CHANNELOPS_INBOUND_IMAP_HOST, _USER and _PASSWORD "
                "(docs/inbound-email.md)."
            )
        while True:
            try:
                box = connect(cfg)
            except ImapUnavailable as exc:
                raise CommandError(str(exc)) from exc
            try:
                while True:
                    self._poll_once(box, quiet=opts["quiet"])
                    if opts["once"]:
                        return None
                    imap_wait(box, settings.INBOUND_POLL_SECONDS)
            except (ImapUnavailable, ImapNotConfigured) as exc:
                if opts["once"]:
                    raise CommandError(str(exc)) from exc
                self.stderr.write(f"{exc} — connecting again")
            except OSError as exc:  # the connection dropped (IDLE timeouts, restarts): connect again
                if opts["once"]:
                    raise CommandError(f"The IMAP connection failed: {exc}") from exc
                self.stderr.write(f"The IMAP connection failed: {exc} — connecting again")
            finally:
                try:
                    box.logout()
                except Exception:  # noqa: S110
                    pass

    def _poll_once(self, box: Any, *, quiet: bool) -> None:
        cfg = imap_config()
        assert cfg is not None
        if quiet:
            polled = imap_poll(cfg=cfg, box=box)
        else:
            with Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                console=Console(stderr=True),
            ) as bar:
                task = bar.add_task(f"Fetching {cfg.mailbox}", total=None)
                polled = imap_poll(
                    cfg=cfg, box=box, progress=lambda d, t: bar.update(task, completed=d, total=t)
                )
        self.stdout.write(
            f"{cfg.key}: {polled.fetched} fetched, {polled.stored} new, {polled.duplicates} duplicates"
            + (" (UIDVALIDITY changed: fetched again from the start)" if polled.uidvalidity_changed else "")
        )
        self._route(quiet=quiet)

    def _route(self, *, quiet: bool) -> None:
        result = inbound_route_pending()
        self.stdout.write(
            f"Routed {result.routed}, ignored (automated) {result.ignored}, dead letters {result.dead}"
        )

    def _ingest(self, files: list[str]) -> None:
        for name in files:
            try:
                raw = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
            except OSError as exc:
                raise CommandError(f"Cannot read {name}: {exc.strerror}") from exc
            msg = inbound_receive(raw=raw, source="cli")
            self.stdout.write(
                f"{name}: #{msg.pk} {msg.get_status_display()}"
                + (f" — {msg.error.splitlines()[0]}" if msg.error else "")
            )
