"""Portal home items of enablement: a business plan returned with comments, certifications expiring."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from channelops.core.attention import Attention, AttentionQuery, register_attention
from channelops.core.union import shaped

SHOWN = 10


def _plan_returned(partner: Any, user: Any) -> list[Attention]:
    """The current business plan was returned (not superseded by a newer submission): its editors revise it."""
    from .models import BusinessPlanState
    from .services.plans import current_business_plans, may_edit_plans

    if not may_edit_plans(user, partner):
        return []
    # the current versions (shared with the next certification's "business plan on file" on the home)
    plan = next(
        (p for p in current_business_plans(partner.pk) if p.state == BusinessPlanState.RETURNED), None
    )
    if plan is None:
        return []
    return [
        Attention(
            title=_("Your business plan (version %(v)d) was returned with comments") % {"v": plan.version},
            detail=Truncator(plan.review_comment).chars(160) or _("Revise it and submit it again."),
            url=reverse("portal:business_plan"),
            kind="business_plan_returned",
            action=_("Revise the plan"),
        )
    ]


def _certifications_expiring(partner: Any, user: Any) -> list[Attention] | AttentionQuery:
    """People whose certification expires soon and who hold no later record of it (admins: everyone's;
    others: their own). Goes away when a renewed record is imported."""
    from .models import PractitionerRecord
    from .services.awards.catalog import expiry_warning_days

    m = getattr(user, "partner_membership", None)
    if m is None or m.partner_id != partner.pk:
        return []
    today = timezone.localdate()
    records = PractitionerRecord.objects.filter(partner=partner).certified(today)
    if not m.is_admin:
        records = records.filter(email__iexact=user.email)
    rows = shaped(
        records.values("certification__name", "email")
        .annotate(
            last=Max("expires_on"),
            name=Max("full_name"),
            forever=Count("pk", filter=Q(expires_on__isnull=True)),
        )
        .filter(forever=0, last__lte=today + timedelta(days=expiry_warning_days()))
        .order_by("last", "email"),
        due="last",
        t1="certification__name",
        t2="email",
        t3="name",
    )[:SHOWN]

    def render(rows: list[dict[str, Any]]) -> list[Attention]:
        return [
            Attention(
                title=_("%(name)s's %(cert)s certification expires on %(date)s")
                % {
                    "name": r["t3"] or r["t2"],
                    "cert": r["t1"],
                    "date": date_format(r["due"], "j F Y"),
                },
                detail=_(
                    "Recertify before then to keep the certification (and what your company earns with it)."
                ),
                url=reverse("portal:practitioners"),
                kind="certification_expiring",
                due=r["due"],
                action=_("See certified people"),
            )
            for r in sorted(rows, key=lambda r: (r["due"], r["t2"]))
        ]

    return AttentionQuery(rows, render)


def register_attention_items() -> None:
    register_attention(_plan_returned)
    register_attention(_certifications_expiring)
