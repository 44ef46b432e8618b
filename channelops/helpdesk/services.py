"""Writes for account reviews (S9): materialise the reviews due, tick, remind, complete."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from channelops.accounts.models import User
from channelops.accounts.roles import ADMINISTRATOR, LEADERSHIP, PHD
from channelops.core.events import publish
from channelops.core.exceptions import NotAllowed
from channelops.core.links import absolute_url
from channelops.core.outbox import email_enqueue, outbox_enqueue
from channelops.partners.models import Partner, PartnerMembership, RegionRouting
from channelops.partners.services import partner_review_record
from channelops.work.cadences import cadence_materialise, cadence_occurrences, cadence_plan
from channelops.work.models import Cadence, Occurrence

from . import selection
from .checks import agreement_states, check_data, prefill
from .defaults import CADENCE_KINDS, CALL_OFFER, ensure_review_cadences
from .models import AccountReview, ChecklistItem, ItemStatus, ReviewItem, ReviewKind, ReviewStatus

log = logging.getLogger(__name__)

CHUNK = 500
CRM_KIND = "crm.partner_update"


def lead_days() -> int:
    return int(getattr(settings, "REVIEW_LEAD_DAYS", 7))


def catchup_days() -> int:
    return int(getattr(settings, "REVIEW_CATCHUP_DAYS", 14))


# --- permissions ------------------------------------------------------------------------------------


def may_work_on(review: AccountReview, user: Any) -> bool:
    """The review's specialist, any PHD specialist (covering a colleague), leadership, administrators."""
    if user is None or not user.is_authenticated or not user.is_active or not user.is_staff:
        return False
    return review.specialist_id == user.pk or user.has_role(PHD, LEADERSHIP, ADMINISTRATOR)


def _require_reviewer(review: AccountReview, by: User) -> None:
    if not may_work_on(review, by):
        raise NotAllowed(_("Only PHD specialists, channel leadership and administrators work on reviews."))


def _require_open(review: AccountReview) -> None:
    if review.status != ReviewStatus.OPEN:
        raise ValidationError(_("This review is already completed."))


# --- materialising -----------------------------------------------------------------------------------


@dataclass
class _Run:
    today: date
    routing: dict[int, int | None] = field(default_factory=dict)
    checklists: dict[str, list[ChecklistItem]] = field(default_factory=dict)

    @cached_property
    def agreements(self) -> dict[int, list[tuple[str, str]]]:
        return agreement_states(self.today)


def _run(today: date) -> _Run:
    run = _Run(today=today)
    run.routing = dict(RegionRouting.objects.values_list("region_id", "phd_specialist_id"))
    for item in ChecklistItem.objects.filter(active=True).order_by("kind", "position", "pk"):
        run.checklists.setdefault(item.kind, []).append(item)
    return run


def _candidates(kind: str, cadence: Cadence, occ: Occurrence, previous: date | None, run: _Run) -> list[Any]:
    if kind == ReviewKind.WEEKLY_NEW_APPLICANT:
        return selection.weekly_new_applicants(cadence, occ, previous)
    if kind == ReviewKind.MONTHLY_NEW_PARTNER:
        return selection.monthly_new_partners(cadence, occ)
    if kind == ReviewKind.QUARTERLY_SELECT:
        return selection.quarterly_select(cadence, occ)
    if kind == ReviewKind.QUARTERLY_OPEN:
        return selection.quarterly_open(cadence, occ, today=run.today, agreements=run.agreements)
    raise ValueError(kind)


def _items_for(
    reviews: list[AccountReview], kind: str, window: tuple[date, date], run: _Run
) -> list[ReviewItem]:
    """The checklist items of ``reviews`` (all of one kind), pre-filled from data."""
    checklist = run.checklists.get(kind, [])
    if not checklist or not reviews:
        return []
    data = check_data(
        [r.partner_id for r in reviews], today=run.today, window=window, agreements=run.agreements
    )
    items = []
    for review in reviews:
        for ci in checklist:
            status, detail = prefill(ci.key, review.partner, data)
            items.append(
                ReviewItem(
                    review=review,
                    key=ci.key,
                    position=ci.position,
                    text=ci.text,
                    reminder=ci.reminder,
                    status=status,
                    detail=detail,
                )
            )
    return items


def _materialise_occurrence(
    cadence: Cadence, occ: Occurrence, kind: str, previous: date | None, run: _Run
) -> int:
    """Create the reviews of ``kind`` due on ``occ`` that do not exist yet, with their items."""
    candidates = _candidates(kind, cadence, occ, previous, run)
    existing = set(
        AccountReview.objects.filter(occurrence=occ, kind=kind).values_list("partner_id", flat=True)
    )
    new = [c for c in candidates if c.partner_id not in existing]
    if not new:
        return 0
    window = selection.previous_month(occ.date)
    created = 0
    for start in range(0, len(new), CHUNK):
        chunk = new[start : start + CHUNK]
        region_of = dict(
            Partner.objects.filter(pk__in=[c.partner_id for c in chunk]).values_list("pk", "region_id")
        )
        with transaction.atomic():
            AccountReview.objects.bulk_create(
                [
                    AccountReview(
                        partner_id=c.partner_id,
                        specialist_id=run.routing.get(region_of[c.partner_id]),
                        kind=kind,
                        occurrence=occ,
                        due_date=occ.date,
                        priority=c.priority,
                        reason=c.reason,
                    )
                    for c in chunk
                    if c.partner_id in region_of
                ],
                batch_size=CHUNK,
                ignore_conflicts=True,  # another run created it meanwhile
            )
            fresh = list(
                AccountReview.objects.filter(
                    occurrence=occ,
                    kind=kind,
                    partner_id__in=[c.partner_id for c in chunk],
                    items__isnull=True,
                ).select_related("partner__region", "partner__cam")
            )
            ReviewItem.objects.bulk_create(
                _items_for(fresh, kind, window, run), batch_size=1000, ignore_conflicts=True
            )
            created += len(fresh)
    return created


def _drop_cancelled(cadence: Cadence, since: date, until: date, today: date) -> int:
    """Open, untouched reviews of occurrences cancelled since they were created (not yet passed)."""
    _planned, cancelled = cadence_plan(cadence, since, until)
    if not cancelled:
        return 0
    victims = (
        AccountReview.objects.filter(
            occurrence__cadence=cadence,
            occurrence__scheduled_date__in=cancelled,
            occurrence__date__gte=today,
            status=ReviewStatus.OPEN,
        )
        .exclude(items__checked=True)
        .exclude(items__reminder_sent_at__isnull=False)
    )
    deleted, _by_model = AccountReview.objects.filter(
        pk__in=list(victims.values_list("pk", flat=True))
    ).delete()
    return deleted


def _refresh_prefill(today: date, until: date, run: _Run) -> int:
    """Re-run the checks of open reviews created before today and not due yet (their "last month"
    may not have been over when they were created): untouched items only."""
    reviews = list(
        AccountReview.objects.filter(
            status=ReviewStatus.OPEN,
            due_date__gte=today,
            due_date__lte=until,
            created_at__lt=selection.aware(today),
        ).select_related("partner__region", "partner__cam")
    )
    groups: dict[tuple[str, tuple[date, date]], list[AccountReview]] = {}
    for r in reviews:
        groups.setdefault((r.kind, selection.previous_month(r.due_date)), []).append(r)
    changed: list[ReviewItem] = []
    for (_kind, window), group in groups.items():
        data = check_data(
            [r.partner_id for r in group], today=today, window=window, agreements=run.agreements
        )
        by_id = {r.pk: r for r in group}
        for item in ReviewItem.objects.filter(
            review__in=group, checked=False, reminder_sent_at__isnull=True
        ).only("pk", "review_id", "key", "status", "detail"):
            status, detail = prefill(item.key, by_id[item.review_id].partner, data)
            if (status, detail) != (item.status, item.detail):
                item.status, item.detail = status, detail
                changed.append(item)
    ReviewItem.objects.bulk_update(changed, ["status", "detail"], batch_size=1000)
    return len(changed)


def reviews_materialise(*, today: date | None = None, until: date | None = None) -> dict[str, int]:
    """Create the account reviews due (daily job; idempotent).

    For every active review cadence: writes its occurrences up to the end of next month (for
    the calendar), then creates the reviews of the occurrences dated from
    ``REVIEW_CATCHUP_DAYS`` ago to ``until`` (default: ``REVIEW_LEAD_DAYS`` ahead) that do not
    exist yet, each assigned to the PHD specialist of the partner's region, with its checklist
    pre-filled. Running it twice, or on two machines, creates nothing twice.
    """
    today = today or timezone.localdate()
    until = until or today + timedelta(days=lead_days())
    since = today - timedelta(days=catchup_days())
    calendar_since = min(since, today.replace(day=1))
    calendar_until = max(until, selection.month_end(selection.month_end(today) + timedelta(days=1)))
    ensure_review_cadences()
    run = _run(today)
    counts: Counter[str] = Counter()
    cadences = Cadence.objects.filter(active=True, kind__in=list(CADENCE_KINDS)).select_related("region")
    for cadence in cadences.prefetch_related("overrides").order_by("slug"):
        counts["cancelled_reviews"] += _drop_cancelled(cadence, calendar_since, calendar_until, today)
        result = cadence_materialise(cadence=cadence, since=calendar_since, until=calendar_until, today=today)
        counts["occurrences"] += result.created
        occurrences = list(
            Occurrence.objects.filter(cadence=cadence, date__gte=since, date__lte=until).order_by(
                "date", "pk"
            )
        )
        if not occurrences:
            continue
        planned = [p.date for p in cadence_occurrences(cadence, since - timedelta(days=45), until)]
        for occ in occurrences:
            previous = max((d for d in planned if d < occ.date), default=None)
            for kind in CADENCE_KINDS[cadence.kind]:
                counts[str(kind)] += _materialise_occurrence(cadence, occ, kind, previous, run)
    # Occurrences moved since their reviews were created: the open reviews follow.
    counts["moved"] = (
        AccountReview.objects.filter(status=ReviewStatus.OPEN, due_date__gte=today)
        .exclude(
            due_date=Subquery(Occurrence.objects.filter(pk=OuterRef("occurrence_id")).values("date")[:1])
        )
        .update(due_date=Subquery(Occurrence.objects.filter(pk=OuterRef("occurrence_id")).values("date")[:1]))
    )
    counts["refreshed_items"] = _refresh_prefill(today, until, run)
    counts["reviews"] = sum(counts[str(k)] for k in ReviewKind)
    return dict(counts)


# --- working on a review -------------------------------------------------------------------------------


@transaction.atomic
def review_item_check(*, item: ReviewItem, checked: bool, by: User) -> ReviewItem:
    """The specialist ticks (or unticks) a checklist item."""
    item = ReviewItem.objects.select_for_update().select_related("review").get(pk=item.pk)
    _require_reviewer(item.review, by)
    _require_open(item.review)
    item.checked = checked
    item.checked_at = timezone.now() if checked else None
    item.checked_by = by if checked else None
    item.save(update_fields=["checked", "checked_at", "checked_by"])
    return item


partner_admin_emails = PartnerMembership.objects.admin_emails


@transaction.atomic
def review_remind(*, item: ReviewItem, by: User) -> ReviewItem:
    """E-mail the partner's admins a reminder for a failed item (how and why, offering a call); once per item."""
    item = (
        ReviewItem.objects.select_for_update(of=("self",))
        .select_related("review__partner", "review__specialist")
        .get(pk=item.pk)
    )
    review = item.review
    _require_reviewer(review, by)
    _require_open(review)
    if item.status != ItemStatus.FAILED:
        raise ValidationError(_("Only a failed item can be reminded."))
    if item.reminder_sent_at is not None:
        raise ValidationError(_("A reminder for this item was already sent."))
    to = partner_admin_emails(review.partner)
    if not to:
        raise ValidationError(_("This partner has no active partner admin to remind."))
    email_enqueue(
        to=to,
        template="helpdesk/email/review_reminder",
        context={
            "partner_name": review.partner.legal_name,
            "item": item.text,
            "detail": item.detail,
            "reminder": item.reminder,
            "call_offer": CALL_OFFER,
            "sender": by.get_full_name(),
            "link": absolute_url("portal:dashboard"),
        },
        key=f"helpdesk.review_remind:{item.pk}",
        topic=f"partner:{review.partner_id}",
        reply_to=by.email,
    )
    item.reminder_sent_at = timezone.now()
    item.reminder_sent_by = by
    item.save(update_fields=["reminder_sent_at", "reminder_sent_by"])
    return item


@transaction.atomic
def review_complete(*, review: AccountReview, notes: str, by: User) -> AccountReview:
    """Complete a review: notes are required; sets the partner's Last PHD Review and Account Notes
    (the notes replace the previous ones, which stay in the partner's history) and queues the CRM update."""
    review = AccountReview.objects.select_for_update().select_related("partner").get(pk=review.pk)
    _require_reviewer(review, by)
    _require_open(review)
    notes = (notes or "").strip()
    if not notes:
        raise ValidationError(
            {"notes": _("Write what you found: the notes become the partner's Account Notes.")}
        )
    now = timezone.now()
    review.status = ReviewStatus.DONE
    review.notes = notes
    review.completed_at = now
    review.completed_by = by
    review.save(update_fields=["status", "notes", "completed_at", "completed_by"])
    partner = partner_review_record(
        partner=review.partner, reviewed_on=timezone.localdate(now), notes=notes, by=by
    )
    outbox_enqueue(
        kind=CRM_KIND,
        key=f"{CRM_KIND}:review:{review.pk}",
        topic=f"partner:{partner.pk}",
        payload={
            "partner_id": partner.pk,
            "crm_account_id": partner.crm_account_id,
            "fields": {
                "last_phd_review": partner.last_phd_review.isoformat() if partner.last_phd_review else None,
                "account_notes": partner.account_notes,
            },
            "source": {"account_review": review.pk},
        },
    )
    publish(
        "review.completed",
        key=str(review.pk),
        data={
            "review_id": review.pk,
            "partner_id": partner.pk,
            "kind": review.kind,
            "completed_at": now.isoformat(),
            "completed_by": by.email,
            "last_phd_review": partner.last_phd_review.isoformat() if partner.last_phd_review else None,
        },
    )
    return review
