"""Writes for the certification catalog and practitioner records (S6).

Practitioner records arrive from the learning system three ways — a CSV/XLSX file (console
upload or ``channelops practitioners import``), the API and a signed webhook — and all three go
through the same two steps:

1. :func:`validate_rows` checks every row (columns in :data:`COLUMNS`) and reports errors per row
   with the reason (``"row 7: unknown certification 'SAC'"``);
2. :func:`practitioner_records_upsert` writes the valid rows in one transaction, in batches with
   bulk operations, upserting on the natural key (certification, e-mail, completion date): rows
   whose values are unchanged are neither rewritten nor counted as changed, so importing the same
   file twice changes nothing. After each batch it sends ``practitioner_records_changed`` (inside
   the transaction) with the partners and records that changed.

:func:`practitioner_records_import` combines them: a file with any error changes nothing unless the
caller chose ``valid_rows=True`` ("import the valid rows").
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import re
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from channelops.partners.models import Partner, PartnerMembership, PartnerStatus

from ..hooks import practitioner_records_changed
from ..models import Certification, PractitionerRecord, RecordSource

ADD_PERM = "enablement.add_practitionerrecord"
VIEW_PERM = "enablement.view_practitionerrecord"
CHANGE_CERT_PERM = "enablement.change_certification"
VIEW_CERT_PERM = "enablement.view_certification"

COLUMNS = (
    "email",
    "name",
    "partner",
    "certification",
    "training_completed",
    "exam_passed",
    "exam_score",
    "completed_on",
    "expires_on",
    "external_id",
)
REQUIRED_COLUMNS = ("email", "name", "certification", "completed_on")
CRM_COLUMN = "crm_account_id"
BATCH_SIZE = 2000
LOOKUP_CHUNK = 5000  # values per IN (…) lookup (well under SQLite's variable limit)
UPDATE_FIELDS = (
    "partner_id",
    "user_id",
    "full_name",
    "training_completed",
    "exam_passed",
    "exam_score",
    "expires_on",
    "external_id",
)
TRUE = {"1", "true", "yes", "y", "t", "x", "passed", "pass", "completed", "done"}
FALSE = {"", "0", "false", "no", "n", "f", "failed", "fail", "-"}

Progress = Callable[[str, int, int], None]  # (phase: "validating" | "writing", done, total)


@dataclass(slots=True)
class RecordInput:
    """One valid row, ready to write (``row`` is its number in the file or the item's position)."""

    row: int
    email: str
    full_name: str
    partner_id: int
    user_id: int | None
    certification_id: int
    training_completed: bool
    exam_passed: bool
    exam_score: int | None
    completed_on: date
    expires_on: date | None
    external_id: str

    @property
    def key(self) -> tuple[int, str, date]:
        return (self.certification_id, self.email, self.completed_on)


class ValidRows(Sequence[RecordInput]):
    """Valid rows kept compactly until the write: a :class:`RecordInput` per row costs ~500 bytes
    (the object, its strings, dates and ints), a row here ~100 — numbers in typed arrays, the three
    texts UTF-8 encoded in one buffer. Indexing or iterating gives :class:`RecordInput` objects made
    on the fly; :meth:`write_order` gives the order the write wants and :meth:`duplicates` the rows
    repeating an earlier row's natural key, without building them all."""

    def __init__(self) -> None:
        self.rows = array("q")  # row number in the file (or the item's position)
        self.partner = array("q")
        self.user = array("q")  # 0: none
        self.cert = array("q")
        self.completed = array("l")  # date ordinals
        self.expires = array("l")  # 0: none
        self.score = array("b")  # -1: none
        self.flags = array("B")  # 1: training completed, 2: exam passed
        self.text = bytearray()  # e-mail, full name, external id of each row, UTF-8
        self.ends = array("q")  # where each of those three ends in ``text``
        self.key_hash = array("q")  # hash of each row's natural key

    def append(self, r: RecordInput) -> None:
        self.key_hash.append(hash(r.key))
        self.rows.append(r.row)
        self.partner.append(r.partner_id)
        self.user.append(r.user_id or 0)
        self.cert.append(r.certification_id)
        self.completed.append(r.completed_on.toordinal())
        self.expires.append(r.expires_on.toordinal() if r.expires_on else 0)
        self.score.append(-1 if r.exam_score is None else r.exam_score)
        self.flags.append(int(r.training_completed) | int(r.exam_passed) << 1)
        for value in (r.email, r.full_name, r.external_id):
            self.text += value.encode("utf-8", "surrogatepass")
            self.ends.append(len(self.text))

    def __len__(self) -> int:
        return len(self.rows)

    def _str(self, j: int) -> str:
        start = self.ends[j - 1] if j else 0
        return self.text[start : self.ends[j]].decode("utf-8", "surrogatepass")

    def email(self, i: int) -> str:
        return self._str(3 * i)

    def key(self, i: int) -> tuple[int, str, date]:
        """The natural key of valid row ``i`` (as :attr:`RecordInput.key`)."""
        return (self.cert[i], self.email(i), date.fromordinal(self.completed[i]))

    def __getitem__(self, i: int) -> RecordInput:  # type: ignore[override]
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        i %= len(self)
        flags, score, expires = self.flags[i], self.score[i], self.expires[i]
        return RecordInput(
            row=self.rows[i],
            email=self._str(3 * i),
            full_name=self._str(3 * i + 1),
            partner_id=self.partner[i],
            user_id=self.user[i] or None,
            certification_id=self.cert[i],
            training_completed=bool(flags & 1),
            exam_passed=bool(flags & 2),
            exam_score=None if score < 0 else score,
            completed_on=date.fromordinal(self.completed[i]),
            expires_on=date.fromordinal(expires) if expires else None,
            external_id=self._str(3 * i + 2),
        )

    def __iter__(self) -> Iterator[RecordInput]:
        for i in range(len(self)):
            yield self[i]

    def duplicates(self) -> list[tuple[int, int]]:
        """``(index, index of the first row with the same natural key)`` for every row that repeats
        an earlier row's key, in row order. A bitmap of the key hashes finds the few candidate rows;
        only their keys are compared (no set or dict of every key)."""
        bits = 1 << max(16, (16 * len(self)).bit_length())  # ≥ 16 bits a row: few false candidates
        bitmap, mask = bytearray(bits // 8), bits - 1
        candidates: set[int] = set()
        for h in self.key_hash:
            b = h & mask
            if bitmap[b >> 3] & (1 << (b & 7)):
                candidates.add(h)
            else:
                bitmap[b >> 3] |= 1 << (b & 7)
        del bitmap
        first: dict[tuple[int, str, date], int] = {}
        out: list[tuple[int, int]] = []
        if candidates:
            for i, h in enumerate(self.key_hash):
                if h in candidates:
                    j = first.setdefault(self.key(i), i)
                    if j != i:
                        out.append((i, j))
        return out

    def drop(self, indexes: set[int]) -> None:
        """Remove the rows at ``indexes`` (the others keep their order)."""
        if not indexes:
            return
        kept = ValidRows()
        for i in range(len(self)):
            if i not in indexes:
                kept.append(self[i])
        self.__dict__.update(kept.__dict__)

    def write_order(self) -> array[int]:
        """Indexes sorted by (partner, e-mail, certification, completion date), built one partner at
        a time so no key of every row exists at once."""
        by_partner: dict[int, array[int]] = {}
        for i, pid in enumerate(self.partner):
            by_partner.setdefault(pid, array("l")).append(i)
        order = array("l")
        for pid in sorted(by_partner):
            group = by_partner.pop(pid)
            order.extend(sorted(group, key=lambda i: (self.email(i), self.cert[i], self.completed[i])))
        return order


@dataclass
class Validated:
    records: ValidRows = field(default_factory=ValidRows)
    errors: list[str] = field(default_factory=list)  # one message per row with errors
    total: int = 0


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    record_ids: list[int] = field(default_factory=list)  # created or changed
    partner_ids: set[int] = field(default_factory=set)


@dataclass
class ImportResult(UpsertResult):
    errors: list[str] = field(default_factory=list)
    total: int = 0
    applied: bool = False  # False: the rows had errors and nothing was written

    @property
    def error_count(self) -> int:
        return len(self.errors)


# --- parsing single values ---------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return None if value not in (0, 1) else bool(value)
    text = _text(value).lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    return None


def _date(value: Any) -> date | None:
    """A date from an ISO string or a spreadsheet cell; raises ValueError."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        return None
    if "T" in text or " " in text:
        text = text.replace("T", " ").split(" ")[0]
    return date.fromisoformat(text)


def default_expiry(cert: Certification, completed_on: date) -> date | None:
    if cert.validity_months is None:
        return None
    return completed_on + relativedelta(months=cert.validity_months)


# --- validation --------------------------------------------------------------------------------


def _chunks(values: Sequence[Any], size: int = LOOKUP_CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def check_header(header: Iterable[str], *, partner_column: str = "") -> list[str]:
    """Missing columns, as messages (``row 1: missing column 'email'``)."""
    cols = {h.strip().lower() for h in header if h}
    missing = [c for c in REQUIRED_COLUMNS if c not in cols]
    pcol = partner_column or ("partner" if "partner" in cols else CRM_COLUMN)
    if pcol.lower() not in cols:
        missing.append(partner_column or "partner")
    return [_("row 1: missing column '%(col)s'") % {"col": c} for c in missing]


def _lowered(r: Mapping[str, Any]) -> dict[str, Any]:
    return {str(k).strip().lower(): v for k, v in r.items() if k is not None}


def validate_rows(
    rows: Iterable[tuple[int, Mapping[str, Any]]],
    *,
    partner_column: str = "",
    label: str = "row",
    progress: Progress | None = None,
    today: date | None = None,
) -> Validated:
    """Check every row; returns the valid ones as :class:`RecordInput` and one message per bad row.

    ``rows``: (row number, {column: value}), iterated **twice** — once to collect what to look up
    (partners, e-mails), once to check each row — so a file is streamed instead of held in memory:
    pass a list, or a re-iterable reader such as :class:`channelops.enablement.services.importing.RowSource`.
    The partner is in the ``partner`` column (a partner id, or else a CRM account id) or in
    ``crm_account_id``; ``partner_column`` names another column (``crm_account_id`` or any column:
    digits are a partner id, anything else a CRM account id).
    """
    today = today or timezone.localdate()
    pcol = (partner_column or "").strip().lower()

    # pass 1: what to look up, once for the whole file
    total = 0
    refs: set[str] = set()
    crm_refs: set[str] = set()
    emails: set[str] = set()
    for _n, raw in rows:
        r = _lowered(raw)
        if not total and not pcol:
            pcol = "partner" if "partner" in r else CRM_COLUMN
        total += 1
        ref = _text(r.get(pcol))
        refs.add(ref)
        if not ref:
            crm_refs.add(_text(r.get(CRM_COLUMN)))
        emails.add(_text(r.get("email")).lower())
    out = Validated(total=total)
    if not total:
        return out
    crm_only = pcol == CRM_COLUMN

    certs = list(Certification.objects.all())
    cert_by: dict[str, Certification] = {}
    for c in certs:
        cert_by[c.slug.lower()] = c
        cert_by[c.name.lower()] = c
    ids = sorted({int(v) for v in refs if v.isdigit() and not crm_only and len(v) < 12})
    crms = {v for v in refs if v and (crm_only or not v.isdigit())}
    if not crm_only:
        crms |= crm_refs - {""}
    del refs, crm_refs
    partners: dict[int, tuple[str, str]] = {}  # id → (status, crm id)
    by_crm: dict[str, int] = {}
    for chunk in _chunks(ids):
        for pk, status, crm in Partner.objects.filter(pk__in=chunk).values_list(
            "pk", "status", "crm_account_id"
        ):
            partners[pk] = (status, crm)
    for chunk in _chunks(sorted(crms)):
        for pk, status, crm in Partner.objects.filter(crm_account_id__in=chunk).values_list(
            "pk", "status", "crm_account_id"
        ):
            partners[pk] = (status, crm)
            by_crm.setdefault(crm, pk)
    people: dict[tuple[str, int], int] = {}  # (e-mail, partner id) → user id
    for chunk in _chunks(sorted(emails - {""})):
        for uid, pid, mail in (
            PartnerMembership.objects.annotate(mail=Lower("user__email"))
            .filter(mail__in=chunk)
            .values_list("user_id", "partner_id", "mail")
        ):
            people[(mail, pid)] = uid
    del emails
    status_labels = dict(PartnerStatus.choices)

    # pass 2: check each row; the rows repeating an earlier valid row's natural key are found
    # afterwards among the kept rows (ValidRows.duplicates), and their messages merged in row order
    error_rows = array("q")  # the row number of each message in out.errors
    i = 0
    for n, raw in rows:
        i += 1
        r = _lowered(raw)
        problems: list[str] = []
        email = _text(r.get("email")).lower()
        if not email:
            problems.append(_("missing e-mail"))
        else:
            try:
                validate_email(email)
                if len(email) > 254:
                    raise ValidationError("too long")
            except ValidationError:
                problems.append(_("invalid e-mail '%(v)s'") % {"v": email[:80]})
        name = _text(r.get("name") or r.get("full_name"))
        if not name:
            problems.append(_("missing name"))
        elif len(name) > 150:
            problems.append(_("name longer than 150 characters"))
        ref = _text(r.get(pcol))
        as_crm = crm_only
        if not ref and not crm_only and _text(r.get(CRM_COLUMN)):
            ref, as_crm = _text(r.get(CRM_COLUMN)), True  # no partner id: the CRM account id column
        partner_id: int | None = None
        if not ref:
            problems.append(_("missing partner"))
        else:
            if ref.isdigit() and not as_crm:
                partner_id = int(ref) if int(ref) in partners else None
            else:
                partner_id = by_crm.get(ref)
            if partner_id is None:
                problems.append(_("unknown partner '%(v)s'") % {"v": ref[:60]})
            elif partners[partner_id][0] != PartnerStatus.ACTIVE:
                status = partners[partner_id][0]
                problems.append(
                    _("partner '%(v)s' is not active (%(status)s)")
                    % {"v": ref[:60], "status": str(status_labels.get(status, status)).lower()}
                )
                partner_id = None
        cert_ref = _text(r.get("certification"))
        cert = cert_by.get(cert_ref.lower()) if cert_ref else None
        if not cert_ref:
            problems.append(_("missing certification"))
        elif cert is None:
            problems.append(_("unknown certification '%(v)s'") % {"v": cert_ref[:80]})
        elif not cert.active:
            problems.append(_("certification '%(v)s' is retired") % {"v": cert_ref[:80]})
        flags = {}
        for col in ("training_completed", "exam_passed"):
            flag = _bool(r.get(col))
            if flag is None:
                problems.append(
                    _("%(col)s must be yes/no, true/false or 1/0, not '%(v)s'")
                    % {"col": col, "v": _text(r.get(col))[:20]}
                )
            flags[col] = bool(flag)
        score: int | None = None
        raw_score = _text(r.get("exam_score"))
        if raw_score:
            try:
                score = int(float(raw_score.rstrip("%")))
                if not 0 <= score <= 100 or float(raw_score.rstrip("%")) != score:
                    raise ValueError
            except ValueError:
                problems.append(
                    _("exam_score must be a whole number from 0 to 100, not '%(v)s'") % {"v": raw_score[:20]}
                )
                score = None
        completed_on: date | None = None
        expires_on: date | None = None
        for col in ("completed_on", "expires_on"):
            try:
                value = _date(r.get(col))
            except (ValueError, TypeError):
                problems.append(
                    _("invalid date '%(v)s' in %(col)s (use YYYY-MM-DD)")
                    % {"v": _text(r.get(col))[:30], "col": col}
                )
                continue
            if col == "completed_on":
                completed_on = value
                if value is None:
                    problems.append(_("missing completed_on"))
                elif value > today:
                    problems.append(_("completed_on %(d)s is in the future") % {"d": value.isoformat()})
            else:
                expires_on = value
        if completed_on and expires_on and expires_on <= completed_on:
            problems.append(_("expires_on is not after completed_on"))
        external_id = _text(r.get("external_id"))
        if len(external_id) > 100:
            problems.append(_("external_id longer than 100 characters"))
        if problems:
            out.errors.append(f"{label} {n}: " + "; ".join(problems))
            error_rows.append(n)
        else:
            assert cert is not None and partner_id is not None and completed_on is not None
            out.records.append(
                RecordInput(
                    row=n,
                    email=email,
                    full_name=name,
                    partner_id=partner_id,
                    user_id=people.get((email, partner_id)),
                    certification_id=cert.pk,
                    training_completed=flags["training_completed"],
                    exam_passed=flags["exam_passed"],
                    exam_score=score,
                    completed_on=completed_on,
                    expires_on=expires_on or default_expiry(cert, completed_on),
                    external_id=external_id,
                )
            )
        if progress is not None and (i % BATCH_SIZE == 0 or i == total):
            progress("validating", i, total)
    if i != total:  # a reader must give the same rows on each pass
        raise RuntimeError(f"the rows changed between the two passes ({total} then {i})")
    duplicates = out.records.duplicates()
    if duplicates:
        rows_of = out.records.rows
        found = [
            (
                rows_of[at],
                f"{label} {rows_of[at]}: "
                + _("duplicate of %(label)s %(n)s (same certification, e-mail and completion date)")
                % {"label": label, "n": rows_of[first]},
            )
            for at, first in duplicates
        ]
        out.errors = [
            m for _n, m in heapq.merge(zip(error_rows, out.errors, strict=True), found, key=lambda e: e[0])
        ]
        out.records.drop({at for at, _first in duplicates})
    return out


# --- writing -----------------------------------------------------------------------------------


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


# --- webhook -----------------------------------------------------------------------------------

SIGNATURE_HEADER = "X-Channelops-Signature"
TIMESTAMP_HEADER = "X-Channelops-Timestamp"
WEBHOOK_TOLERANCE_SECONDS = 300
_TIMESTAMP_RE = re.compile(r"[0-9]{1,12}")


class WebhookRefused(Exception):
    """The signature or timestamp is wrong or missing (answered 401, nothing changes)."""


def webhook_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 with the shared secret over ``<timestamp>.<raw body>``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def webhook_verify(
    *, body: bytes, signature: str, timestamp: str, secret: str, now: float | None = None
) -> None:
    """Raise :class:`WebhookRefused` unless the signature is right and the timestamp recent."""
    if not signature or not timestamp:
        raise WebhookRefused(_("Missing signature or timestamp header."))
    # ASCII digits only, at most 12 (int() also takes "1_000", " 12", Arabic-Indic digits, and a
    # 309-digit number overflowed the float comparison below: an anonymous 500).
    if not _TIMESTAMP_RE.fullmatch(timestamp.strip()):
        raise WebhookRefused(_("The timestamp must be Unix seconds."))
    ts = int(timestamp.strip())
    now = time.time() if now is None else now
    if abs(now - ts) > WEBHOOK_TOLERANCE_SECONDS:
        raise WebhookRefused(_("The timestamp is more than 5 minutes away from the server's clock."))
    expected = webhook_signature(secret=secret, timestamp=timestamp.strip(), body=body)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise WebhookRefused(_("The signature does not match."))


def webhook_secret() -> str:
    return str(getattr(settings, "LEARNING_WEBHOOK_SECRET", "") or "")


def webhook_receive(*, items: Sequence[Mapping[str, Any]]) -> ImportResult:
    """Records sent by the learning system's webhook (signature already verified): all or nothing."""
    return practitioner_records_import(
        rows=records_from_payload(items), source=RecordSource.WEBHOOK, by=None, label="item"
    )


# --- the catalog -------------------------------------------------------------------------------

CERTIFICATION_FIELDS = (
    "name",
    "description",
    "exam_name",
    "requires_training",
    "validity_months",
    "grants_badge",
    "badge_criteria",
    "active",
)


@transaction.atomic
def certification_update(*, certification: Certification, by: Any, **changes: Any) -> Certification:
    """Edit a certification's fields (staff with the change permission)."""
    if by is None or not by.is_staff or not by.has_perm(CHANGE_CERT_PERM):
        raise PermissionDenied(
            _("Editing the certification catalog needs the change certification permission.")
        )
    unknown = set(changes) - set(CERTIFICATION_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    cert = Certification.objects.select_for_update().get(pk=certification.pk)
    errors: dict[str, str] = {}
    name = str(changes.get("name", cert.name)).strip()
    if not name:
        errors["name"] = _("A certification needs a name.")
    elif Certification.objects.exclude(pk=cert.pk).filter(name__iexact=name).exists():
        errors["name"] = _("Another certification is already called %(name)s.") % {"name": name}
    months = changes.get("validity_months", cert.validity_months)
    if months is not None and not 1 <= int(months) <= 240:
        errors["validity_months"] = _("Between 1 and 240 months, or empty for never.")
    if errors:
        raise ValidationError(errors)
    changes["name"] = name
    for f, value in changes.items():
        setattr(cert, f, value)
    cert._history_user = by  # type: ignore[attr-defined]
    cert.full_clean()
    cert.save()
    return cert
