"""The daily claim-deadline jobs of MDF (docs/mdf.md, "Claims, payments and deadlines").

``claim_reminders``: ``MDF_CLAIM_REMINDER_DAYS`` (default 14 and 3) days before an approved
proposal's claim deadline, the partner's people (the proposal's author and the partner admins)
are reminded of what is left to claim. Each reminder day is sent once: a reminder for "d days
before" counts as sent when the proposal has a ``reminded`` event on or after ``deadline − d``
(a scheduler that was down sends only the most urgent reminder due, once).

``claim_deadlines_release``: after the deadline, the reservation nobody claimed is released —
``released_amount = approved − Σ(open + approved + paid claims)``. Open claims keep their part
until they are decided (a claim rejected later is released by the next run); the proposal closes
once no claim is open. The partner's admins and the CAM get a notice.

Both run proposal by proposal, each in its own transaction under a row lock with the e-mail in
the outbox of that transaction (keyed by the proposal and the amount): a run that crashes half
way loses nothing (the rest is done by the next run) and a re-run sends nothing twice.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from channelops.core.links import absolute_url
from channelops.core.outbox import email_enqueue, email_partner_people
from channelops.partners.models import PartnerMembership

from .claim_services import HOLDING, OPEN, _release_rest, claimable
from .models import Claim, Event, EventKind, Proposal, ProposalStatus
from .services import event_add


def _reminder_days() -> list[int]:
    return sorted({int(d) for d in settings.MDF_CLAIM_REMINDER_DAYS if int(d) >= 0})


def _proposal_link(proposal: Proposal, *, staff: bool) -> str:
    """The proposal's page (the proposal pages' helper), else the claims list."""
    from django.urls import NoReverseMatch

    name = "console:mdf_proposal" if staff else "portal:mdf_proposal"
    try:
        return absolute_url(reverse(name, args=[proposal.number]))
    except NoReverseMatch:
        return absolute_url(reverse("console:mdf_claims" if staff else "portal:mdf_claims"))


def _partner_people(proposal: Proposal) -> list[str]:
    people = set(PartnerMembership.objects.admin_emails(proposal.partner_id))
    author = proposal.created_by
    if author is not None and author.is_active and not author.is_staff:
        people.add(author.email)
    return sorted(people)


def claim_reminders(today: datetime.date | None = None) -> int:
    """E-mail the due claim-deadline reminders; returns how many proposals were reminded."""
    today = today or timezone.localdate()
    days = _reminder_days()
    if not days:
        return 0
    candidates = Proposal.objects.filter(
        status=ProposalStatus.APPROVED,
        claim_deadline__gte=today,
        claim_deadline__lte=today + datetime.timedelta(days=days[-1]),
    ).values_list("pk", flat=True)
    sent = 0
    for pk in list(candidates):
        with transaction.atomic():
            p = (
                Proposal.objects.select_for_update(of=("self",))
                .select_related("partner", "created_by")
                .get(pk=pk)
            )
            if p.status != ProposalStatus.APPROVED or p.claim_deadline is None:
                continue
            left_days = (p.claim_deadline - today).days
            due = [d for d in days if d >= left_days]
            if not due or left_days < 0:
                continue
            stage = due[0]  # the most urgent reminder due
            since = p.claim_deadline - datetime.timedelta(days=stage)
            already = Event.objects.filter(proposal=p, kind=EventKind.REMINDED, at__date__gte=since).exists()
            left = claimable(p)
            if already or left <= 0:
                continue
            event_add(p, EventKind.REMINDED, actor=None, amount=left)
            p.claim_reminder_sent_at = timezone.now()
            p.save(update_fields=["claim_reminder_sent_at", "updated_at"])
            email_partner_people(
                _partner_people(p),
                "mdf/email/claim_deadline",
                {
                    "notice": "reminder",
                    "proposal": p,
                    "partner": p.partner,
                    "left": left,
                    "days": left_days,
                    "currency": settings.MDF_CURRENCY,
                    "link": _proposal_link(p, staff=False),
                },
                key=f"mdf-reminder:{p.pk}:{p.claim_deadline.isoformat()}:{stage}",
                partner_id=p.partner_id,
            )
            sent += 1
    return sent


def claim_deadlines_release(today: datetime.date | None = None) -> int:
    """Release the unclaimed reservations of proposals past their claim deadline; returns how many
    proposals changed."""
    today = today or timezone.localdate()
    candidates = Proposal.objects.filter(
        status=ProposalStatus.APPROVED, claim_deadline__lt=today
    ).values_list("pk", flat=True)
    changed = 0
    for pk in list(candidates):
        with transaction.atomic():
            p = (
                Proposal.objects.select_for_update(of=("self",))
                .select_related("partner", "partner__cam", "cam", "created_by")
                .get(pk=pk)
            )
            if p.status != ProposalStatus.APPROVED or p.claim_deadline is None or p.claim_deadline >= today:
                continue
            before = p.released_amount
            released = _release_rest(p, by=None, claim=None)
            if released <= 0 and p.status == ProposalStatus.APPROVED:
                continue
            changed += 1
            if released <= 0:
                continue  # closed without releasing anything (everything was claimed)
            _notify_release(p, released=released, total=before + released)
    return changed


def _notify_release(p: Proposal, *, released: Decimal, total: Decimal) -> None:
    held = Claim.objects.filter(proposal=p, status__in=HOLDING).aggregate(s=Sum("amount"))["s"] or Decimal(
        "0"
    )
    open_ = Claim.objects.filter(proposal=p, status__in=OPEN).exists()
    context: dict[str, Any] = {
        "notice": "released",
        "proposal": p,
        "partner": p.partner,
        "released": released,
        "claimed": held,
        "still_open": open_,
        "currency": settings.MDF_CURRENCY,
    }
    email_partner_people(
        _partner_people(p),
        "mdf/email/claim_deadline",
        {**context, "link": _proposal_link(p, staff=False)},
        key=f"mdf-release:{p.pk}:{total}",
        partner_id=p.partner_id,
    )
    cam = p.cam or p.partner.cam
    if cam is not None and cam.is_active:
        email_enqueue(
            to=[cam.email],
            template="mdf/email/claim_deadline",
            context={**context, "link": _proposal_link(p, staff=True), "staff": True},
            key=f"mdf-release-cam:{p.pk}:{total}",
            topic="mdf:claims",
        )


@task()
def claim_deadlines_task() -> dict[str, int]:
    """The daily run: release what passed its deadline, then send the reminders due."""
    released = claim_deadlines_release()
    reminded = claim_reminders()
    return {"released": released, "reminded": reminded}
