"""Business plans, enablement plans and partner certifications."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from ..planned import Batch
from .context import Context, local_date
from .records import Rec

# --- business plans, enablement plans, partner certifications ------------------------------------------

PLAN_SECTIONS = {
    "target_customers": (
        "Mid-size manufacturers and logistics companies in our region.",
        "Public-sector agencies and universities.",
        "Software companies moving their platforms to the cloud.",
    ),
    "services_offered": (
        "Migrations, CI/CD pipeline design and platform health checks.",
        "Implementation projects, managed operations and training.",
    ),
    "go_to_market": (
        "Joint webinars with the vendor; two events a year; our existing customer base.",
        "Account-based marketing with the vendor's field team.",
    ),
    "resourcing": (
        "Four delivery engineers today, two more hired this year.",
        "A practice of six consultants.",
    ),
    "certification_summary": ("Every delivery engineer certified within six months of joining.",),
}


def _met_since(pc: Any, recs: list[Rec], today: date) -> date | None:
    """The day ``pc``'s practitioner counts were met by the people certified today (None: not met)."""
    if pc is None:
        return None
    days = []
    for req in pc.requirements.all():
        done = sorted(
            r.completed for r in recs if r.cert.pk == req.certification_id and r.certified_on(today)
        )
        if len(done) < req.count:
            return None
        days.append(done[req.count - 1])
    return max(days) if days else None


def write_plans_and_awards(
    ctx: Context, batch: Batch, start: int, people: dict[int, dict[str, Any]], records: dict[int, list[Rec]]
) -> None:
    """Business plans, enablement plans and the partner certifications held.

    A partner whose certified people meet the Certified Professional Services Partner
    requirements, with its agreements accepted, mostly holds it (awarded after its business plan
    was accepted); for the others a submitted plan waits and ``partner_certifications_evaluate``
    (run once every batch is in) opens their award work item. Training partners with two certified
    trainers hold the Certified Training Partner certification.
    """
    from channelops.enablement.models import (
        BusinessPlan,
        BusinessPlanState,
        BusinessPlanTarget,
        CertState,
        EnablementPlanEntry,
        PartnerCertificationStatus,
    )

    rnd = ctx.rnd(start, "plans")
    today, now = ctx.today, ctx.now
    psp = ctx.partner_certifications.get("certified-professional-services-partner")
    ctp = ctx.partner_certifications.get("certified-training-partner")
    plans, targets, entries, statuses = [], [], [], []
    for p in batch.partners:
        recs = records.get(p.pk, [])
        if not recs or p.admin is None:
            continue
        admin = people[p.pk].get(p.admin.email)
        cam = ctx.cams[p.i % len(ctx.cams)]

        psp_met = _met_since(psp, recs, today)
        ctp_met = _met_since(ctp, recs, today) if "ctp" in p.programs else None
        plan_state = ""
        if (psp_met or ctp_met) is not None and p.agreements_ok:
            plan_state = BusinessPlanState.ACCEPTED if rnd.random() < 0.85 else BusinessPlanState.SUBMITTED
        elif "csp" in p.programs and rnd.random() < 0.45:
            plan_state = BusinessPlanState.DRAFT if rnd.random() < 0.6 else BusinessPlanState.SUBMITTED
        if plan_state:
            met = min(d for d in (psp_met, ctp_met, today) if d is not None)
            anchor = timezone.make_aware(datetime.combine(met, datetime.min.time()))
            written = min(now - timedelta(days=2), anchor - timedelta(days=rnd.uniform(5, 60)))
            written = max(written, p.accepted or written)
            plan = BusinessPlan(
                partner_id=p.pk,
                version=1,
                state=plan_state,
                created_by=admin,
                created_at=written,
                **{k: rnd.choice(v) for k, v in PLAN_SECTIONS.items()},
            )
            submitted = min(now - timedelta(hours=2), written + timedelta(days=rnd.uniform(0.1, 5)))
            if plan_state != BusinessPlanState.DRAFT:
                plan.submitted_by, plan.submitted_at = admin, submitted
            if plan_state == BusinessPlanState.ACCEPTED:
                plan.decided_by = cam
                plan.decided_at = min(
                    now - timedelta(hours=1), submitted + timedelta(days=rnd.uniform(1, 10))
                )
            plan._history_date = plan.decided_at or plan.submitted_at or written  # type: ignore[attr-defined]
            plans.append(plan)
            for req in psp.requirements.all() if psp is not None else []:
                targets.append(
                    BusinessPlanTarget(
                        plan=plan,
                        certification_id=req.certification_id,
                        people=req.count + rnd.randint(0, 2),
                        by_date=local_date(written) + timedelta(days=rnd.randint(120, 365)),
                    )
                )
            if plan.decided_at is not None:  # accepted: the certifications it meets are awarded
                for pc, met_on, lag in ((psp, psp_met, (3, 20)), (ctp, ctp_met, (10, 60))):
                    if pc is None or met_on is None:
                        continue
                    since = max(
                        plan.decided_at, timezone.make_aware(datetime.combine(met_on, datetime.min.time()))
                    )
                    awarded = min(now - timedelta(minutes=30), since + timedelta(days=rnd.uniform(*lag)))
                    statuses.append((p, pc, CertState.AWARDED, awarded))
        # the enablement plan: people who will certify next
        certified = {(r.email, r.cert.pk) for r in recs if r.certified_on(today)}
        candidates = [
            (person, cert)
            for person in p.people
            for cert in ctx.certifications.values()
            if cert.slug != "certified-trainer" and (person.email, cert.pk) not in certified
        ]
        rnd.shuffle(candidates)
        for person, cert in candidates[: rnd.choice((0, 1, 1, 2))]:
            entry = EnablementPlanEntry(
                partner_id=p.pk,
                full_name=person.name[:150],
                email=person.email,
                certification=cert,
                target_date=today + timedelta(days=rnd.randint(-30, 200)),
                note="Starts the training next month." if rnd.random() < 0.3 else "",
                created_by=admin,
                created_at=now - timedelta(days=rnd.uniform(5, 120)),
            )
            entry._history_date = entry.created_at  # type: ignore[attr-defined]
            entries.append(entry)
    bulk_create_with_history(plans, BusinessPlan, batch_size=1000)
    for t in targets:
        t.plan_id = t.plan.pk
    bulk_create_with_history(targets, BusinessPlanTarget, batch_size=2000)
    bulk_create_with_history(entries, EnablementPlanEntry, batch_size=2000)
    manager = ctx.staff.get("program")
    rows = []
    for p, pc, state, awarded in statuses:
        s = PartnerCertificationStatus(
            partner_id=p.pk, certification=pc, state=state, awarded_at=awarded, awarded_by=manager
        )
        s._history_date = awarded  # type: ignore[attr-defined]
        rows.append(s)
    bulk_create_with_history(rows, PartnerCertificationStatus, batch_size=1000)
    ctx.stats["business_plans"] += len(plans)
    ctx.stats["partner_certifications"] += len(rows)
