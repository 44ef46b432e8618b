"""The default field mapping (created by migration 0002, editable in the data console) and how a
local record's mapped values are read (docs/crm.md, "Field mapping")."""

from __future__ import annotations

from typing import Any

from channelops.partners.models import Contact, Partner

EXTERNAL_ID = "Channelops_Id__c"

# The defaults live in migration 0002_default_mapping (a migration must not import app code).

REMOTE_OBJECT = {"partner": "Account", "contact": "Contact"}
# Fields a CRM change may set: the ones the partner service lets staff set (partner_fields_set).
INBOUND_FIELDS = {"partner": {"website", "phone", "account_notes"}, "contact": set()}


def external_id(obj: str, pk: int) -> str:
    return f"{obj}-{pk}"


def local_pk(obj: str, external: str | None) -> int | None:
    prefix = f"{obj}-"
    if not external or not external.startswith(prefix) or not external[len(prefix) :].isdigit():
        return None
    return int(external[len(prefix) :])


def local_value(record: Partner | Contact, field: str) -> Any:
    """The value sent to the CRM for ``field`` (JSON: strings, ISO dates, None)."""
    if field == "tier":
        return record.tier.name  # type: ignore[union-attr]
    if field == "region":
        return record.region.code  # type: ignore[union-attr]
    if field == "country":
        return record.country.code or None  # type: ignore[union-attr]
    value = getattr(record, field)
    if field == "phone":
        return str(value) if value else None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value if value != "" else None
