"""The console's list of partners with plans: each page's rows summarised with a constant number of
queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone

from channelops.partners.models import Partner

from ...models import (
    BusinessPlan,
    BusinessPlanState,
    EnablementPlanEntry,
)
from .entries import certified_people


@dataclass
class PartnerPlanRow:
    partner: Partner
    entries: int = 0
    entries_certified: int = 0
    entries_overdue: int = 0
    plan: BusinessPlan | None = None
    draft: BusinessPlan | None = None
    target_people: int = 0
    actual_people: int = 0


def partners_with_plans(user: Any) -> Any:
    """Partners visible to ``user`` that have an enablement plan row or a business plan, by name."""
    return (
        Partner.objects.visible_to(user)
        .filter(
            Exists(EnablementPlanEntry.objects.filter(partner_id=OuterRef("pk")))
            | Exists(BusinessPlan.objects.filter(partner_id=OuterRef("pk")))
        )
        .select_related("cam")
        .order_by("legal_name", "pk")
    )


def plan_rows(partners: list[Partner], today: date | None = None) -> list[PartnerPlanRow]:
    """The console list's rows for these partners with a constant number of queries (4): plan rows with
    their certified flags, current plans, their targets, certified counts."""
    today = today or timezone.localdate()
    ids = [p.pk for p in partners]
    rows = {p.pk: PartnerPlanRow(partner=p) for p in partners}
    if not ids:
        return []
    certified = certified_people(ids, today)
    for pid, cid, email, target in EnablementPlanEntry.objects.filter(partner_id__in=ids).values_list(
        "partner_id", "certification_id", "email", "target_date"
    ):
        r = rows[pid]
        r.entries += 1
        if email.lower() in certified.get((pid, cid), set()):
            r.entries_certified += 1
        elif target < today:
            r.entries_overdue += 1
    plans = list(
        BusinessPlan.objects.filter(partner_id__in=ids, superseded_at__isnull=True)
        .prefetch_related("targets")
        .order_by("-version")
    )
    for p in plans:
        r = rows[p.partner_id]
        if p.state == BusinessPlanState.DRAFT:
            r.draft = p
        elif r.plan is None:
            r.plan = p
    for r in rows.values():
        shown = r.plan or r.draft
        if shown is not None:
            for t in shown.targets.all():
                r.target_people += t.people
                r.actual_people += min(
                    t.people, len(certified.get((r.partner.pk, t.certification_id), set()))
                )
    return [rows[p.pk] for p in partners]
