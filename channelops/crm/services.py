"""The CRM sync engine (docs/crm.md): outbound upserts by external id, inbound changes by
replication windows, conflicts, per-record errors, cursors, the daily API budget.

- **Outbound**: partners whose row changed (``updated_at``) and contacts whose history has a
  change since the ``out:<object>`` cursor, plus records whose last attempt failed and are due
  again, are sent in sObject Collections of 200, upserted by ``Channelops_Id__c`` — a retry or a
  re-run never duplicates a record. The cursor moves to the run's start only when every batch was
  sent, so a killed run sends its window again (idempotently) and loses nothing.
- **Inbound**: the Accounts changed in the CRM since the ``in:partner`` cursor (``getUpdated``;
  beyond the 30-day replication window, or with ``full``, every Account) are read and their
  CRM-owned fields applied through ``partner_fields_set`` as the "CRM sync" user — audited,
  announced with the partner hooks — never by writing rows.
- **Conflicts**: a field both sides changed since the last sync (``SyncState``) follows its
  mapping's system of record and is listed (``SyncConflict``) with both values.
- **Errors**: a record the CRM refuses is a ``SyncError`` (retried with backoff by later runs);
  one bad record never blocks its batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from channelops.accounts.models import User
from channelops.agreements.models import Acceptance
from channelops.core.exceptions import NotAllowed
from channelops.enablement.models import PartnerCertificationStatus
from channelops.partners.models import Contact, Partner

from .adapter import Changes, CrmAdapter, CrmUnavailable, SalesforceAdapter
from .auth import configured, obtain_token
from .mapping import EXTERNAL_ID, REMOTE_OBJECT, external_id, local_pk, local_value, partner_extras
from .models import (
    Direction,
    FieldMapping,
    RunStatus,
    SyncConflict,
    SyncCursor,
    SyncError,
    SyncObject,
    SyncRun,
    SyncState,
    SystemOfRecord,
)
from .owners import OWNER_FIELD, outbound_owner, owner_directory

BATCH = 200
BULK_JOB_CALLS = 8  # create, upload, close, ≥1 check, job info, successful + failed results
REPLICATION_DAYS = 29  # getUpdated/getDeleted answer at most 30 days back
CRM_USER_EMAIL = "crm-sync@channelops.invalid"
RESOLVE_PERM = "crm.change_syncconflict"
# Records not sent until settled: deleted in the CRM (staff decide), created there and not yet
# linked by their Channelops_Id__c (the inbound sync writes it back; docs/crm.md).
UNLINKED_CODES = ("DELETED_IN_CRM", "NOT_LINKED")
Progress = Callable[[str, int, int], None]


class CrmNotConfigured(Exception):
    pass


class BudgetExhausted(Exception):
    pass


def crm_user() -> User:
    """The actor of inbound changes in the audit history ("CRM sync"): staff, cannot sign in."""
    user, _created = User.objects.get_or_create(
        email=CRM_USER_EMAIL, defaults={"full_name": "CRM sync", "is_staff": True, "is_active": False}
    )
    return user


def calls_today() -> int:
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return int(SyncRun.objects.filter(started_at__gte=start).aggregate(n=Sum("api_calls"))["n"] or 0)


def connect() -> CrmAdapter:
    """Sign in (one call) and return the Salesforce adapter."""
    if not configured():
        raise CrmNotConfigured(_("No CRM is connected (CHANNELOPS_CRM_ENABLED, CHANNELOPS_SALESFORCE_*)."))
    token = obtain_token()
    adapter = SalesforceAdapter(
        instance_url=token.instance_url,
        access_token=token.access_token,
        version=settings.SALESFORCE_API_VERSION,
        ca_bundle=settings.CRM_CA_BUNDLE,
        bulk_poll_seconds=settings.CRM_BULK_POLL_SECONDS,
    )
    adapter.calls = 1  # the token request
    return adapter


def _cursor(key: str) -> SyncCursor:
    return SyncCursor.objects.get_or_create(key=key)[0]


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def mappings_for(obj: str, *directions: str) -> list[FieldMapping]:
    return list(FieldMapping.objects.filter(object=obj, direction__in=directions))


def _record_error(
    *, obj: str, direction: str, local_id: int | None, remote_id: str = "", code: str, message: str
) -> None:
    now = timezone.now()
    error = SyncError.objects.filter(
        object=obj, direction=direction, local_id=local_id, resolved_at__isnull=True
    ).first()
    if error is None:
        SyncError.objects.create(
            object=obj,
            direction=direction,
            local_id=local_id,
            remote_id=remote_id,
            code=code,
            message=message[:500],
            next_retry_at=now + timedelta(seconds=settings.CRM_RETRY_SECONDS),
        )
        return
    error.attempts += 1
    error.code, error.message, error.last_seen = code, message[:500], now
    error.next_retry_at = now + timedelta(
        seconds=settings.CRM_RETRY_SECONDS * 2 ** min(error.attempts - 1, 10)
    )
    error.save(update_fields=["attempts", "code", "message", "last_seen", "next_retry_at"])


def _resolve_errors(obj: str, direction: str, local_ids: list[int]) -> None:
    SyncError.objects.filter(
        object=obj, direction=direction, local_id__in=local_ids, resolved_at__isnull=True
    ).update(resolved_at=timezone.now())


# --- outbound ------------------------------------------------------------------------------------


def _changed_ids(obj: str, since: datetime | None) -> set[int]:
    model = Partner if obj == SyncObject.PARTNER else Contact
    if since is None:
        return set(model.objects.values_list("pk", flat=True))
    if obj == SyncObject.PARTNER:
        ids = set(Partner.objects.filter(updated_at__gt=since).values_list("pk", flat=True))
        ids |= set(Partner.history.filter(history_date__gt=since).values_list("id", flat=True))
        ids |= _computed_changes(since)
    else:
        ids = set(Contact.history.filter(history_date__gt=since).values_list("id", flat=True))
    return ids & set(model.objects.filter(pk__in=ids).values_list("pk", flat=True))


def _computed_changes(since: datetime) -> set[int]:
    """Partners whose computed Account fields may have changed: a partner certification's status
    or an agreement acceptance since ``since``."""
    ids = set(
        PartnerCertificationStatus.history.filter(history_date__gt=since).values_list("partner_id", flat=True)
    )
    ids |= set(Acceptance.objects.filter(accepted_at__gt=since).values_list("partner_id", flat=True))
    return ids


def _due_retries(obj: str) -> set[int]:
    return {
        local_id
        for local_id in SyncError.objects.filter(
            object=obj, direction=Direction.OUT, resolved_at__isnull=True, next_retry_at__lte=timezone.now()
        ).values_list("local_id", flat=True)
        if local_id is not None
    }


def _unlinked(obj: str) -> set[int]:
    """Records deleted in the CRM: not sent again until staff decide (docs/crm.md)."""
    return {
        local_id
        for local_id in SyncError.objects.filter(
            object=obj, code__in=UNLINKED_CODES, resolved_at__isnull=True
        ).values_list("local_id", flat=True)
        if local_id is not None
    }


def payload_for(obj: str, record: Any, mappings: list[FieldMapping]) -> dict[str, Any]:
    data: dict[str, Any] = {EXTERNAL_ID: external_id(obj, record.pk)}
    data.update({m.remote_field: local_value(record, m.local_field) for m in mappings})
    for m in mappings:
        if m.local_field == OWNER_FIELD:  # the CAM's CRM user, or the owner stays as it is
            owner = outbound_owner(data.pop(m.remote_field))
            if owner:
                data[m.remote_field] = owner
    if obj == SyncObject.CONTACT:
        data["Account"] = {EXTERNAL_ID: external_id("partner", record.partner_id)}
    return data


def load_records(obj: str, ids: list[int]) -> list[Any]:
    if obj == SyncObject.PARTNER:
        partners = list(
            Partner.objects.filter(pk__in=ids).select_related("tier", "region", "cam").order_by("pk")
        )
        partner_extras(partners)
        return partners
    return list(Contact.objects.filter(pk__in=ids).order_by("pk"))


def record_sent(
    obj: str,
    records: list[Any],
    payloads: list[dict[str, Any]],
    results: list[Any],
    mappings: list[FieldMapping],
) -> int:
    """Keep what a batch's results say: errors for the refused records; for the others the values
    as synced and the CRM's id — a handful of queries per batch, whatever its size."""
    id_field = "crm_account_id" if obj == SyncObject.PARTNER else "crm_contact_id"
    model: Any = Partner if obj == SyncObject.PARTNER else Contact
    sent = [(r, p, res) for r, p, res in zip(records, payloads, results, strict=True) if res.success]
    now = timezone.now()
    with transaction.atomic():
        for record, _payload, result in zip(records, payloads, results, strict=True):
            if not result.success:
                _record_error(
                    obj=obj,
                    direction=Direction.OUT,
                    local_id=record.pk,
                    code=result.code,
                    message=result.message,
                )
        # Replace the states (delete + insert beats an UPDATE … CASE per row), then copy the CRM ids
        # onto the records from them with one correlated UPDATE per slice.
        owners = _owners_synced(obj, [r for r, _p, _s in sent], mappings)
        for part in _chunks([r.pk for r, _p, _s in sent], 500):
            SyncState.objects.filter(object=obj, local_id__in=part).delete()
        SyncState.objects.bulk_create(
            [
                SyncState(
                    object=obj,
                    local_id=record.pk,
                    remote_id=result.remote_id,
                    values=_synced_values(record, payload, mappings, owners),
                    synced_at=now,
                )
                for record, payload, result in sent
            ],
            batch_size=500,
        )
        relinked = [r.pk for r, _p, res in sent if getattr(r, id_field) != res.remote_id]
        remote_id = SyncState.objects.filter(object=obj, local_id=OuterRef("pk")).values("remote_id")[:1]
        for part in _chunks(relinked, 500):
            model.objects.filter(pk__in=part).update(**{id_field: Subquery(remote_id)})
        _resolve_errors(obj, Direction.OUT, [r.pk for r, _p, _s in sent])
    return len(sent)


def _owners_synced(obj: str, records: list[Any], mappings: list[FieldMapping]) -> dict[int, Any]:
    """The owners last synced of these partners (one query; kept when no owner is sent)."""
    if obj != SyncObject.PARTNER or not any(m.local_field == OWNER_FIELD for m in mappings):
        return {}
    states = SyncState.objects.filter(object=obj, local_id__in=[r.pk for r in records]).only(
        "local_id", "values"
    )
    return {s.local_id: s.values[OWNER_FIELD] for s in states if OWNER_FIELD in s.values}


def _synced_values(
    record: Any, payload: dict[str, Any], mappings: list[FieldMapping], owners: dict[int, Any]
) -> dict[str, Any]:
    """The values as synced: what was sent; the owner as an e-mail address, or (none sent) as it was."""
    values = {m.local_field: payload[m.remote_field] for m in mappings if m.remote_field in payload}
    for m in mappings:
        if m.local_field != OWNER_FIELD:
            continue
        if m.remote_field in payload:
            values[OWNER_FIELD] = local_value(record, OWNER_FIELD)
        elif record.pk in owners:
            values[OWNER_FIELD] = owners[record.pk]
    return values


def _sync_out(
    adapter: CrmAdapter,
    run: SyncRun,
    *,
    full: bool,
    since: datetime | None,
    budget: int,
    progress: Progress | None,
) -> None:
    started = timezone.now()
    for obj in (SyncObject.PARTNER, SyncObject.CONTACT):
        cursor = _cursor(f"out:{obj}")
        window = since if since is not None else (None if full else cursor.value)
        ids = sorted((_changed_ids(obj, window) | _due_retries(obj)) - _unlinked(obj))
        mappings = mappings_for(obj, Direction.OUT, Direction.BOTH)
        bulk = len(ids) > settings.CRM_BULK_THRESHOLD
        done = 0
        for chunk in _chunks(ids, settings.CRM_BULK_JOB_RECORDS if bulk else BATCH):
            records = load_records(obj, chunk)
            payloads = [payload_for(obj, r, mappings) for r in records]
            if run.dry_run:
                run.records_out += len(payloads)
            else:
                if adapter.calls + (BULK_JOB_CALLS if bulk else 1) > budget:
                    raise BudgetExhausted
                send = adapter.bulk_upsert if bulk else adapter.upsert
                results = send(REMOTE_OBJECT[obj], EXTERNAL_ID, payloads)
                sent = record_sent(obj, records, payloads, results, mappings)
                run.records_out += sent
                run.errors += len(records) - sent
                run.api_calls = adapter.calls
                run.save(update_fields=["records_out", "errors", "api_calls"])
            done += len(chunk)
            if progress:
                progress(f"{obj} → CRM", done, len(ids))
        _send_deletes(adapter, run, obj, budget)
        if not run.dry_run:
            cursor.value = started
            cursor.save(update_fields=["value", "updated_at"])
    from .mdf import sync_out_mdf  # MDF proposals and claims (crm/mdf.py), after their Accounts

    sync_out_mdf(adapter, run, full=full, since=since, budget=budget, progress=progress, started=started)


DELETED_STATUS = "deleted"  # Partner_Status__c of an Account whose partner was deleted here


def _send_deletes(adapter: CrmAdapter, run: SyncRun, obj: str, budget: int) -> None:
    """Records deleted in channelops since they were synced (their ``SyncState`` outlived them): a
    contact's Contact is deleted in the CRM; a partner's Account is kept (it holds the CRM's own
    history: opportunities, activities) and marked with the status "deleted". The state goes only
    once the CRM confirmed, so a killed run deletes it next time."""
    model: Any = Partner if obj == SyncObject.PARTNER else Contact
    gone = list(
        SyncState.objects.filter(object=obj)
        .exclude(local_id__in=Subquery(model.objects.values("pk")))
        .exclude(remote_id="")
        .order_by("local_id")
    )
    for chunk in _chunks(gone, BATCH):
        if run.dry_run:
            run.records_out += len(chunk)
            continue
        if adapter.calls + 1 > budget:
            raise BudgetExhausted
        if obj == SyncObject.CONTACT:
            results = adapter.delete(REMOTE_OBJECT[obj], [state.remote_id for state in chunk])
        else:
            results = adapter.upsert(
                REMOTE_OBJECT[obj],
                EXTERNAL_ID,
                [
                    {EXTERNAL_ID: external_id(obj, state.local_id), "Partner_Status__c": DELETED_STATUS}
                    for state in chunk
                ],
            )
        done = []
        for state, result in zip(chunk, results, strict=True):
            if result.success or result.code == "ENTITY_IS_DELETED":
                done.append(state.pk)
            else:
                _record_error(
                    obj=obj,
                    direction=Direction.OUT,
                    local_id=state.local_id,
                    remote_id=state.remote_id,
                    code=result.code,
                    message=result.message,
                )
        with transaction.atomic():
            SyncState.objects.filter(pk__in=done).delete()
            _resolve_errors(obj, Direction.OUT, [s.local_id for s in chunk if s.pk in done])
        run.records_out += len(done)
        run.errors += len(chunk) - len(done)
        run.api_calls = adapter.calls
        run.save(update_fields=["records_out", "errors", "api_calls"])


# --- inbound -------------------------------------------------------------------------------------


def _as_text(value: Any) -> str:
    return "" if value is None else str(value)


def _apply_partner(
    row: dict[str, Any], mappings: list[FieldMapping], run: SyncRun, by: User, pending: list[tuple[int, str]]
) -> None:
    from .inbound import REASON, apply_values, create_partner, diff

    pk = local_pk("partner", row.get(EXTERNAL_ID))
    partner = Partner.objects.select_related("tier", "region", "cam").filter(pk=pk).first() if pk else None
    if partner is None:
        if pk is None:  # an Account that is not (yet) a channelops partner
            create_partner(row=row, mappings=mappings, run=run, by=by, pending=pending)
        return
    state, _created = SyncState.objects.get_or_create(object="partner", local_id=partner.pk)
    synced = dict(state.values)
    updates, agreed = diff(
        obj="partner",
        record=partner,
        row=row,
        mappings=mappings,
        synced=synced,
        run=run,
        local_changed_at=partner.updated_at,
    )
    if run.dry_run:
        run.records_in += bool(updates)
        return
    if updates:
        try:
            apply_values(obj="partner", record=partner, data=updates, by=by, reason=REASON)
        except ValidationError as exc:
            _record_error(
                obj="partner",
                direction=Direction.IN,
                local_id=partner.pk,
                remote_id=row.get("Id", ""),
                code="INVALID_VALUE",
                message="; ".join(exc.messages),
            )
            run.errors += 1
            return
        run.records_in += 1
        _resolve_errors("partner", Direction.IN, [partner.pk])
    synced.update(agreed)
    synced.update(updates)
    state.values = synced
    state.remote_id = row.get("Id", state.remote_id)
    state.save(update_fields=["values", "remote_id"])


def _parse(value: Any) -> datetime | None:
    if not value:
        return None
    text = str(value).replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _remote_rows(
    adapter: CrmAdapter, obj: str, fields: list[str], ids: list[str], budget: int
) -> Iterable[list[dict[str, Any]]]:
    """The CRM's records ``ids`` with ``fields``, page by page: SOQL reads of 200 ids, or — above
    the bulk threshold — one Bulk API 2.0 query job of every linked record (filtered to ``ids``)."""
    if len(ids) > settings.CRM_BULK_THRESHOLD:
        if adapter.calls + BULK_JOB_CALLS > budget:
            raise BudgetExhausted
        wanted, seen = set(ids), set[str]()
        for page in adapter.bulk_read(REMOTE_OBJECT[obj], fields, f"{EXTERNAL_ID} != null"):
            rows = [row for row in page if row.get("Id") in wanted]
            seen.update(row["Id"] for row in rows)
            yield rows
        ids = [i for i in ids if i not in seen]  # created in the CRM (no external id yet) or gone
    for chunk in _chunks(ids, BATCH):
        if adapter.calls + 1 > budget:
            raise BudgetExhausted
        yield adapter.read(REMOTE_OBJECT[obj], fields, chunk)


def _sync_in(
    adapter: CrmAdapter,
    run: SyncRun,
    *,
    full: bool,
    since: datetime | None,
    budget: int,
    progress: Progress | None,
    changes: Changes | None = None,
) -> None:
    mappings = mappings_for("partner", Direction.IN, Direction.BOTH)
    if not mappings:
        return
    cursor = _cursor("in:partner")
    end = changes.covered_until if changes is not None and changes.covered_until else timezone.now()
    start = since if since is not None else cursor.value
    from .inbound import creation_fields, link_pending, owners_for

    fields = [EXTERNAL_ID, "SystemModstamp", *(m.remote_field for m in mappings), *creation_fields("partner")]
    if full or start is None or start < end - timedelta(days=REPLICATION_DAYS):
        ids = [
            state.remote_id
            for state in SyncState.objects.filter(object="partner").exclude(remote_id="").only("remote_id")
        ]
        deleted: list[str] = []
    else:
        changes = changes or adapter.changed(REMOTE_OBJECT["partner"], start, end)
        ids, deleted = changes.ids, changes.deleted
    by = crm_user()
    done = 0
    for rows in _remote_rows(adapter, "partner", fields, ids, budget):
        owners_for(rows, mappings)
        pending: list[tuple[int, str]] = []
        with transaction.atomic():
            for row in rows:
                _apply_partner(row, mappings, run, by, pending)
        link_pending(adapter, run, "partner", pending)
        run.api_calls = adapter.calls
        run.save(update_fields=["records_in", "errors", "conflicts", "api_calls"])
        done += len(rows)
        if progress:
            progress("CRM → partners", done, len(ids))
    if not run.dry_run:
        if not ids:
            link_pending(adapter, run, "partner", [])
        for state in SyncState.objects.filter(object="partner", remote_id__in=deleted):
            _record_error(
                obj="partner",
                direction=Direction.IN,
                local_id=state.local_id,
                remote_id=state.remote_id,
                code="DELETED_IN_CRM",
                message=_("The Account was deleted in the CRM; the partner is no longer sent there."),
            )
        cursor.value = end
        cursor.save(update_fields=["value", "updated_at"])


# --- entry points --------------------------------------------------------------------------------


def crm_sync(
    *,
    direction: str = "both",
    full: bool = False,
    dry_run: bool = False,
    since: datetime | None = None,
    adapter: CrmAdapter | None = None,
    progress: Progress | None = None,
) -> SyncRun:
    """One sync run (inbound first, then outbound); recorded as a ``SyncRun`` whatever happens."""
    if direction not in ("in", "out", "both"):
        raise ValueError("direction is in, out or both")
    run = SyncRun.objects.create(direction=direction, full=full, dry_run=dry_run)
    budget = settings.CRM_DAILY_API_BUDGET - calls_today()
    try:
        adapter = adapter or connect()
        with owner_directory(adapter):
            # Inbound first: a field both sides changed is then seen as a conflict (and settled by
            # its rule) before ours is sent; outbound first would overwrite the CRM's change unseen.
            if direction in ("in", "both"):
                from .inbound import replication_windows, sync_in_contacts

                changes = replication_windows(adapter, full=full, since=since, budget=budget)
                _sync_in(
                    adapter,
                    run,
                    full=full,
                    since=since,
                    budget=budget,
                    progress=progress,
                    changes=changes.get("partner"),
                )
                sync_in_contacts(
                    adapter,
                    run,
                    full=full,
                    since=since,
                    budget=budget,
                    progress=progress,
                    changes=changes.get("contact"),
                )
                from .mdf import read_results

                read_results(adapter, run, full=full, budget=budget)  # MDF Campaigns' leads and pipeline
            if direction in ("out", "both"):
                _sync_out(adapter, run, full=full, since=since, budget=budget, progress=progress)
    except BudgetExhausted:
        run.status = RunStatus.PAUSED
        run.message = _(
            "Paused: the daily API budget (%(n)d calls) is used up; the sync resumes tomorrow."
        ) % {"n": settings.CRM_DAILY_API_BUDGET}
    except (CrmUnavailable, CrmNotConfigured) as exc:
        run.status = RunStatus.FAILED
        run.message = str(exc)[:500]
    else:
        run.status = RunStatus.PARTIAL if run.errors else RunStatus.SUCCEEDED
    run.api_calls = adapter.calls if adapter is not None else 0
    run.finished_at = timezone.now()
    run.save()
    return run


@transaction.atomic
def conflict_resolve(*, conflict: SyncConflict, side: str, by: User) -> SyncConflict:
    """Staff settle a conflict: ``crm`` applies the CRM's value through the partners app's service
    (the CAM: the staff member with the owner's e-mail); ``channelops`` keeps ours and sends it to
    the CRM with the next run."""
    from .inbound import apply_values

    if not by.has_perm(RESOLVE_PERM):
        raise NotAllowed(_("Your role does not allow resolving CRM conflicts."))
    conflict = SyncConflict.objects.select_for_update().get(pk=conflict.pk)
    if conflict.resolved_at is not None:
        raise ValidationError(_("This conflict was already resolved."))
    if side not in (SystemOfRecord.CRM, SystemOfRecord.CHANNELOPS):
        raise ValidationError(_("Choose the CRM's value or channelops' value."))
    record: Partner | Contact | None
    if conflict.object == SyncObject.CONTACT:
        record = Contact.objects.filter(pk=conflict.local_id).first()
        if record is None:
            raise ValidationError(_("This contact no longer exists; there is nothing to resolve."))
    else:
        record = Partner.objects.filter(pk=conflict.local_id).first()
        if record is None:
            raise ValidationError(_("This partner no longer exists; there is nothing to resolve."))
    if side == SystemOfRecord.CRM:
        apply_values(
            obj=conflict.object,
            record=record,
            data={conflict.local_field: conflict.remote_value},
            by=by,
            reason="CRM conflict resolved",
        )
    elif conflict.object == SyncObject.CONTACT:
        # Sent with the next run: its history has a change after the outbound cursor.
        record._history_user = by  # type: ignore[union-attr]
        record._change_reason = "CRM conflict resolved"  # type: ignore[union-attr]
        record.save(update_fields=[conflict.local_field])
    else:
        Partner.objects.filter(pk=record.pk).update(updated_at=timezone.now())  # sent with the next run
    conflict.resolution, conflict.resolved_at, conflict.resolved_by = side, timezone.now(), by
    conflict.save(update_fields=["resolution", "resolved_at", "resolved_by"])
    return conflict
