"""The outbox kind ``crm.partner_update``: a partner's CRM fields changed (Last PHD Review,
Account Notes) and the CRM account should follow.

There is no CRM integration yet (issue 13, the CRM sync, will register its own handler for
this kind and replace this one). Until then:

* ``CRM_ENABLED`` false (the default, "runs with no CRM"): the message is logged and marked
  delivered — there is nothing to update;
* ``CRM_ENABLED`` true: delivery fails with "no CRM sync installed", so the messages wait
  (retried, then dead letters the console can retry) instead of being lost.
"""

from __future__ import annotations

import logging

from django.conf import settings

from channelops.core.models import OutboxMessage
from channelops.core.outbox import register_handler

log = logging.getLogger(__name__)


class NoCrmConfigured(RuntimeError):
    pass


@register_handler("crm.partner_update")
def crm_partner_update(msg: OutboxMessage) -> None:
    if not getattr(settings, "CRM_ENABLED", False):
        log.info(
            "crm.partner_update %s skipped: no CRM configured (CRM_ENABLED is false)", msg.idempotency_key
        )
        return
    raise NoCrmConfigured(
        "CRM_ENABLED is true but no CRM sync is installed to deliver crm.partner_update (see docs/reviews.md)"
    )
