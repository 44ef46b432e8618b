"""What the CRM logs as completed Tasks (docs/crm.md, "Activities and reviews"), queued as
``crm.task`` outbox messages only while a CRM is connected:

- every e-mail channelops sent to people of a partner (an ``email`` message on the partner's topic;
  each recipient who is a contact or portal user of that partner gets a Task under their Contact
  and the Account — staff copies are not logged);
- every completed account review (a Task under the Account with the review's notes).

The NFR license e-mail has its own ``crm.activity`` (licensing), so it is not logged twice.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from channelops.core.crm import CRM_TASK_KIND, crm_enabled
from channelops.core.models import OutboxMessage
from channelops.core.outbox import outbox_enqueue
from channelops.partners.models import Contact, PartnerMembership


def _partner_id(topic: str) -> int | None:
    prefix = "partner:"
    if not topic.startswith(prefix) or not topic[len(prefix) :].isdigit():
        return None
    return int(topic[len(prefix) :])


def partner_addresses(partner_id: int, addresses: list[str]) -> dict[str, str]:
    """The addresses (lower case) that are a contact or portal user of the partner → their name."""
    wanted = {a.lower() for a in addresses}
    found: dict[str, str] = {}
    for membership in PartnerMembership.objects.filter(partner_id=partner_id).select_related("user"):
        if membership.user.email.lower() in wanted:
            found[membership.user.email.lower()] = membership.user.full_name
    q = Q()
    for address in wanted:
        q |= Q(email__iexact=address)
    for contact in Contact.objects.filter(q, partner_id=partner_id).only("email", "first_name", "last_name"):
        found.setdefault(contact.email.lower(), f"{contact.first_name} {contact.last_name}".strip())
    return found


def log_email(*, msg: OutboxMessage) -> None:
    """``core.outbox.email_delivered``: queue a Task per partner recipient of the e-mail."""
    if not (crm_enabled() and settings.CRM_LOG_EMAILS):
        return
    partner_id = _partner_id(msg.topic or "")
    if partner_id is None:
        return
    payload = msg.payload
    people = partner_addresses(partner_id, list(payload.get("to") or []))
    for address, name in sorted(people.items()):
        outbox_enqueue(
            kind=CRM_TASK_KIND,
            key=f"{CRM_TASK_KIND}:email:{msg.idempotency_key}:{address}"[:200],
            topic=msg.topic,
            payload={
                "activity": {
                    "partner_id": partner_id,
                    "who_email": address,
                    "who_name": name,
                    "subject": f"E-mail: {payload.get('subject', '')}",
                    "body": payload.get("text", ""),
                    "date": timezone.now().isoformat(),
                }
            },
        )


def log_review(*, kind: str, key: str, data: dict[str, Any]) -> None:
    """``core.events.event_published``: a completed account review becomes a Task on the Account."""
    if kind != "review.completed" or not crm_enabled():
        return
    from channelops.helpdesk.models import AccountReview

    review = AccountReview.objects.filter(pk=int(key)).first()
    if review is None:
        return
    outbox_enqueue(
        kind=CRM_TASK_KIND,
        key=f"{CRM_TASK_KIND}:review:{key}",
        topic=f"partner:{data['partner_id']}",
        payload={
            "activity": {
                "partner_id": data["partner_id"],
                "who_email": "",
                "subject": f"Account review completed: {review.get_kind_display()}",
                "body": review.notes,
                "date": timezone.now().isoformat(),
            }
        },
    )
