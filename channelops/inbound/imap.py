"""Polling an IMAP mailbox (imap-tools; docs/inbound-email.md, "IMAP").

One poll: select the mailbox, read UIDVALIDITY (a change means the UIDs start over: the cursor goes
back to 0, re-fetched messages de-duplicate by hash), fetch the raw source of every UID above the
cursor in batches, and for each batch: store every message (one transaction, committed) → advance the cursor →
mark them \\Seen. Routing is a separate step (``inbound_route_pending``). A process killed anywhere
loses nothing: killed before the cursor moved, the next poll fetches the batch again and the store
finds the duplicates; killed before routing, the next routing picks the stored messages up.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from imap_tools import MailBox, MailBoxUnencrypted
from imap_tools.errors import MailboxLoginError

from .models import ImapCursor
from .services import _test_hook, inbound_store

_UID = re.compile(rb"UID (\d+)")


class ImapNotConfigured(Exception):
    pass


class ImapUnavailable(Exception):
    """The server could not be reached or refused the login (the message says which)."""


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    user: str
    password: str
    mailbox: str = "INBOX"
    ssl: bool = True
    auth: str = "password"  # or "xoauth2": ``password`` holds an OAuth2 access token
    batch: int = 100
    timeout: int = 60

    @property
    def key(self) -> str:
        return f"{self.user}@{self.host}:{self.port}/{self.mailbox}"

    @property
    def source(self) -> str:
        return f"imap:{self.mailbox}"


def imap_config() -> ImapConfig | None:
    """The mailbox of the settings, or None when ``CHANNELOPS_INBOUND_IMAP_HOST`` is not set."""
    if not settings.INBOUND_IMAP_HOST:
        return None
    return ImapConfig(
        host=settings.INBOUND_IMAP_HOST,
        port=settings.INBOUND_IMAP_PORT,
        user=settings.INBOUND_IMAP_USER,
        password=settings.INBOUND_IMAP_PASSWORD,
        mailbox=settings.INBOUND_IMAP_MAILBOX,
        ssl=settings.INBOUND_IMAP_SSL,
        auth=settings.INBOUND_IMAP_AUTH,
        batch=max(1, settings.INBOUND_IMAP_BATCH),
    )


def connect(cfg: ImapConfig) -> Any:
    try:
        box = (
            MailBox(cfg.host, cfg.port, timeout=cfg.timeout)
            if cfg.ssl
            else MailBoxUnencrypted(cfg.host, cfg.port, timeout=cfg.timeout)
        )
    except OSError as exc:
        raise ImapUnavailable(f"Cannot reach the IMAP server {cfg.host}:{cfg.port}: {exc}") from exc
    try:
        if cfg.auth == "xoauth2":
            box.xoauth2(cfg.user, cfg.password, initial_folder=None)
        else:
            box.login(cfg.user, cfg.password, initial_folder=None)
    except MailboxLoginError as exc:
        raise ImapUnavailable(f"The IMAP server {cfg.host} refused the login of {cfg.user}.") from exc
    return box


@dataclass
class PollResult:
    fetched: int = 0
    stored: int = 0
    duplicates: int = 0
    uidvalidity_changed: bool = False


def _fetch_raw(box: Any, uids: list[int]) -> Iterator[tuple[int, bytes]]:
    """(UID, raw source) of ``uids``, without setting \\Seen (BODY.PEEK)."""
    typ, data = box.client.uid("FETCH", ",".join(map(str, uids)), "(UID BODY.PEEK[])")
    if typ != "OK":
        raise ImapUnavailable(f"FETCH failed: {data!r}")
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            m = _UID.search(item[0])
            if m:
                yield int(m.group(1)), item[1]


def _new_uids(box: Any, last_uid: int) -> list[int]:
    typ, data = box.client.uid("SEARCH", f"UID {last_uid + 1}:*")
    if typ != "OK":
        raise ImapUnavailable(f"SEARCH failed: {data!r}")
    found = (data[0] or b"").split() if data else []
    # "N:*" always matches the highest UID, even below N: keep only the new ones.
    return sorted(u for u in (int(x) for x in found) if u > last_uid)


def imap_poll(
    *,
    cfg: ImapConfig | None = None,
    box: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> PollResult:
    """Fetch and store the new messages of the mailbox (see the module's docstring)."""
    cfg = cfg or imap_config()
    if cfg is None:
        raise ImapNotConfigured("No IMAP mailbox is configured (CHANNELOPS_INBOUND_IMAP_HOST).")
    own = box is None
    box = box or connect(cfg)
    result = PollResult()
    try:
        typ, data = box.client.select(_quote(cfg.mailbox))
        if typ != "OK":
            raise ImapUnavailable(f"The mailbox {cfg.mailbox!r} cannot be selected: {data!r}")
        uidvalidity = _uidvalidity(box)
        cursor, _ = ImapCursor.objects.get_or_create(key=cfg.key)
        if cursor.uidvalidity != uidvalidity:
            result.uidvalidity_changed = cursor.uidvalidity is not None
            cursor.uidvalidity, cursor.last_uid = uidvalidity, 0
            cursor.save(update_fields=["uidvalidity", "last_uid"])
        uids = _new_uids(box, cursor.last_uid)
        for start in range(0, len(uids), cfg.batch):
            batch = uids[start : start + cfg.batch]
            with transaction.atomic():  # the batch is committed before the cursor moves
                for _uid, raw in _fetch_raw(box, batch):
                    _record, created = inbound_store(raw=raw, source=cfg.source)
                    result.fetched += 1
                    result.stored += int(created)
                    result.duplicates += int(not created)
            _test_hook("after_store")  # stored and committed; cursor and \Seen not yet
            ImapCursor.objects.filter(pk=cursor.pk).update(last_uid=batch[-1], polled_at=timezone.now())
            cursor.last_uid = batch[-1]
            box.client.uid("STORE", ",".join(map(str, batch)), "+FLAGS.SILENT", r"(\Seen)")
            if progress is not None:
                progress(min(start + cfg.batch, len(uids)), len(uids))
        if not uids:
            ImapCursor.objects.filter(pk=cursor.pk).update(polled_at=timezone.now())
        _test_hook("before_route")
    finally:
        if own:
            try:
                box.logout()
            except Exception:  # noqa: S110 (the connection is gone anyway)
                pass
    return result


def _quote(mailbox: str) -> str:
    from imap_tools.imap_utf7 import utf7_encode

    encoded = utf7_encode(mailbox)
    text = encoded.decode() if isinstance(encoded, bytes) else str(encoded)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _uidvalidity(box: Any) -> int:
    typ, data = box.client.response("UIDVALIDITY")
    if data and data[0]:
        return int(data[0])
    status = box.folder.status(None, ["UIDVALIDITY"])
    return int(status["UIDVALIDITY"])


def supports_idle(box: Any) -> bool:
    return "IDLE" in getattr(box.client, "capabilities", ())


def imap_wait(box: Any, seconds: float) -> bool:
    """Wait for new mail with IDLE (True when the server announced something), else sleep."""
    if supports_idle(box):
        return bool(box.idle.wait(timeout=min(seconds, 29 * 60)))
    import time

    time.sleep(seconds)
    return False
