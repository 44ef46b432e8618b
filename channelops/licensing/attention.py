"""Portal home items of licensing: NFR requests waiting for the partner's answer, licenses expiring."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from channelops.core.attention import Attention, AttentionQuery, register_attention
from channelops.core.union import shaped

#: A license shows on the home this many days before it expires (until a renewal is requested).
LICENSE_EXPIRY_DAYS = 30
SHOWN = 10  # at most this many items of a kind


def _nfr_needs_info(partner: Any, user: Any) -> list[Attention] | AttentionQuery:
    """Requests where staff asked a question: the people who may submit requests answer (and amend)."""
    from .models import NfrRequest, RequestStatus
    from .services import may_submit_for

    if not may_submit_for(user, partner):
        return []
    rows = shaped(
        NfrRequest.objects.visible_to(user)
        .filter(partner=partner, status=RequestStatus.NEEDS_INFO)
        .order_by("created_at", "pk"),
        pk="pk",
        at="created_at",
        t1="question",
    )[:SHOWN]

    def render(rows: list[dict[str, Any]]) -> list[Attention]:
        return [
            Attention(
                title=_("%(ref)s needs your answer")
                % {"ref": f"NFR-{req['pk']:06d}"},  # NfrRequest.reference
                detail=Truncator(req["t1"] or "").chars(160) or _("The partner help desk asked a question."),
                url=reverse("portal:nfr_request", args=[req["pk"]]),
                kind="nfr_needs_info",
                action=_("Answer"),
            )
            for req in sorted(rows, key=lambda r: (r["at"], r["pk"]))
        ]

    return AttentionQuery(rows, render)


def _licenses_expiring(partner: Any, user: Any) -> list[Attention] | AttentionQuery:
    """Active licenses expiring within 30 days with no renewal requested yet."""
    from .lifecycle import RENEWAL_PENDING
    from .models import License, NfrRequest, Plan
    from .services import may_submit_for

    if not may_submit_for(user, partner):
        return []
    today = timezone.localdate()
    renewal = NfrRequest.objects.filter(renews_id=OuterRef("pk"), status__in=RENEWAL_PENDING)
    rows = shaped(
        License.objects.visible_to(user)
        .active()
        .filter(partner=partner, expires__gte=today, expires__lte=today + timedelta(days=LICENSE_EXPIRY_DAYS))
        .exclude(Exists(renewal))
        .order_by("expires", "pk"),
        due="expires",
        n="users",
        t1="plan",
        t2="contact_email",
        t3="pk",  # a UUID (as text: hex on SQLite, with dashes on PostgreSQL)
    )[:SHOWN]

    def render(rows: list[dict[str, Any]]) -> list[Attention]:
        plans = dict(Plan.choices)
        return [
            Attention(
                title=_("Your %(plan)s license for %(n)d users expires on %(date)s")
                % {
                    "plan": plans.get(lic["t1"], lic["t1"]),  # License.get_plan_display()
                    "n": lic["n"],
                    "date": date_format(lic["due"], "j F Y"),
                },
                detail=_("Request its renewal before it expires (license contact: %(email)s).")
                % {"email": lic["t2"]},
                url=reverse("portal:license", args=[lic["id"]]),
                kind="license_expiring",
                due=lic["due"],
                action=_("Renew"),
            )
            for lic in sorted(
                ({**r, "id": uuid.UUID(r["t3"])} for r in rows), key=lambda r: (r["due"], r["id"])
            )
        ]

    return AttentionQuery(rows, render)


def register_attention_items() -> None:
    register_attention(_nfr_needs_info)
    register_attention(_licenses_expiring)
