"""Writing practitioner records: :func:`practitioner_records_upsert` (one transaction, in batches, on the
natural key), :func:`practitioner_records_import` (validate, then write), and the API's
:func:`practitioner_records_submit`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from ...hooks import practitioner_records_changed
from ...models import PractitionerRecord, RecordSource
from .rows import (
    ADD_PERM,
    BATCH_SIZE,
    UPDATE_FIELDS,
    ImportResult,
    Progress,
    RecordInput,
    UpsertResult,
    ValidRows,
    _chunks,
)
from .validation import validate_rows


@transaction.atomic
def practitioner_records_upsert(
    *,
    records: Sequence[RecordInput],
    source: str,
    by: Any = None,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
) -> UpsertResult:
    """Create or update ``records`` (already validated) on their natural key, in one transaction.

    Unchanged records are not written. After each batch, ``practitioner_records_changed`` is sent
    with the partners and records created or changed in it.
    """
    result = UpsertResult()
    reason = _("Practitioner records: %(source)s") % {"source": RecordSource(source).label}
    user = by if by is not None and getattr(by, "pk", None) else None
    total = len(records)
    # one partner's rows together: each batch then concerns few partners, so the receivers
    # (partner re-evaluation) run about once per partner instead of once per partner per batch.
    # Only the order is sorted; a batch's rows are made from ``records`` when it is written.
    if isinstance(records, ValidRows):
        order: Sequence[int] = records.write_order()
    else:
        order = sorted(
            range(total),
            key=lambda i: (
                records[i].partner_id,
                records[i].email,
                records[i].certification_id,
                records[i].completed_on,
            ),
        )
    for start in range(0, total, batch_size):
        batch = [records[i] for i in order[start : start + batch_size]]
        existing: dict[tuple[int, str, date], PractitionerRecord] = {}
        for chunk in _chunks(sorted({r.email for r in batch})):
            for rec in PractitionerRecord.objects.filter(email__in=chunk).only(
                "pk", "certification_id", "email", "completed_on", *UPDATE_FIELDS, "source"
            ):
                existing[(rec.certification_id, rec.email, rec.completed_on)] = rec
        now = timezone.now()
        new: list[PractitionerRecord] = []
        changed: list[PractitionerRecord] = []
        for r in batch:
            found = existing.get(r.key)
            if found is None:
                new.append(
                    PractitionerRecord(
                        partner_id=r.partner_id,
                        user_id=r.user_id,
                        email=r.email,
                        full_name=r.full_name,
                        certification_id=r.certification_id,
                        training_completed=r.training_completed,
                        exam_passed=r.exam_passed,
                        exam_score=r.exam_score,
                        completed_on=r.completed_on,
                        expires_on=r.expires_on,
                        source=source,
                        external_id=r.external_id,
                        created_at=now,
                        updated_at=now,
                    )
                )
                continue
            rec = found
            diff = False
            for f in UPDATE_FIELDS:
                value = getattr(r, f)
                if getattr(rec, f) != value:
                    setattr(rec, f, value)
                    diff = True
            if diff:
                rec.source = source
                rec.updated_at = now
                changed.append(rec)
            else:
                result.unchanged += 1
        if new:
            result.created += len(
                bulk_create_with_history(
                    new,
                    PractitionerRecord,
                    batch_size=batch_size,
                    default_user=user,
                    default_change_reason=reason,
                )
            )
        if changed:
            bulk_update_with_history(
                changed,
                PractitionerRecord,
                fields=[
                    f.removesuffix("_id") if f.endswith("_id") and f != "external_id" else f
                    for f in UPDATE_FIELDS
                ]
                + ["source", "updated_at"],
                batch_size=batch_size,
                default_user=user,
                default_change_reason=reason,
            )
            result.updated += len(changed)
        touched = [*new, *changed]
        if touched:
            ids = [rec.pk for rec in touched]
            pids = {rec.partner_id for rec in touched}
            result.record_ids.extend(ids)
            result.partner_ids |= pids
            practitioner_records_changed.call(partner_ids=pids, record_ids=ids, by=user)
        if progress is not None:
            progress("writing", min(start + batch_size, total), total)
        del batch, existing, new, changed, touched  # before the next batch is built
    return result


def practitioner_records_import(
    *,
    rows: Iterable[tuple[int, Mapping[str, Any]]],
    source: str,
    by: Any = None,
    valid_rows: bool = False,
    partner_column: str = "",
    label: str = "row",
    header_errors: Sequence[str] = (),
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportResult:
    """Validate every row, then write the valid ones in one transaction.

    With any error nothing is written unless ``valid_rows`` (then the rows with errors are skipped
    and reported). ``header_errors`` (missing columns) always refuse the whole file.
    """
    if header_errors:
        return ImportResult(errors=list(header_errors))
    checked = validate_rows(rows, partner_column=partner_column, label=label, progress=progress)
    result = ImportResult(errors=checked.errors, total=checked.total)
    if checked.errors and not valid_rows:
        return result
    written = practitioner_records_upsert(
        records=checked.records, source=source, by=by, progress=progress, batch_size=batch_size
    )
    result.created, result.updated, result.unchanged = written.created, written.updated, written.unchanged
    result.record_ids, result.partner_ids = written.record_ids, written.partner_ids
    result.applied = True
    return result


def records_from_payload(items: Sequence[Mapping[str, Any]]) -> list[tuple[int, Mapping[str, Any]]]:
    """API and webhook items (dicts with the file's column names) as numbered rows (from 1)."""
    return [(i, dict(item)) for i, item in enumerate(items, 1)]


def practitioner_records_submit(*, items: Sequence[Mapping[str, Any]], by: Any) -> ImportResult:
    """The API's create: staff with the add permission; all items valid or nothing written
    (raises ValidationError with one message per bad item)."""
    if by is None or not by.is_staff or not by.has_perm(ADD_PERM):
        raise PermissionDenied(
            _("Recording practitioner results needs the add practitioner record permission.")
        )
    result = practitioner_records_import(
        rows=records_from_payload(items), source=RecordSource.API, by=by, label="item"
    )
    if not result.applied:
        raise ValidationError({"records": result.errors})
    return result
