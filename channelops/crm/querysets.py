"""Reads of the CRM sync for other features: the open errors (the help desk's weekly "CRM sync
errors" work, SPEC S9) and each partner's CRM status for the review checks."""

from __future__ import annotations

from django.db.models import QuerySet

from channelops.partners.models import Contact

from .models import SyncError, SyncObject, SyncState

# The synced values a reviewer checks on the Account ("CRM account fields are right").
REVIEWED_FIELDS = ("tier", "region", "status", "last_phd_review")


def open_errors() -> QuerySet[SyncError]:
    return SyncError.objects.filter(resolved_at__isnull=True)


def partner_status(partner_ids: list[int]) -> dict[int, tuple[str, str]]:
    """Partner id → ("passed" | "failed", detail) about its CRM record, in three queries: an open
    sync error of the partner or of one of its contacts fails; else the values as last synced."""
    errors = {
        e.local_id: e
        for e in open_errors()
        .filter(object=SyncObject.PARTNER, local_id__in=partner_ids)
        .order_by("first_seen")
    }
    contact_errors: dict[int, list[str]] = {}
    contact_error_codes = dict(
        open_errors().filter(object=SyncObject.CONTACT).values_list("local_id", "code")[:1000]
    )
    for contact_id, partner_id in Contact.objects.filter(
        pk__in=list(contact_error_codes), partner_id__in=partner_ids
    ).values_list("pk", "partner_id"):
        contact_errors.setdefault(partner_id, []).append(contact_error_codes[contact_id])
    states = {
        s.local_id: s for s in SyncState.objects.filter(object=SyncObject.PARTNER, local_id__in=partner_ids)
    }
    out: dict[int, tuple[str, str]] = {}
    for pid in partner_ids:
        error = errors.get(pid)
        if error is not None:
            out[pid] = (
                "failed",
                f"CRM sync error since {error.first_seen:%Y-%m-%d}: {error.code} — {error.message}",
            )
            continue
        if contact_errors.get(pid):
            codes = ", ".join(sorted(set(contact_errors[pid])))
            out[pid] = ("failed", f"{len(contact_errors[pid])} contact(s) refused by the CRM: {codes}")
            continue
        state = states.get(pid)
        if state is None:
            out[pid] = ("failed", "not in the CRM yet: the next sync run sends it")
            continue
        shown = "; ".join(
            f"{name.replace('_', ' ')} {state.values[name]}"
            for name in REVIEWED_FIELDS
            if state.values.get(name)
        )
        out[pid] = (
            "passed",
            f"in the CRM as synced on {state.synced_at:%Y-%m-%d}: {shown} — check the rest there",
        )
    return out
