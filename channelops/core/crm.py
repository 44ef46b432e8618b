"""How the CRM outbox kinds are delivered: by the CRM sync's writer when one is registered and a
CRM is connected (``channelops.crm`` registers writers for ``crm.partner_update`` and
``crm.activity``, docs/crm.md), else by the placeholder rules below.

Features queue CRM changes as outbox messages (``crm.partner_update`` from account reviews,
``crm.activity`` from NFR license e-mails). Without a writer for the kind:

* ``CRM_ENABLED`` false (the default, "runs with no CRM"): the message is logged and marked
  delivered — there is nothing to update (with a writer too);
* ``CRM_ENABLED`` true: delivery fails with "no CRM sync installed", so the messages wait
  (retried, then dead letters the console can retry) instead of being lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings

from .models import OutboxMessage
from .outbox import register_handler

log = logging.getLogger(__name__)


class NoCrmConfigured(RuntimeError):
    pass


def crm_enabled() -> bool:
    return bool(getattr(settings, "CRM_ENABLED", False))


_WRITERS: dict[str, Callable[[OutboxMessage], None]] = {}


def register_crm_writer(kind: str, writer: Callable[[OutboxMessage], None]) -> None:
    """The CRM sync's function that writes messages of ``kind`` to the CRM (raises to be retried)."""
    _WRITERS[kind] = writer


def crm_placeholder(msg: OutboxMessage) -> bool:
    """Deliver ``msg``: True when a CRM writer wrote it; False when skipped (no CRM); raises when a
    CRM is expected but cannot take it (the outbox retries)."""
    writer = _WRITERS.get(msg.kind)
    if writer is not None and crm_enabled():
        writer(msg)
        return True
    if not crm_enabled():
        log.info("%s %s skipped: no CRM configured (CRM_ENABLED is false)", msg.kind, msg.idempotency_key)
        return False
    raise NoCrmConfigured(
        f"CRM_ENABLED is true but no CRM sync is installed to deliver {msg.kind} (see docs/configuration.md)"
    )


#: A completed Task in the CRM under a partner's Account (and contact): e-mails to partner people,
#: completed account reviews (docs/crm.md, "Activities and reviews").
CRM_TASK_KIND = "crm.task"


@register_handler(CRM_TASK_KIND)
def deliver_crm_task(msg: OutboxMessage) -> None:
    crm_placeholder(msg)


# --- what lower apps may ask the CRM sync (it sits above them) -------------------------------------

PartnerCrmStatus = Callable[[list[int]], dict[int, tuple[str, str]]]
_STATUS: list[PartnerCrmStatus] = []


def register_partner_crm_status(provider: PartnerCrmStatus) -> None:
    """The CRM sync's answer for a batch of partners: partner id → ("passed" | "failed", detail)
    about their CRM record (synced values, open sync errors). The help desk's review checks read it."""
    _STATUS[:] = [provider]


def partner_crm_status(partner_ids: list[int]) -> dict[int, tuple[str, str]] | None:
    """None when no CRM is connected (or no sync installed): the checks then cannot know."""
    if not _STATUS or not crm_enabled():
        return None
    return _STATUS[0](partner_ids)
