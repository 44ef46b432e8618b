"""Account reviews (once every batch is in)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from .context import Context

# --- once every batch is in -----------------------------------------------------------------------------------

REVIEW_DONE = {"AMER": 0.93, "EMEA": 0.86, "APAC": 0.77, "PUBSEC": 0.66}
REVIEW_NOTES = (
    "Profile and contacts current; agreements accepted. Discussed next quarter's pipeline with the admin.",
    "Phone number added after the call. Reminded them of the Solution Architect Core training.",
    "All checks passed; no action needed.",
    "Locator entry outdated: the partner admin will update it this week.",
    "New partner settling in well; CAM introduced to the sales lead.",
)


def write_reviews(ctx: Context) -> None:
    """This quarter's account reviews, as ``reviews_materialise`` created them week by week, and most
    of those due before today completed by the region's PHD specialist (each region at its pace)."""
    from django.db.models import OuterRef, Subquery
    from simple_history.utils import bulk_update_with_history

    from channelops.helpdesk.models import AccountReview, ReviewItem, ReviewStatus
    from channelops.helpdesk.selection import quarter_bounds
    from channelops.helpdesk.services import catchup_days, lead_days, reviews_materialise
    from channelops.partners.models import Partner

    today, now = ctx.today, ctx.now
    first, _end, _m = quarter_bounds(today)
    before = AccountReview.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    # each run creates the reviews due from REVIEW_CATCHUP_DAYS ago to REVIEW_LEAD_DAYS ahead
    day = first + timedelta(days=catchup_days())
    while day < today:
        reviews_materialise(today=day)
        day += timedelta(days=catchup_days() + lead_days())
    reviews_materialise(today=today)
    new = AccountReview.objects.filter(pk__gt=before)
    for due in sorted(set(new.values_list("due_date", flat=True))):
        # created when the daily run would have created them: REVIEW_LEAD_DAYS before they are due
        made_at = timezone.make_aware(
            datetime.combine(due - timedelta(days=lead_days()), datetime.min.time())
        )
        new.filter(due_date=due).update(created_at=min(now, made_at))
    made = list(new.select_related("partner__region"))
    done: list[Any] = []
    partners: dict[int, Any] = {}
    for r in made:
        if r.due_date >= today or not r.partner.crm_account_id.startswith("DEMO-P"):
            continue
        rnd = random.Random(f"{ctx.seed}:review:{r.partner.crm_account_id}:{r.kind}:{r.due_date.isoformat()}")
        if rnd.random() >= REVIEW_DONE.get(r.partner.region.code, 0.8):
            continue
        due = timezone.make_aware(datetime.combine(r.due_date, datetime.min.time())) + timedelta(
            hours=rnd.uniform(8, 17)
        )
        offset = (
            timedelta(days=rnd.randint(1, 6)) if rnd.random() < 0.2 else -timedelta(days=rnd.randint(0, 4))
        )
        completed = max(r.created_at, min(now - timedelta(minutes=5), due + offset))
        r.status, r.completed_at, r.completed_by = ReviewStatus.DONE, completed, r.specialist
        r.notes = rnd.choice(REVIEW_NOTES)
        done.append(r)
        p: Any = partners.get(r.partner_id) or r.partner
        day_done = timezone.localdate(completed)
        if p.last_phd_review is None or day_done >= p.last_phd_review:
            p.last_phd_review, p.account_notes = day_done, r.notes
            p._history_date, p._history_user = completed, r.specialist
        partners[r.partner_id] = p
    AccountReview.objects.bulk_update(
        done, ["status", "completed_at", "completed_by", "notes"], batch_size=200
    )
    review = AccountReview.objects.filter(pk=OuterRef("review_id"))
    for k in range(0, len(done), 2000):  # every item ticked by the specialist as they completed it
        ReviewItem.objects.filter(review__in=[r.pk for r in done[k : k + 2000]]).update(
            checked=True,
            checked_at=Subquery(review.values("completed_at")[:1]),
            checked_by_id=Subquery(review.values("completed_by_id")[:1]),
        )
    if partners:
        bulk_update_with_history(
            list(partners.values()), Partner, ["last_phd_review", "account_notes"], batch_size=1000
        )
    ctx.stats["reviews"] += len(made)
    ctx.stats["reviews_done"] += len(done)
