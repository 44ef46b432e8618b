"""The default field mapping (created by migration 0002, editable in the data console) and how a
local record's mapped values are read (docs/crm.md, "Field mapping")."""

from __future__ import annotations

from typing import Any

from django.db.models import Max
from django.utils import timezone

from channelops.agreements.models import Acceptance
from channelops.enablement.models import PartnerCertificationStatus
from channelops.partners.models import Contact, Partner

EXTERNAL_ID = "Channelops_Id__c"

# The defaults live in migration 0002_default_mapping (a migration must not import app code).

REMOTE_OBJECT = {"partner": "Account", "contact": "Contact"}
# Fields a CRM change may set: the ones the partners app's services let staff set
# (partner_fields_set: website, phone, Account Notes, the CAM; contact_fields_set: phone, title).
INBOUND_FIELDS = {"partner": {"website", "phone", "account_notes", "cam"}, "contact": {"phone", "title"}}
CERTIFICATIONS = "certifications"
AGREEMENTS_ACCEPTED_ON = "agreements_accepted_on"


def external_id(obj: str, pk: int) -> str:
    return f"{obj}-{pk}"


def local_pk(obj: str, external: str | None) -> int | None:
    prefix = f"{obj}-"
    if not external or not external.startswith(prefix) or not external[len(prefix) :].isdigit():
        return None
    return int(external[len(prefix) :])


def partner_extras(partners: list[Partner]) -> None:
    """Load what the Account's computed fields need for these partners in two queries (kept on
    each partner): the partner certifications held and the latest agreement acceptance."""
    ids = [p.pk for p in partners]
    held: dict[int, list[str]] = {pk: [] for pk in ids}
    rows = (
        PartnerCertificationStatus.objects.held()
        .filter(partner_id__in=ids)
        .order_by("certification__position", "certification__name")
        .values_list("partner_id", "certification__name")
    )
    for pid, name in rows:
        held[pid].append(name)
    accepted = dict(
        Acceptance.objects.filter(partner_id__in=ids)
        .values("partner_id")
        .annotate(last=Max("accepted_at"))
        .values_list("partner_id", "last")
    )
    for p in partners:
        p._crm_certifications = held[p.pk]  # type: ignore[attr-defined]
        p._crm_accepted_at = accepted.get(p.pk)  # type: ignore[attr-defined]


def local_value(record: Partner | Contact, field: str) -> Any:
    """The value sent to the CRM for ``field`` (JSON: strings, ISO dates, None). The CAM is its
    e-mail address (``payload_for`` sends the CRM user with that address as the owner)."""
    if field in (CERTIFICATIONS, AGREEMENTS_ACCEPTED_ON) and isinstance(record, Partner):
        if not hasattr(record, "_crm_certifications"):
            partner_extras([record])
        if field == CERTIFICATIONS:  # a multi-select picklist: values separated by ";"
            return ";".join(record._crm_certifications) or None  # type: ignore[attr-defined]
        accepted = record._crm_accepted_at  # type: ignore[attr-defined]
        return timezone.localdate(accepted).isoformat() if accepted else None
    if field == "cam":
        cam = record.cam  # type: ignore[union-attr]
        return cam.email.lower() if cam is not None else None
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
