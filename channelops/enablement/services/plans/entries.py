"""The enablement plan: the key employees a partner plans to certify (writes), and whether each is
certified now or overdue (reads).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from channelops.partners.models import Partner

from ...models import (
    Certification,
    EnablementPlanEntry,
    PractitionerRecord,
)
from .access import _require_editor

# === enablement plan: writes ======================================================================


def _clean_entry(
    *,
    partner: Partner,
    full_name: str,
    email: str,
    certification: Certification | int | None,
    target_date: date | None,
    note: str,
    exclude_pk: int | None = None,
    check_date: bool = True,
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    full_name = (full_name or "").strip()
    email = (email or "").strip().lower()
    note = (note or "").strip()
    if not full_name:
        errors["full_name"] = [_("Enter the person's name.")]
    elif len(full_name) > 150:
        errors["full_name"] = [_("The name is at most 150 characters.")]
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [_("Enter a valid e-mail address, e.g. maria@example.com.")]
    cert = None
    if isinstance(certification, Certification):
        cert = certification if certification.active else None
    elif certification not in (None, ""):
        try:
            cert = Certification.objects.filter(pk=int(certification), active=True).first()
        except (TypeError, ValueError):
            cert = None
    if cert is None:
        errors["certification"] = [_("Choose a certification from the catalog.")]
    if target_date is None:
        errors["target_date"] = [_("Enter the target date (YYYY-MM-DD).")]
    elif check_date and target_date < timezone.localdate():
        errors["target_date"] = [_("The target date cannot be in the past.")]
    if len(note) > 500:
        errors["note"] = [_("The note is at most 500 characters.")]
    if cert is not None and "email" not in errors:
        dup = EnablementPlanEntry.objects.filter(partner=partner, email=email, certification=cert)
        if exclude_pk is not None:
            dup = dup.exclude(pk=exclude_pk)
        if dup.exists():
            errors["email"] = [
                _("%(email)s is already in the plan for %(cert)s.") % {"email": email, "cert": cert.name}
            ]
    if errors:
        raise ValidationError(errors)
    return {
        "full_name": full_name,
        "email": email,
        "certification": cert,
        "target_date": target_date,
        "note": note,
    }


@transaction.atomic
def enablement_plan_entry_add(
    *,
    partner: Partner,
    by: Any,
    full_name: str,
    email: str,
    certification: Certification | int | None,
    target_date: date | None,
    note: str = "",
) -> EnablementPlanEntry:
    """Add a key employee to the partner's enablement plan (the target date may not be in the past)."""
    _require_editor(by, partner)
    data = _clean_entry(
        partner=partner,
        full_name=full_name,
        email=email,
        certification=certification,
        target_date=target_date,
        note=note,
    )
    entry = EnablementPlanEntry(partner=partner, created_by=by, **data)
    entry._history_user = by  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as exc:  # a concurrent duplicate
        raise ValidationError(
            {"email": [_("This person is already in the plan for that certification.")]}
        ) from exc
    return entry


@transaction.atomic
def enablement_plan_entry_update(
    *,
    entry: EnablementPlanEntry,
    by: Any,
    full_name: str,
    email: str,
    certification: Certification | int | None,
    target_date: date | None,
    note: str = "",
) -> EnablementPlanEntry:
    """Change a row; a changed target date may not be in the past (an unchanged past date may stay)."""
    _require_editor(by, entry.partner)
    data = _clean_entry(
        partner=entry.partner,
        full_name=full_name,
        email=email,
        certification=certification,
        target_date=target_date,
        note=note,
        exclude_pk=entry.pk,
        check_date=target_date != entry.target_date,
    )
    for k, v in data.items():
        setattr(entry, k, v)
    entry._history_user = by  # type: ignore[attr-defined]
    entry.save()
    return entry


@transaction.atomic
def enablement_plan_entry_remove(*, entry: EnablementPlanEntry, by: Any) -> None:
    _require_editor(by, entry.partner)
    entry._history_user = by  # type: ignore[attr-defined]
    entry.delete()


@transaction.atomic
def enablement_plan_replace(
    *, partner: Partner, by: Any, entries: list[dict[str, Any]]
) -> list[EnablementPlanEntry]:
    """Replace the whole plan with ``entries`` (the API's PUT). Rows that keep a person and certification
    keep their id; rows are validated together and any error changes nothing (errors keyed ``row N: field``).
    New or re-dated rows may not be dated in the past."""
    _require_editor(by, partner)
    existing = {(e.email, e.certification_id): e for e in EnablementPlanEntry.objects.filter(partner=partner)}
    errors: dict[str, list[str]] = {}
    seen: set[tuple[str, int]] = set()
    cleaned: list[tuple[dict[str, Any], EnablementPlanEntry | None]] = []
    for i, row in enumerate(entries, start=1):
        email = (row.get("email") or "").strip().lower()
        cert_id = row.get("certification") or row.get("certification_id")
        old = existing.get((email, _as_int(cert_id) or 0))
        try:
            data = _clean_entry(
                partner=partner,
                full_name=row.get("full_name", ""),
                email=email,
                certification=cert_id,
                target_date=row.get("target_date"),
                note=row.get("note", ""),
                exclude_pk=old.pk if old else None,
                check_date=old is None or old.target_date != row.get("target_date"),
            )
        except ValidationError as exc:
            for f, msgs in exc.message_dict.items():
                errors[f"row {i}: {f}"] = msgs
            continue
        key = (data["email"], data["certification"].pk)
        if key in seen:
            errors[f"row {i}: email"] = [
                _("%(email)s is listed twice for the same certification.") % {"email": email}
            ]
            continue
        seen.add(key)
        cleaned.append((data, old))
    if errors:
        raise ValidationError(errors)
    keep = {old.pk for _d, old in cleaned if old is not None}
    for e in existing.values():
        if e.pk not in keep:
            e._history_user = by  # type: ignore[attr-defined]
            e.delete()
    out = []
    for data, old in cleaned:
        entry = old or EnablementPlanEntry(partner=partner, created_by=by)
        for k, v in data.items():
            setattr(entry, k, v)
        entry._history_user = by  # type: ignore[attr-defined]
        entry.save()
        out.append(entry)
    return out


def _as_int(v: Any) -> int | None:
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


# === enablement plan: reads =======================================================================


@dataclass
class EntryProgress:
    entry: EnablementPlanEntry
    certified: bool
    overdue: bool


def certified_people(
    partner_ids: Iterable[int], today: date | None = None
) -> dict[tuple[int, int], set[str]]:
    """{(partner_id, certification_id): e-mails certified now} — one query."""
    out: dict[tuple[int, int], set[str]] = defaultdict(set)
    rows = (
        PractitionerRecord.objects.certified(today)
        .filter(partner_id__in=list(partner_ids))
        .values_list("partner_id", "certification_id", "email")
        .distinct()
    )
    for pid, cid, email in rows:
        out[(pid, cid)].add(email.lower())
    return out


def certified_counts(partner_ids: Iterable[int], today: date | None = None) -> dict[tuple[int, int], int]:
    """{(partner_id, certification_id): number of people certified now} — one grouped query."""
    rows = (
        PractitionerRecord.objects.certified(today)
        .filter(partner_id__in=list(partner_ids))
        .values("partner_id", "certification_id")
        .annotate(n=Count("email", distinct=True))
    )
    return {(r["partner_id"], r["certification_id"]): r["n"] for r in rows}


def enablement_progress(partner: Partner, today: date | None = None) -> list[EntryProgress]:
    """Each plan row with whether its person is certified now (by e-mail) and whether it is overdue. 2 queries."""
    today = today or timezone.localdate()
    entries = list(
        EnablementPlanEntry.objects.filter(partner=partner)
        .select_related("certification")
        .order_by("target_date", "full_name", "pk")
    )
    certified = certified_people([partner.pk], today) if entries else {}
    out = []
    for e in entries:
        done = e.email.lower() in certified.get((partner.pk, e.certification_id), set())
        out.append(EntryProgress(entry=e, certified=done, overdue=not done and e.target_date < today))
    return out
