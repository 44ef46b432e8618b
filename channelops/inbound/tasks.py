"""Thin task: the scheduled inbound run — poll the IMAP mailbox when one is configured, then route
every stored message (also those a webhook stored and a crash left unrouted)."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def inbound_task() -> dict[str, Any]:
    from .imap import ImapUnavailable, imap_config, imap_poll
    from .services import inbound_route_pending

    out: dict[str, Any] = {}
    if imap_config() is not None:
        try:
            polled = imap_poll()
            out.update(fetched=polled.fetched, stored=polled.stored, duplicates=polled.duplicates)
        except ImapUnavailable as exc:
            out["imap_error"] = str(exc)  # the stored messages are still routed below
    routed = inbound_route_pending()
    out.update(routed=routed.routed, ignored=routed.ignored, dead=routed.dead)
    if "imap_error" in out:
        raise RuntimeError(out["imap_error"])
    return out
