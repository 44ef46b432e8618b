"""Placeholder handlers for the CRM outbox kinds until the CRM sync (issue 13) replaces them.

Features queue CRM changes as outbox messages (``crm.partner_update`` from account reviews,
``crm.activity`` from NFR license e-mails). There is no CRM integration yet. Until the sync
registers its own handlers for these kinds:

* ``CRM_ENABLED`` false (the default, "runs with no CRM"): the message is logged and marked
  delivered — there is nothing to update;
* ``CRM_ENABLED`` true: delivery fails with "no CRM sync installed", so the messages wait
  (retried, then dead letters the console can retry) instead of being lost.
"""

from __future__ import annotations

import logging

from django.conf import settings

from .models import OutboxMessage

log = logging.getLogger(__name__)


class NoCrmConfigured(RuntimeError):
    pass


def crm_enabled() -> bool:
    return bool(getattr(settings, "CRM_ENABLED", False))


def crm_placeholder(msg: OutboxMessage) -> bool:
    """Deliver ``msg`` to "no CRM": returns False when skipped (no CRM), raises when one is expected."""
    if not crm_enabled():
        log.info("%s %s skipped: no CRM configured (CRM_ENABLED is false)", msg.kind, msg.idempotency_key)
        return False
    raise NoCrmConfigured(
        f"CRM_ENABLED is true but no CRM sync is installed to deliver {msg.kind} (see docs/configuration.md)"
    )
