"""Checking practitioner rows before anything is written: :func:`check_header` (missing columns) and
:func:`validate_rows` (every row, with the reason per bad row).
"""

from __future__ import annotations

import heapq
from array import array
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from channelops.partners.models import Partner, PartnerMembership, PartnerStatus

from ...models import Certification
from .rows import (
    BATCH_SIZE,
    CRM_COLUMN,
    REQUIRED_COLUMNS,
    Progress,
    RecordInput,
    Validated,
    _bool,
    _chunks,
    _date,
    _text,
    default_expiry,
)


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
                    raise ValidationError("too long")  # i18n: internal, caught below
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
