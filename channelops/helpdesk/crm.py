"""The outbox kind ``crm.partner_update``: a partner's CRM fields changed (Last PHD Review,
Account Notes) and the CRM account should follow.

The CRM sync (issue 13) registers its own handler for this kind and replaces this one; until
then :func:`channelops.core.crm.crm_placeholder` decides (logged and dropped without a CRM,
kept waiting when ``CRM_ENABLED`` is true).
"""

from __future__ import annotations

from channelops.core.crm import NoCrmConfigured, crm_placeholder
from channelops.core.models import OutboxMessage
from channelops.core.outbox import register_handler

__all__ = ["NoCrmConfigured", "crm_partner_update"]


@register_handler("crm.partner_update")
def crm_partner_update(msg: OutboxMessage) -> None:
    crm_placeholder(msg)
