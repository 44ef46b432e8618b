"""The inbound sync beyond partners' own fields (docs/crm.md): contacts changed or deleted in the
CRM, partners and contacts created there, and the Account's owner as the partner's CAM.

Every change goes through the partners app's services as the "CRM sync" user (reason "CRM
sync"): ``contact_fields_set`` (a contact's phone and job title), ``partner_fields_set`` (the
CAM), ``partner_create`` and ``contact_create`` (records created in the CRM, when
``CHANNELOPS_CRM_CREATE_FROM_CRM`` allows it). A created record is linked at once: its
``Channelops_Id__c`` is written back to the CRM record (one call per batch), so the next outbound
run upserts that record and never a duplicate. Until the write-back succeeded the record carries a
``NOT_LINKED`` sync error, is not sent, and the write-back is retried by the next runs.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channelops.accounts.models import User
from channelops.partners.models import Contact, Partner, PartnerStatus, Region, Tier
from channelops.partners.services import (
    contact_create,
    contact_fields_set,
    partner_create,
    partner_fields_set,
)

from . import services as engine
from .adapter import Changes, CrmAdapter
from .mapping import EXTERNAL_ID, INBOUND_FIELDS, REMOTE_OBJECT, external_id, local_pk, local_value
from .models import (
    Direction,
    FieldMapping,
    SyncConflict,
    SyncError,
    SyncObject,
    SyncRun,
    SyncState,
    SystemOfRecord,
)
from .owners import OWNER_FIELD, staff_for_owner, translate_owners

REASON = "CRM sync"
NOT_LINKED = "NOT_LINKED"
DELETED = "DELETED_IN_CRM"
INVALID = "INVALID_VALUE"
ACCOUNT_FIELDS = [
    "Name",
    "BillingCountryCode",
    "Partner_Region__c",
    "Partner_Tier__c",
    "Partner_Status__c",
    "Website",
    "Phone",
    "Account_Notes__c",
    "OwnerId",
    "Type",
]
CONTACT_FIELDS = ["FirstName", "LastName", "Email", "Phone", "Title", "AccountId"]
Pending = list[tuple[int, str]]  # (local id, CRM id) of records to link
ROWS_PER_TRANSACTION = 1000


def creating() -> bool:
    return bool(settings.CRM_CREATE_FROM_CRM)


def creation_fields(obj: str) -> list[str]:
    """The CRM fields a record created there needs (read only when creation is on)."""
    if not creating():
        return []
    return ACCOUNT_FIELDS if obj == SyncObject.PARTNER else CONTACT_FIELDS


def _text(value: Any) -> str:
    return "" if value is None else str(value)


# --- applying one record's changes ----------------------------------------------------------------


def diff(
    *,
    obj: str,
    record: Partner | Contact,
    row: dict[str, Any],
    mappings: list[FieldMapping],
    synced: dict[str, Any],
    run: SyncRun,
    local_changed_at: Any,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Compare a CRM row with the local record and the values last synced: the changes to apply
    (``updates``) and the values both sides agree on (``agreed``); a field both changed is a
    ``SyncConflict`` that follows the mapping's rule. An owner never synced is taken as it is (not
    applied); a partner without a CAM takes the CRM's owner when it changes."""
    updates: dict[str, Any] = {}
    agreed: dict[str, Any] = {}
    for m in mappings:
        if m.local_field not in INBOUND_FIELDS[obj]:
            continue
        remote = row.get(m.remote_field)
        local = local_value(record, m.local_field)
        if m.local_field == OWNER_FIELD and not synced.get(OWNER_FIELD):
            agreed[m.local_field] = remote  # channelops never set this owner: nothing to apply
            continue
        if _text(remote) == _text(local):
            agreed[m.local_field] = remote
            continue
        if _text(remote) == _text(synced.get(m.local_field)):
            continue  # only channelops changed it: sent by the outbound sync
        local_changed = m.local_field in synced and _text(local) != _text(synced.get(m.local_field))
        if m.local_field == OWNER_FIELD and local is None:
            local_changed = False  # no CAM is never sent: the partner takes the CRM's owner
        if local_changed:
            run.conflicts += 1
            if not run.dry_run:
                SyncConflict.objects.create(
                    object=obj,
                    local_id=record.pk,
                    remote_id=row.get("Id", ""),
                    local_field=m.local_field,
                    remote_field=m.remote_field,
                    local_value=_text(local),
                    remote_value=_text(remote),
                    synced_value=_text(synced.get(m.local_field)),
                    local_changed_at=local_changed_at() if callable(local_changed_at) else local_changed_at,
                    remote_changed_at=engine._parse(row.get("SystemModstamp")),
                    kept=m.system_of_record,
                )
            if m.system_of_record != SystemOfRecord.CRM:
                # Seen: the same CRM change is not listed again before ours is sent.
                agreed[m.local_field] = remote
                continue
        updates[m.local_field] = remote
    return updates, agreed


def apply_values(*, obj: str, record: Partner | Contact, data: dict[str, Any], by: User, reason: str) -> None:
    """Apply CRM values through the service a staff person's edit uses (ValidationError when a
    value is not acceptable: a malformed phone number, an owner who is not staff)."""
    if obj == SyncObject.PARTNER:
        values = {k: (v or "") for k, v in data.items() if k != OWNER_FIELD}
        if OWNER_FIELD in data:
            values[OWNER_FIELD] = staff_for_owner(data[OWNER_FIELD])
        partner_fields_set(partner=record, by=by, data=values, reason=reason)  # type: ignore[arg-type]
    else:
        contact_fields_set(contact=record, by=by, data={k: v or "" for k, v in data.items()}, reason=reason)  # type: ignore[arg-type]


def record_remote_error(*, obj: str, remote_id: str, code: str, message: str) -> None:
    """An inbound error of a CRM record that has no channelops record (yet): kept per CRM id."""
    now = timezone.now()
    error = SyncError.objects.filter(
        object=obj, direction=Direction.IN, remote_id=remote_id, local_id=None, resolved_at__isnull=True
    ).first()
    if error is None:
        SyncError.objects.create(
            object=obj, direction=Direction.IN, remote_id=remote_id, code=code, message=message[:500]
        )
        return
    error.attempts += 1
    error.code, error.message, error.last_seen = code, message[:500], now
    error.save(update_fields=["attempts", "code", "message", "last_seen"])


def _resolve_remote_errors(obj: str, remote_id: str) -> None:
    SyncError.objects.filter(
        object=obj, direction=Direction.IN, remote_id=remote_id, local_id=None, resolved_at__isnull=True
    ).update(resolved_at=timezone.now())


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
    return "; ".join(exc.messages)


def _mark_not_linked(obj: str, local_id: int, remote_id: str) -> None:
    SyncError.objects.create(
        object=obj,
        direction=Direction.IN,
        local_id=local_id,
        remote_id=remote_id,
        code=NOT_LINKED,
        message=_("Created from the CRM; its channelops id is not yet written back to the CRM record."),
        next_retry_at=timezone.now(),
    )


# --- partners created in the CRM ------------------------------------------------------------------


def _link_created(
    obj: str, record: Partner | Contact, rid: str, mappings: list[FieldMapping], extra: dict[str, Any]
) -> None:
    """A record just created from the CRM: keep the CRM's id, the synced values (what both sides
    now hold) and mark it not linked until its external id is written back."""
    model: Any = Partner if obj == SyncObject.PARTNER else Contact
    model.objects.filter(pk=record.pk).update(
        **{"crm_account_id" if obj == SyncObject.PARTNER else "crm_contact_id": rid}
    )
    values = {
        m.local_field: local_value(record, m.local_field)
        for m in mappings
        if m.local_field in INBOUND_FIELDS[obj]
    }
    values.update(extra)
    SyncState.objects.update_or_create(
        object=obj, local_id=record.pk, defaults={"remote_id": rid, "values": values}
    )
    _mark_not_linked(obj, record.pk, rid)


def _partner_fields(row: dict[str, Any]) -> dict[str, Any]:
    """The ``partner_create`` arguments for an Account, or a ValidationError naming what is wrong."""
    errors: dict[str, str] = {}
    name = _text(row.get("Name")).strip()
    if not name:
        errors["Name"] = _("The Account has no name.")
    country = _text(row.get("BillingCountryCode")).strip().upper()
    if not country:
        errors["BillingCountryCode"] = _("The Account has no billing country.")
    region_code = _text(row.get("Partner_Region__c")).strip()
    region = Region.objects.filter(code=region_code, active=True).first() if region_code else None
    if region is None:
        errors["Partner_Region__c"] = _(
            "Unknown or inactive region “%(code)s”: use the code of a region accepting partners (%(codes)s)."
        ) % {
            "code": region_code,
            "codes": ", ".join(Region.objects.filter(active=True).values_list("code", flat=True)),
        }
    tier_name = _text(row.get("Partner_Tier__c")).strip()
    tier = Tier.objects.filter(name=tier_name).first() if tier_name else Tier.objects.order_by("rank").first()
    if tier is None:
        errors["Partner_Tier__c"] = _("Unknown tier “%(name)s”.") % {"name": tier_name}
    status = _text(row.get("Partner_Status__c")).strip() or PartnerStatus.APPLIED
    if status not in (PartnerStatus.APPLIED, PartnerStatus.ACTIVE):
        errors["Partner_Status__c"] = _("A new partner is applied or active, not “%(s)s”.") % {"s": status}
    if errors:
        raise ValidationError(errors)
    cam = None
    try:
        cam = staff_for_owner(row.get("OwnerId"))
    except ValidationError:
        pass  # an owner who is not channelops staff: the partner starts without a CAM
    return {
        "legal_name": name,
        "country": country,
        "region": region,
        "tier": tier,
        "website": _text(row.get("Website")).strip(),
        "status": status,
        "cam": cam,
    }


def create_partner(
    *, row: dict[str, Any], mappings: list[FieldMapping], run: SyncRun, by: User, pending: Pending
) -> None:
    """An Account the CRM reports that is no channelops partner: created through ``partner_create``
    when creation is on and its type marks a partner; linked by the caller (``pending``)."""
    rid = row.get("Id") or ""
    if not creating() or row.get(EXTERNAL_ID) or not rid:
        return
    wanted = settings.CRM_PARTNER_RECORD_TYPE
    if wanted and _text(row.get("Type")) != wanted:
        return  # a customer, prospect, …: not a partner
    linked = Partner.objects.filter(crm_account_id=rid).values_list("pk", flat=True).first()
    if linked is not None:  # created by an earlier run whose write-back did not happen
        pending.append((linked, rid))
        return
    if run.dry_run:
        run.records_in += 1
        return
    try:
        with transaction.atomic():
            partner = partner_create(**_partner_fields(row), by=by, reason=REASON)
            extra = {"phone": _text(row.get("Phone")), "account_notes": _text(row.get("Account_Notes__c"))}
            extra = {k: v for k, v in extra.items() if v}
            if extra:
                partner_fields_set(partner=partner, by=by, data=extra, reason=REASON)
            owner = (
                {OWNER_FIELD: row.get("OwnerId")}
                if any(m.local_field == OWNER_FIELD for m in mappings)
                else {}
            )
            _link_created(SyncObject.PARTNER, partner, rid, mappings, owner)
    except ValidationError as exc:
        record_remote_error(
            obj=SyncObject.PARTNER,
            remote_id=rid,
            code=INVALID,
            message=_("The Account “%(name)s” cannot become a partner: %(errors)s")
            % {"name": _text(row.get("Name")), "errors": _messages(exc)},
        )
        run.errors += 1
        return
    _resolve_remote_errors(SyncObject.PARTNER, rid)
    pending.append((partner.pk, rid))
    run.records_in += 1


# --- contacts -------------------------------------------------------------------------------------


def create_contact(
    *,
    row: dict[str, Any],
    partner: Partner | None,
    mappings: list[FieldMapping],
    run: SyncRun,
    by: User,
    pending: Pending,
) -> None:
    """A Contact created in the CRM under a linked Account: created through ``contact_create``."""
    rid = row.get("Id") or ""
    if not creating() or row.get(EXTERNAL_ID) or not rid or partner is None:
        return  # not under a channelops partner's Account
    linked = Contact.objects.filter(crm_contact_id=rid).values_list("pk", flat=True).first()
    if linked is not None:
        pending.append((linked, rid))
        return
    if run.dry_run:
        run.records_in += 1
        return
    errors: dict[str, str] = {}
    missing = {
        "FirstName": _("The Contact has no first name; channelops needs one."),
        "LastName": _("The Contact has no last name; channelops needs one."),
        "Email": _("The Contact has no e-mail address; channelops needs one."),
    }
    for field, message in missing.items():
        if not _text(row.get(field)).strip():
            errors[field] = message
    email = _text(row.get("Email")).strip().lower()
    if email and partner.contacts.filter(email=email).exists():
        errors["Email"] = _(
            "%(partner)s already has a contact with the e-mail %(email)s: merge the duplicate in the CRM."
        ) % {"partner": partner.legal_name, "email": email}
    try:
        if errors:
            raise ValidationError(errors)
        with transaction.atomic():
            contact = contact_create(
                partner=partner,
                first_name=_text(row.get("FirstName")).strip(),
                last_name=_text(row.get("LastName")).strip(),
                email=email,
                title=_text(row.get("Title")).strip(),
                phone=_text(row.get("Phone")).strip(),
                audit_as=by,
                reason=REASON,
            )
            _link_created(SyncObject.CONTACT, contact, rid, mappings, {})
    except ValidationError as exc:
        record_remote_error(
            obj=SyncObject.CONTACT,
            remote_id=rid,
            code=INVALID,
            message=_("The Contact %(name)s cannot be added to %(partner)s: %(errors)s")
            % {
                "name": f"{_text(row.get('FirstName'))} {_text(row.get('LastName'))}".strip(),
                "partner": partner.legal_name,
                "errors": _messages(exc),
            },
        )
        run.errors += 1
        return
    _resolve_remote_errors(SyncObject.CONTACT, rid)
    pending.append((contact.pk, rid))
    run.records_in += 1


def _contact_changed_at(contact: Contact) -> Any:
    return lambda: contact.history.order_by("-history_date").values_list("history_date", flat=True).first()


def apply_contact(
    *,
    row: dict[str, Any],
    contact: Contact,
    state: SyncState | None,
    mappings: list[FieldMapping],
    run: SyncRun,
    by: User,
) -> None:
    if state is None:
        state = SyncState(object=SyncObject.CONTACT, local_id=contact.pk)
    synced = dict(state.values)
    updates, agreed = diff(
        obj=SyncObject.CONTACT,
        record=contact,
        row=row,
        mappings=mappings,
        synced=synced,
        run=run,
        local_changed_at=_contact_changed_at(contact),
    )
    if run.dry_run:
        run.records_in += bool(updates)
        return
    if updates:
        try:
            apply_values(obj=SyncObject.CONTACT, record=contact, data=updates, by=by, reason=REASON)
        except ValidationError as exc:
            engine._record_error(
                obj=SyncObject.CONTACT,
                direction=Direction.IN,
                local_id=contact.pk,
                remote_id=row.get("Id", ""),
                code=INVALID,
                message=_messages(exc),
            )
            run.errors += 1
            return
        run.records_in += 1
        engine._resolve_errors(SyncObject.CONTACT, Direction.IN, [contact.pk])
    synced.update(agreed)
    synced.update(updates)
    remote_id = row.get("Id", state.remote_id)
    if state.pk is None or synced != state.values or remote_id != state.remote_id:  # echoes: no write
        state.values, state.remote_id = synced, remote_id
        state.save()


# --- linking records created in the CRM -----------------------------------------------------------


def link_pending(adapter: CrmAdapter, run: SyncRun, obj: str, pending: Pending) -> None:
    """Write ``Channelops_Id__c`` back to CRM records created there (this batch's and earlier ones
    whose write-back failed and are due), one call per 200; resolve their ``NOT_LINKED`` marks."""
    if run.dry_run:
        return
    earlier = SyncError.objects.filter(
        object=obj, code=NOT_LINKED, resolved_at__isnull=True, next_retry_at__lte=timezone.now()
    ).values_list("local_id", "remote_id")
    todo = dict(pending)
    todo.update({pk: rid for pk, rid in earlier if pk is not None and pk not in todo})
    if not todo:
        return
    records = [{"Id": rid, EXTERNAL_ID: external_id(obj, pk)} for pk, rid in sorted(todo.items())]
    results = adapter.update(REMOTE_OBJECT[obj], records)
    linked = []
    for (pk, _rid), result in zip(sorted(todo.items()), results, strict=True):
        if result.success:
            linked.append(pk)
            continue
        engine._record_error(
            obj=obj,
            direction=Direction.IN,
            local_id=pk,
            remote_id=_rid,
            code=NOT_LINKED,
            message=_("Writing its channelops id back to the CRM failed: %(code)s %(message)s")
            % {"code": result.code, "message": result.message},
        )
        run.errors += 1
    SyncError.objects.filter(
        object=obj, code=NOT_LINKED, local_id__in=linked, resolved_at__isnull=True
    ).update(resolved_at=timezone.now())


def _apply_contact_rows(
    adapter: CrmAdapter, run: SyncRun, rows: list[dict[str, Any]], mappings: list[FieldMapping], by: User
) -> None:
    """Apply a batch of Contacts read from the CRM in one transaction, in a constant number of
    queries for the records that did not change; then link the ones created from the CRM."""
    pks = [pk for r in rows if (pk := local_pk(SyncObject.CONTACT, r.get(EXTERNAL_ID))) is not None]
    contacts = Contact.objects.in_bulk(pks)
    states = {s.local_id: s for s in SyncState.objects.filter(object=SyncObject.CONTACT, local_id__in=pks)}
    accounts = {r.get("AccountId") for r in rows if not r.get(EXTERNAL_ID) and r.get("AccountId")}
    partners = (
        {p.crm_account_id: p for p in Partner.objects.filter(crm_account_id__in=accounts)} if accounts else {}
    )
    pending: Pending = []
    with transaction.atomic():
        for row in rows:
            pk = local_pk(SyncObject.CONTACT, row.get(EXTERNAL_ID))
            if pk is None:
                create_contact(
                    row=row,
                    partner=partners.get(str(row.get("AccountId") or "")),
                    mappings=mappings,
                    run=run,
                    by=by,
                    pending=pending,
                )
            elif pk in contacts:
                apply_contact(
                    row=row, contact=contacts[pk], state=states.get(pk), mappings=mappings, run=run, by=by
                )
    link_pending(adapter, run, SyncObject.CONTACT, pending)
    run.api_calls = adapter.calls
    run.save(update_fields=["records_in", "errors", "conflicts", "api_calls"])


def sync_in_contacts(
    adapter: CrmAdapter,
    run: SyncRun,
    *,
    full: bool,
    since: datetime | None,
    budget: int,
    progress: engine.Progress | None,
    changes: Changes | None = None,
) -> None:
    """Contacts changed, created or deleted in the CRM since the ``in:contact`` cursor."""
    mappings = engine.mappings_for(SyncObject.CONTACT, Direction.IN, Direction.BOTH)
    if not mappings and not creating():
        return
    cursor = engine._cursor("in:contact")
    end = changes.covered_until if changes is not None and changes.covered_until else timezone.now()
    start = since if since is not None else cursor.value
    fields = [
        EXTERNAL_ID,
        "SystemModstamp",
        "AccountId",
        *(m.remote_field for m in mappings),
        *creation_fields(SyncObject.CONTACT),
    ]
    if full or start is None or start < end - timedelta(days=engine.REPLICATION_DAYS):
        ids = list(
            SyncState.objects.filter(object=SyncObject.CONTACT)
            .exclude(remote_id="")
            .values_list("remote_id", flat=True)
        )
        deleted: list[str] = []
    else:
        changes = changes or adapter.changed(REMOTE_OBJECT[SyncObject.CONTACT], start, end)
        ids, deleted = changes.ids, changes.deleted
    by = engine.crm_user()
    done = 0
    for page in engine._remote_rows(adapter, SyncObject.CONTACT, fields, ids, budget):
        for rows in engine._chunks(page, ROWS_PER_TRANSACTION):  # a bulk page holds up to 50,000
            _apply_contact_rows(adapter, run, rows, mappings, by)
            done += len(rows)
            if progress:
                progress("CRM → contacts", done, len(ids))
    if not run.dry_run:
        if not ids:
            link_pending(adapter, run, SyncObject.CONTACT, [])
        gone = SyncState.objects.filter(object=SyncObject.CONTACT, remote_id__in=deleted)
        for state in gone:
            engine._record_error(
                obj=SyncObject.CONTACT,
                direction=Direction.IN,
                local_id=state.local_id,
                remote_id=state.remote_id,
                code=DELETED,
                message=_("The Contact was deleted in the CRM; the contact is no longer sent there."),
            )
        cursor.value = end
        cursor.save(update_fields=["value", "updated_at"])


def owners_for(rows: list[dict[str, Any]], mappings: list[FieldMapping]) -> None:
    """Read owners as e-mail addresses (one query per batch for the owners not known yet)."""
    for m in mappings:
        if m.local_field == OWNER_FIELD:
            translate_owners(rows, m.remote_field)


def replication_windows(
    adapter: CrmAdapter, *, full: bool, since: datetime | None, budget: int
) -> dict[str, Changes]:
    """What changed in the CRM for every object read incrementally, in one Composite call
    (``getUpdated`` and ``getDeleted`` of Accounts and Contacts): a quiet inbound run costs one
    call. Objects re-read in full (``full``, no cursor, beyond the 30-day window) are left out."""
    end = timezone.now()
    wanted = {
        SyncObject.PARTNER: bool(engine.mappings_for(SyncObject.PARTNER, Direction.IN, Direction.BOTH)),
        SyncObject.CONTACT: bool(engine.mappings_for(SyncObject.CONTACT, Direction.IN, Direction.BOTH))
        or creating(),
    }
    windows: dict[str, tuple[datetime, datetime]] = {}
    for obj, needed in wanted.items():
        start = since if since is not None else engine._cursor(f"in:{obj}").value
        if not needed or full or start is None or start < end - timedelta(days=engine.REPLICATION_DAYS):
            continue
        windows[obj] = (start, end)
    if not windows:
        return {}
    if adapter.calls + 1 > budget:
        raise engine.BudgetExhausted
    found = adapter.changed_many({REMOTE_OBJECT[obj]: window for obj, window in windows.items()})
    return {obj: found[REMOTE_OBJECT[obj]] for obj in windows}
