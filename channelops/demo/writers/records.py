"""Enablement: practitioner records (planned first: NFR, badge and award facts depend on them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from ..planned import Batch, PartnerPlan
from .context import Context, local_date

# --- enablement: practitioner records --------------------------------------------------------------------


@dataclass
class Rec:
    """A practitioner record planned for a partner (kept to decide NFR, badge and award facts)."""

    partner: PartnerPlan
    email: str
    name: str
    cert: Any
    completed: date
    expires: date | None
    trained: bool
    passed: bool
    score: int
    row: Any = None

    def certified_on(self, day: date) -> bool:
        trained = self.trained or not self.cert.requires_training
        return (
            trained and self.passed and self.completed <= day and (self.expires is None or self.expires > day)
        )


STAFFED_WITHIN_DAYS = 540  # within the 24 months a certification is valid for by default


def plan_records(ctx: Context, batch: Batch, start: int) -> dict[int, list[Rec]]:
    """Certified people for a share of the partners that accepted their agreements: most service
    partners (csp), the training partners' trainers (ctp), about one other partner in five."""
    from channelops.enablement.services.records import default_expiry

    rnd = ctx.rnd(start, "records")
    certs = ctx.certifications
    sac, pse, trainer = (
        certs.get(s)
        for s in ("solution-architect-core", "professional-services-engineer", "certified-trainer")
    )
    today = ctx.today
    oldest = today - timedelta(days=900)
    out: dict[int, list[Rec]] = {}
    for p in batch.partners:
        if p.accepted is None or not p.people:
            continue
        csp, ctp = "csp" in p.programs, "ctp" in p.programs
        if p.kind == "applicant":
            enabled = p.first_use_kind == "cert" or rnd.random() < 0.12
        else:
            enabled = rnd.random() < (0.8 if csp else 0.9 if ctp else 0.22)
        if not enabled:
            continue
        n = min(len(p.people), rnd.randint(2, 5) if csp else rnd.randint(2, 4) if ctp else rnd.randint(1, 3))
        first_day = max(local_date(p.accepted), oldest)
        until = today - timedelta(days=1)
        if first_day >= until:
            continue
        # most established service partners keep two engineers and an architect certified (the
        # Certified Professional Services Partner requirements), whatever day the demo is built on
        staffed = csp and p.kind != "applicant" and rnd.random() < 0.7
        current_from = max(first_day, today - timedelta(days=STAFFED_WITHIN_DAYS))
        recs: list[Rec] = []
        for k, person in enumerate(p.people[:n]):
            wanted = []
            if ctp and k < 3 and trainer is not None and rnd.random() < 0.9:
                wanted.append(trainer)
            if pse is not None and (rnd.random() < (0.75 if csp else 0.2) or (staffed and k < 2)):
                wanted.append(pse)
            if sac is not None and (
                rnd.random() < (0.6 if csp or ctp else 0.85) or not wanted or (staffed and k == 0)
            ):
                wanted.append(sac)
            for cert in wanted:
                if p.first_use_kind == "cert" and not recs and p.first_use is not None:
                    completed = local_date(p.first_use)
                elif staffed and k < 2 and cert in (pse, sac):
                    completed = current_from + timedelta(days=rnd.randint(0, (until - current_from).days))
                else:
                    completed = first_day + timedelta(days=rnd.randint(0, (until - first_day).days))
                r = rnd.random()
                trained, passed = r >= 0.04, r >= 0.08 or r < 0.04
                score = rnd.randint(70, 98) if passed else rnd.randint(45, 69)
                rec = Rec(
                    p,
                    person.email,
                    person.name,
                    cert,
                    completed,
                    default_expiry(cert, completed),
                    trained,
                    passed,
                    score,
                )
                recs.append(rec)
                if rec.expires is not None and rec.expires < today and passed and rnd.random() < 0.45:
                    lo = rec.expires - timedelta(days=60)
                    again = lo + timedelta(days=rnd.randint(0, max(0, min(150, (until - lo).days))))
                    if rec.completed < again <= until:
                        recs.append(
                            Rec(
                                p,
                                person.email,
                                person.name,
                                cert,
                                again,
                                default_expiry(cert, again),
                                True,
                                True,
                                rnd.randint(72, 98),
                            )
                        )
        if recs:
            out[p.pk] = recs
    return out


def write_records(ctx: Context, records: dict[int, list[Rec]], people: dict[int, dict[str, Any]]) -> None:
    from channelops.enablement.models import PractitionerRecord, RecordSource

    rows = []
    for pid, recs in records.items():
        for k, r in enumerate(recs):
            user = people.get(pid, {}).get(r.email)
            at = min(
                ctx.now,
                timezone.make_aware(datetime.combine(r.completed + timedelta(days=1), datetime.min.time())),
            )
            row = PractitionerRecord(
                partner_id=pid,
                user=user,
                email=r.email,
                full_name=r.name[:150],
                certification=r.cert,
                training_completed=r.trained,
                exam_passed=r.passed,
                exam_score=r.score,
                completed_on=r.completed,
                expires_on=r.expires,
                source=RecordSource.IMPORT,
                external_id=f"LMS-{r.partner.i:07d}-{k:02d}",
                created_at=at,
            )
            row._history_date = at  # type: ignore[attr-defined]
            r.row = row
            rows.append(row)
    made = bulk_create_with_history(
        rows, PractitionerRecord, batch_size=2000, default_change_reason="Practitioner records: File import"
    )
    if made and made[0].pk is None:
        found = {
            (x.certification_id, x.email, x.completed_on): x
            for x in PractitionerRecord.objects.filter(partner_id__in=list(records))
        }
        for r in [r for recs in records.values() for r in recs]:
            r.row = found[(r.cert.pk, r.email, r.completed)]
    ctx.stats["records"] += len(rows)
