"""Partners, their status history and programs, and applications."""

from __future__ import annotations

import hashlib
from datetime import datetime

from simple_history.utils import bulk_create_with_history

from ..planned import Batch
from .context import Context

SUSPENSION_NOTES = (
    "Agreements not accepted after two reminders.",
    "Unpaid marketing development fund invoice.",
    "At the partner's request: reorganisation.",
    "Compliance review opened by legal.",
)
TERMINATION_NOTES = (
    "The partner ended the membership (30 days' notice).",
    "Acquired by another partner.",
    "No activity for over a year.",
)


# --- partners, their status history and programs ------------------------------------------------------


def write_partners(ctx: Context, batch: Batch, start: int) -> None:
    from channelops.partners.models import Partner, PartnerStatusChange

    rnd = ctx.rnd(start, "partner-rows")
    rows = []
    for p in batch.partners:
        row = Partner(
            legal_name=p.name,
            website=p.website,
            country=p.country.code,
            region=ctx.regions[p.region],
            tier=ctx.tiers[p.first_tier],
            status=p.changes[0][1],
            cam=ctx.cams[p.i % len(ctx.cams)],
            crm_account_id=p.crm,
            phone=p.phone,
            created_at=p.created,
        )
        row._history_date = p.created  # type: ignore[attr-defined]
        rows.append(row)
    made = bulk_create_with_history(rows, Partner, batch_size=1000)
    if made and made[0].pk is None:  # SQLite < 3.35 without RETURNING
        made = list(Partner.objects.filter(crm_account_id__in=[r.crm_account_id for r in rows]))
        made.sort(key=lambda r: r.crm_account_id)
    by_crm = {r.crm_account_id: r for r in made}
    later, changes, final = [], [], []
    for p in batch.partners:
        row = by_crm[p.crm]
        p.pk = row.pk
        phd = ctx.phd.get(p.region)
        steps: list[tuple[datetime, str, str]] = [(at, "status", to) for _f, to, at in p.changes[1:]]
        if p.tier_changed is not None:
            steps.append((p.tier_changed, "tier", p.tier))
        state = {"status": row.status, "tier": row.tier_id}
        for at, what, value in sorted(steps, key=lambda s: s[0]):
            state[what] = value if what == "status" else ctx.tiers[value].pk
            snap = Partner(**{f.attname: getattr(row, f.attname) for f in Partner._meta.concrete_fields})
            snap.status, snap.tier_id = state["status"], state["tier"]
            snap._history_date = at  # type: ignore[attr-defined]
            later.append(snap)
        for frm, to, at in p.changes:
            note = ""
            if to == "suspended":
                note = rnd.choice(SUSPENSION_NOTES)
            elif to == "terminated":
                note = rnd.choice(TERMINATION_NOTES)
            by = phd if p.kind == "applicant" and frm == "" else row.cam
            changes.append(
                PartnerStatusChange(partner_id=row.pk, from_status=frm, to_status=to, by=by, note=note, at=at)
            )
        if row.status != p.status or row.tier_id != ctx.tiers[p.tier].pk:
            row.status, row.tier_id = p.status, ctx.tiers[p.tier].pk
            final.append(row)
    if later:
        Partner.history.bulk_history_create(later, batch_size=1000, update=True)
    Partner.objects.bulk_update(final, ["status", "tier"], batch_size=1000)
    PartnerStatusChange.objects.bulk_create(changes, batch_size=2000)
    through = Partner.programs.through
    through.objects.bulk_create(
        [
            through(partner_id=p.pk, program_id=ctx.programs[slug].pk)
            for p in batch.partners
            for slug in p.programs
            if slug in ctx.programs
        ],
        batch_size=2000,
    )
    ctx.stats["partners"] += len(made)
    ctx.stats["status_changes"] += len(changes)


# --- applications ---------------------------------------------------------------------------------------


def write_applications(ctx: Context, batch: Batch) -> None:
    from channelops.partners.models import Application

    rows = []
    for a in batch.applications:
        row = Application(
            company_name=a.company,
            website=a.website,
            company_domain=a.domain,
            country=a.country.code,
            region=ctx.regions[a.region],
            first_name=a.person.first,
            last_name=a.person.last,
            email=a.person.email,
            phone=a.phone,
            title=a.person.title,
            message=a.message,
            status=a.status,
            token_hash=hashlib.sha256(a.token.encode()).hexdigest(),
            submitted_ip=a.ip,
            created_at=a.created,
            verified_at=a.verified,
            decided_at=a.decided,
            decided_by=ctx.phd.get(a.region) if a.decided else None,
            rejection_reason=a.reason,
            partner_id=a.partner.pk if a.partner is not None else None,
        )
        row._history_date = a.decided or a.verified or a.created  # type: ignore[attr-defined]
        rows.append(row)
    made = bulk_create_with_history(rows, Application, batch_size=1000)
    if made and made[0].pk is None:
        found = {
            r.token_hash: r for r in Application.objects.filter(token_hash__in=[r.token_hash for r in rows])
        }
        made = [found[r.token_hash] for r in rows]
    through = Application.programs.through
    through.objects.bulk_create(
        [
            through(application_id=row.pk, program_id=ctx.programs[slug].pk)
            for row, a in zip(made, batch.applications, strict=True)
            for slug in a.programs
            if slug in ctx.programs
        ],
        batch_size=2000,
    )
    ctx.stats["applications"] += len(made)
