"""Market development funds (once every batch is in): a living program.

- a budget per region for the previous, the current and the next fiscal quarter, with allocations
  to the first two partners of each region in the current quarter;
- per region, proposals in every state (draft, waiting for the CAM, waiting for approval, changes
  requested, approved, rejected, withdrawn) in the current quarter, and closed ones in the previous
  quarter with paid claims and results (reported, and from the CRM for some);
- approved proposals with claims waiting for review (a real PDF invoice as proof), approved and paid;
- Acme (the demo's partner people) has one of each, so the portal shows its MDF too.

Rows are written directly with the models, as the services would leave them (commitments within
the budgets and allocations, claims within the commitments), with their timeline events.
Idempotent: nothing is written when any MDF budget exists.
"""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

from .context import Context

D = Decimal
REGION_AMOUNTS = {"AMER": D("400000"), "EMEA": D("250000"), "APAC": D("150000"), "PUBSEC": D("100000")}
ACTIVITIES = [
    ("event", "Customer security roadshow"),
    ("webinar", "Zero-trust webinar series"),
    ("digital", "LinkedIn lead campaign"),
    ("tradeshow", "Booth at the regional IT fair"),
    ("content", "Co-branded buyer's guide"),
    ("email", "Renewal e-mail campaign"),
    ("training", "Hands-on customer workshop"),
]


def _pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _shift(fy: int, q: int, by: int) -> tuple[int, int]:
    n = fy * 4 + (q - 1) + by
    return n // 4, n % 4 + 1


def write_mdf(ctx: Context) -> int:
    """The demo's MDF program; returns the number of proposals written (0 when MDF data exists)."""
    from django.utils import timezone

    from channelops.accounts.models import User
    from channelops.core.files import store_generated
    from channelops.mdf.models import (
        Allocation,
        Budget,
        Claim,
        Event,
        ExchangeRate,
        ProofFile,
        Proposal,
    )
    from channelops.partners.models import Partner
    from channelops.work.calendar import fiscal_quarter_bounds, fiscal_quarter_of

    if Budget.objects.exists():
        return 0
    owner = (
        User.objects.filter(is_staff=True, is_active=True, groups__name="channel_marketing")
        .order_by("email")
        .first()
    )
    if owner is None:
        return 0
    cam = ctx.cams[0] or owner
    leader = (
        User.objects.filter(is_staff=True, is_active=True, groups__name="channel_leadership")
        .order_by("email")
        .first()
        or owner
    )
    now = ctx.now
    today = ctx.today
    rnd = ctx.rnd(0, "mdf")
    fy, q = fiscal_quarter_of(today)
    periods = {"prev": _shift(fy, q, -1), "cur": (fy, q), "next": _shift(fy, q, 1)}
    for code, rate in (("EUR", "1.08"), ("GBP", "1.27"), ("JPY", "0.0067"), ("AUD", "0.66"), ("SGD", "0.74")):
        ExchangeRate.objects.get_or_create(currency=code, defaults={"rate": D(rate)})
    budgets: dict[tuple[str, str], Budget] = {}
    for key, (pfy, pq) in periods.items():
        start, end = fiscal_quarter_bounds(pfy, pq)
        for code, region in sorted(ctx.regions.items()):
            amount = REGION_AMOUNTS.get(code, D("100000")) * (D("1.1") if key == "next" else 1)
            b = Budget(
                region=region,
                fiscal_year=pfy,
                quarter=pq,
                starts_on=start,
                ends_on=end,
                amount=amount.quantize(D("1")),
                created_by=owner,
                created_at=now - timedelta(days=120 if key == "prev" else 30),
                note="Demo budget",
            )
            b._history_user = owner  # type: ignore[attr-defined]
            b.save()
            budgets[(key, code)] = b

    proof = _pdf()
    proof_name = store_generated(proof, kind="proof", extension="pdf")
    proof_sha = hashlib.sha256(proof).hexdigest()
    counter = {"p": 0, "c": 0}
    people = {p.partner_id: p.user for p in _first_members()}

    def proposal(
        partner: Any, budget: Budget, status: str, approved: D, *, days_ago: int, i: int, **extra: Any
    ) -> Proposal:
        counter["p"] += 1
        kind, title = ACTIVITIES[i % len(ACTIVITIES)]
        requested = approved or D(rnd.choice([2500, 4000, 6000, 8000, 12000]))
        created = now - timedelta(days=days_ago)
        author = people.get(partner.pk) or owner
        starts = max(budget.starts_on, min(budget.ends_on, today + timedelta(days=rnd.randint(-40, 40))))
        p = Proposal.objects.create(
            number=f"MDF-{counter['p']:06d}",
            partner=partner,
            budget=budget,
            title=title,
            activity_type=kind,
            description=f"{title} for mid-market customers in the partner's territory.",
            starts_on=starts,
            ends_on=starts + timedelta(days=rnd.choice([0, 1, 14, 30])),
            audience="IT and security leaders of mid-market companies",
            requested_amount=requested,
            entered_currency="USD",
            entered_amount=requested,
            expected_leads=int(requested / 100),
            expected_pipeline=requested * 25,
            status=status,
            created_by=author,
            created_at=created,
            reviewed_with_cam=status != "draft",
            cam=partner.cam or cam,
            cam_aligned_at=created + timedelta(days=1) if status not in ("draft", "awaiting_cam") else None,
            submitted_at=created + timedelta(days=1) if status not in ("draft", "awaiting_cam") else None,
            approval_level=("cam" if requested <= 5000 else "channel_marketing")
            if status in ("approved", "closed", "rejected")
            else "",
            decided_by=(cam if requested <= 5000 else owner)
            if status in ("approved", "closed", "rejected")
            else None,
            decided_at=created + timedelta(days=3) if status in ("approved", "closed", "rejected") else None,
            approved_amount=approved,
            claim_deadline=budget.ends_on + timedelta(days=60) if status in ("approved", "closed") else None,
            **extra,
        )
        Event.objects.create(proposal=p, kind="created", actor=author, at=created)
        if p.submitted_at:
            Event.objects.create(proposal=p, kind="submitted", actor=author, at=p.submitted_at)
        if status == "awaiting_cam":
            Event.objects.create(proposal=p, kind="sent_to_cam", actor=author, at=created)
        if status == "changes_requested":
            Event.objects.create(
                proposal=p,
                kind="changes_requested",
                actor=owner,
                at=created + timedelta(days=2),
                comment="Please add the expected number of attendees and the venue.",
            )
        if status in ("approved", "closed"):
            Event.objects.create(
                proposal=p, kind="approved", actor=p.decided_by, at=p.decided_at or created, amount=approved
            )
        if status == "rejected":
            Event.objects.create(
                proposal=p,
                kind="rejected",
                actor=p.decided_by,
                at=p.decided_at or created,
                comment="The activity is outside this quarter's focus on security buyers.",
            )
        return p

    def claim(p: Proposal, amount: D, status: str, *, days_ago: int, final: bool = False) -> Claim:
        counter["c"] += 1
        at = now - timedelta(days=days_ago)
        author = people.get(p.partner_id) or owner
        c = Claim.objects.create(
            number=f"CLM-{counter['c']:06d}",
            proposal=p,
            amount=amount,
            entered_currency="USD",
            entered_amount=amount,
            is_final=final,
            status=status,
            submitted_by=author,
            submitted_at=at,
            reviewed_by=owner if status in ("approved", "paid") else None,
            reviewed_at=at + timedelta(days=2) if status in ("approved", "paid") else None,
            paid_on=(timezone.localdate(at) + timedelta(days=10)) if status == "paid" else None,
            payment_reference=f"PAY-{counter['c']:05d}" if status == "paid" else "",
            paid_recorded_by=leader if status == "paid" else None,
        )
        ProofFile.objects.create(
            claim=c,
            kind="invoice",
            file=proof_name,
            filename=f"invoice-{c.number}.pdf",
            content_type="application/pdf",
            size=len(proof),
            sha256=proof_sha,
            uploaded_by=author,
            uploaded_at=at,
        )
        Event.objects.create(proposal=p, claim=c, kind="claim_submitted", actor=author, at=at, amount=amount)
        if status in ("approved", "paid"):
            Event.objects.create(
                proposal=p,
                claim=c,
                kind="claim_approved",
                actor=owner,
                at=at + timedelta(days=2),
                amount=amount,
            )
        if status == "paid":
            Event.objects.create(
                proposal=p, claim=c, kind="paid", actor=leader, at=at + timedelta(days=10), amount=amount
            )
        return c

    written = 0
    acme = Partner.objects.filter(website="https://acme.example").first()
    for code, region in sorted(ctx.regions.items()):
        candidates = Partner.objects.filter(region=region, status="active", tier__slug__in=("select", "open"))
        if acme is not None:
            candidates = candidates.exclude(pk=acme.pk)
        partners = list(candidates.order_by("pk")[:8])
        if acme is not None and acme.region_id == region.pk:
            partners.insert(0, acme)
        if not partners:
            continue
        cur, prev = budgets[("cur", code)], budgets[("prev", code)]
        for n, partner in enumerate(partners[:2]):
            a = Allocation(budget=cur, partner=partner, amount=D("40000") if n == 0 else D("25000"))
            a._history_user = owner  # type: ignore[attr-defined]
            a.save()
        states = [
            "draft",
            "awaiting_cam",
            "submitted",
            "changes_requested",
            "approved",
            "approved",
            "rejected",
            "withdrawn",
        ]
        has_acme = acme is not None and partners[0].pk == acme.pk
        for i, status in enumerate(states):
            # Acme (the demo's partner people) gets a draft, one waiting, one approved with claims.
            partner = partners[0] if has_acme and i in (0, 2, 4) else partners[i % len(partners)]
            approved = D(rnd.choice([3000, 5000, 8000, 12000])) if status == "approved" else D("0")
            p = proposal(partner, cur, status, approved, days_ago=rnd.randint(5, 40), i=i)
            written += 1
            if status == "approved":
                claim(p, (approved * D("0.4")).quantize(D("1")), "submitted", days_ago=3)
                if i % 2 == 0:
                    claim(p, (approved * D("0.3")).quantize(D("1")), "approved", days_ago=12)
                else:
                    claim(p, (approved * D("0.25")).quantize(D("1")), "paid", days_ago=25)
        # The previous quarter: closed proposals, paid, with results.
        for i in range(5):
            partner = partners[0] if has_acme and i == 0 else partners[(i + 1) % len(partners)]
            approved = D(rnd.choice([4000, 6000, 9000, 15000]))
            spent = (approved * D(rnd.choice(["0.8", "0.9", "1"]))).quantize(D("1"))
            leads = rnd.randint(8, 90)
            pipeline = D(leads * rnd.randint(800, 4000))
            extra: dict[str, Any] = {
                "released_amount": approved - spent,
                "released_at": now - timedelta(days=30) if approved > spent else None,
                "reported_leads": leads,
                "reported_pipeline": pipeline,
                "results_reported_at": now - timedelta(days=20),
            }
            if i % 3 == 0:
                extra.update(
                    crm_campaign_id=f"701DEMO{code}{i}",
                    crm_leads=leads - rnd.randint(0, 5),
                    crm_pipeline=(pipeline * D("0.9")).quantize(D("1")),
                    crm_results_at=now - timedelta(days=2),
                )
            p = proposal(partner, prev, "closed", approved, days_ago=100 + i * 3, i=i + 2, **extra)
            written += 1
            claim(p, spent, "paid", days_ago=60, final=True)
            Event.objects.create(
                proposal=p,
                kind="results",
                actor=people.get(partner.pk) or owner,
                at=now - timedelta(days=20),
                comment=f"Leads: {leads}; pipeline: {pipeline:,.2f}.",
                amount=pipeline,
            )
            Event.objects.create(proposal=p, kind="closed", actor=owner, at=now - timedelta(days=19))
    ctx.stats["mdf proposals"] = ctx.stats.get("mdf proposals", 0) + written
    return written


def _first_members() -> list[Any]:
    from channelops.partners.models import PartnerMembership

    seen: dict[int, Any] = {}
    for m in (
        PartnerMembership.objects.filter(user__is_active=True).select_related("user").order_by("role", "pk")
    ):
        seen.setdefault(m.partner_id, m)
    return list(seen.values())
