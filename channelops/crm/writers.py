"""The CRM writes other features queue in the outbox (docs/crm.md, "Activities and reviews"):

- ``crm.partner_update`` (a completed account review: Last PHD Review, Account Notes): the
  partner's Account is upserted with every mapped field, so it exists even before a full sync;
- ``crm.activity`` (the NFR license e-mail) and ``crm.task`` (e-mails to partner people, completed
  reviews; ``activities.py``): a completed Task under the license contact
  (``WhoId``) and the partner's Account (``WhatId``), upserted by ``Channelops_Id__c`` so a
  redelivery never logs it twice. The contact is the partner's channelops contact with that
  e-mail (sent first when needed) or, for a license contact who is not one, a Contact created
  under the Account with the external id ``email-<address>``.

Each raises on failure, so the outbox retries with backoff and the message is never lost.
"""

from __future__ import annotations

from typing import Any

from channelops.core.models import OutboxMessage
from channelops.partners.models import Contact, Partner

from .adapter import CrmAdapter, CrmUnavailable
from .inbound import NOT_LINKED
from .mapping import EXTERNAL_ID, external_id
from .models import Direction, SyncError, SyncObject
from .owners import owner_directory
from .services import connect, load_records, mappings_for, payload_for, record_sent


def _push(adapter: CrmAdapter, obj: str, pk: int) -> str:
    """Upsert one partner or contact with its mapped fields; its CRM id."""
    records = load_records(obj, [pk])
    if not records:
        raise CrmUnavailable(f"{obj} {pk} no longer exists")
    if SyncError.objects.filter(object=obj, local_id=pk, code=NOT_LINKED, resolved_at__isnull=True).exists():
        # Created in the CRM and not linked yet: upserting now would create a second record.
        raise CrmUnavailable(f"{obj} {pk} is not linked to its CRM record yet")
    mappings = mappings_for(obj, Direction.OUT, Direction.BOTH)
    payloads = [payload_for(obj, records[0], mappings)]
    (result,) = adapter.upsert("Account" if obj == SyncObject.PARTNER else "Contact", EXTERNAL_ID, payloads)
    record_sent(obj, records, payloads, [result], mappings)
    if not result.success:
        raise CrmUnavailable(f"the CRM refused {obj} {pk}: {result.code} {result.message}")
    return result.remote_id


def write_partner_update(msg: OutboxMessage) -> None:
    adapter = connect()
    with owner_directory(adapter):  # the CAM's CRM user as the owner
        _push(adapter, SyncObject.PARTNER, int(msg.payload["partner_id"]))


def _who(adapter: CrmAdapter, activity: dict[str, Any], partner: Partner) -> str:
    contact = (
        Contact.objects.filter(partner_id=partner.pk, email__iexact=activity["who_email"]).only("pk").first()
    )
    if contact is not None:
        return _push(adapter, SyncObject.CONTACT, contact.pk)
    first, _sep, last = (activity.get("who_name") or "").strip().rpartition(" ")
    record = {
        EXTERNAL_ID: f"email-{activity['who_email'].lower()}",
        "FirstName": first or None,
        "LastName": last or activity["who_email"],
        "Email": activity["who_email"],
        "Account": {EXTERNAL_ID: external_id("partner", partner.pk)},
    }
    (result,) = adapter.upsert("Contact", EXTERNAL_ID, [record])
    if not result.success:
        raise CrmUnavailable(
            f"the CRM refused the contact {activity['who_email']}: {result.code} {result.message}"
        )
    return result.remote_id


def write_activity(msg: OutboxMessage) -> None:
    activity = msg.payload["activity"]
    partner = Partner.objects.get(pk=activity["partner_id"])
    adapter = connect()
    account_id = _push(adapter, SyncObject.PARTNER, partner.pk)
    task = {
        EXTERNAL_ID: f"activity-{msg.idempotency_key}"[:255],
        "Subject": activity["subject"][:255],
        "Description": activity.get("body", "")[:32000],
        "WhatId": account_id,
        "Status": "Completed",
        "ActivityDate": activity["date"][:10],
    }
    if activity.get("who_email"):  # a review's Task has no contact
        task["WhoId"] = _who(adapter, activity, partner)
    (result,) = adapter.upsert("Task", EXTERNAL_ID, [task])
    if not result.success:
        raise CrmUnavailable(f"the CRM refused the activity: {result.code} {result.message}")
