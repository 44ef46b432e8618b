"""Portal home items of the help desk: what an account review reminded the partner's admins of."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from channelops.core.attention import Attention, AttentionQuery, register_attention
from channelops.core.union import shaped

SHOWN = 10

#: The portal page where the partner fixes what a checklist item checks (checks.py keys).
FIX_PAGES = {
    "phone_set": "portal:company",
    "company_real": "portal:company",
    "agreement": "portal:agreements",
    "users_added": "portal:users",
    "enough_admins": "portal:users",
    "primary_current": "portal:users",
    "locator_admin": "portal:users",
    "journeys": "portal:work_items",
    "training": "portal:practitioners",
}


def _review_reminders(partner: Any, user: Any) -> list[Attention] | AttentionQuery:
    """Failed items of an open review whose reminder went to the partner's admins; gone when the PHD
    specialist ticks the item or completes the review."""
    from .models import ItemStatus, ReviewItem, ReviewStatus

    m = getattr(user, "partner_membership", None)
    if m is None or m.partner_id != partner.pk or not m.is_admin:
        return []
    rows = shaped(
        ReviewItem.objects.filter(
            review__partner=partner,
            review__status=ReviewStatus.OPEN,
            status=ItemStatus.FAILED,
            reminder_sent_at__isnull=False,
            checked=False,
        ).order_by("reminder_sent_at", "pk"),
        pk="pk",
        at="reminder_sent_at",
        t1="text",
        t2="reminder",
        t3="detail",
        t4="key",
    )[:SHOWN]

    def render(rows: list[dict[str, Any]]) -> list[Attention]:
        return [
            Attention(
                title=item["t1"],
                detail=Truncator(item["t2"] or item["t3"] or "").chars(200)
                or _("The partner help desk reminded you of this in its account review."),
                url=reverse(FIX_PAGES.get(item["t4"], "portal:company")),
                kind="review_reminder",
                action=_("Fix it"),
            )
            for item in sorted(rows, key=lambda r: (r["at"], r["pk"]))
        ]

    return AttentionQuery(rows, render)


def register_attention_items() -> None:
    register_attention(_review_reminders)
