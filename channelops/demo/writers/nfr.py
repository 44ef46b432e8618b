"""NFR requests and licenses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from ..plan import PACE
from ..planned import Batch, PartnerPlan, between, lognormal
from .context import Context, local_date, seeded_uuid
from .records import Rec

NFR_PURPOSES = (
    "Demo lab for customer workshops.",
    "Proof of concept for a prospect.",
    "Training our new engineers.",
    "Internal use by our support team.",
    "Integration testing with our own services.",
)
NFR_QUESTIONS = (
    "Which customers will see the demonstrations, and for how long do you need the lab?",
    "Could you confirm the seats are for demonstrations only and not for a customer's production use?",
    "Which of your engineers will use the licenses, and are they certified?",
)
NFR_ANSWERS = (
    "Two prospects this quarter; the lab runs for the whole term.",
    "Confirmed: demonstrations and training only.",
    "Our three presales engineers; two are taking the Solution Architect Core exam next month.",
)
NFR_REJECTIONS = (
    "The purpose describes a customer's production use: please ask your CAM about a subscription.",
    "A request for the same contact is already approved: use that license.",
)


def _certified(recs: list[Rec], day: date, slugs: tuple[str, ...]) -> int:
    return len({r.email for r in recs if r.cert.slug in slugs and r.certified_on(day)})


@dataclass
class _Lic:
    starts: date
    expires: date
    users: int
    revoked: bool = False


def write_nfr(
    ctx: Context, batch: Batch, start: int, people: dict[int, dict[str, Any]], records: dict[int, list[Rec]]
) -> None:
    """Requests of the partners that accepted their agreements, decided by their region's PHD
    specialist within hours or days (some after a question), approved within the tier's allowance
    and issued as signed licenses (``license_payload`` + ``license_sign``, co-termed as
    ``license_term`` does); renewals before expiry; licenses of terminated partners revoked."""
    from channelops.licensing.eligibility import allowance_for
    from channelops.licensing.files import license_sign
    from channelops.licensing.issuing import license_payload
    from channelops.licensing.models import License, NfrRequest, Plan, RequestStatus

    key = ctx.license_key
    if key is None:
        return
    rnd = ctx.rnd(start, "nfr")
    now, today = ctx.now, ctx.today
    window_start = ctx.window_start or now - timedelta(days=548)
    nfr_names = ("Solution Architect Core", "Professional Services Engineer")
    cert_slugs = tuple(c.slug for c in ctx.certifications.values() if c.name in nfr_names)
    requests: list[NfrRequest] = []
    licenses: list[License] = []
    events: list[tuple[NfrRequest, str, Any, datetime, str]] = []

    def request(
        p: PartnerPlan,
        at: datetime,
        held: list[_Lic],
        renews: tuple[_Lic, Any] | None = None,
        sure: bool = False,
    ) -> None:
        """One request of ``p`` submitted at ``at`` and what became of it (``sure``: a plain
        12-month request, approved without a question)."""
        phd = ctx.phd.get(p.region)
        who = people[p.pk]
        requester = who.get(p.admin.email) if p.admin else None
        if requester is None or p.status_at(at) != "active" or at >= now:
            return
        contact = rnd.choice(p.people)
        tier = p.first_tier if p.tier_changed is not None and at < p.tier_changed else p.tier
        allowance = allowance_for(tier) or 0
        plan = Plan.ULTIMATE if rnd.random() < 0.6 else Plan.PREMIUM
        day0 = local_date(at)
        room = allowance - sum(h.users for h in held if not h.revoked and h.starts <= day0 < h.expires)
        if room > 0 and (sure or rnd.random() < 0.9):  # most partners know their allowance
            seats = rnd.randint(1, max(1, min(room, 5 if tier == "open" else 12)))
        else:
            seats = max(1, room) + rnd.randint(1, 5)
        term = 12 if sure else rnd.choices((12, 6, 24), weights=(75, 15, 10))[0]
        req = NfrRequest(
            partner_id=p.pk,
            contact_name=contact.name[:150],
            contact_email=contact.email,
            plan=plan,
            seats=seats,
            term_months=term,
            purpose=rnd.choice(NFR_PURPOSES),
            is_renewal=renews is not None,
            renews=renews[1] if renews is not None else None,
            requested_by=requester,
            created_at=at,
        )
        req._history_date = at  # type: ignore[attr-defined]
        requests.append(req)
        label = dict(Plan.choices)[plan]
        events.append((req, "submitted", requester, at, f"{seats} {label} seats for {term} months"))
        pace = PACE[p.region]
        decided = at + timedelta(hours=pace * lognormal(rnd, 18.0, 0.9))
        if not sure and rnd.random() < 0.12:
            asked = at + timedelta(hours=pace * lognormal(rnd, 8.0, 0.8))
            if asked >= now:
                return
            req.status, req.question = RequestStatus.NEEDS_INFO, rnd.choice(NFR_QUESTIONS)
            events.append((req, "question", phd, asked, req.question))
            answered = asked + timedelta(days=lognormal(rnd, 1.5, 0.8))
            if answered >= now:
                return
            req.status, req.answer = RequestStatus.SUBMITTED, rnd.choice(NFR_ANSWERS)
            events.append((req, "answer", requester, answered, req.answer))
            decided = answered + timedelta(hours=pace * lognormal(rnd, 10.0, 0.8))
        if decided >= now:
            return
        day = local_date(decided)
        active = [h for h in held if not h.revoked and h.starts <= day < h.expires]
        in_use = sum(h.users for h in active)
        req.decided_by, req.decided_at = phd, decided
        if in_use + seats > allowance or (not sure and rnd.random() < 0.05):
            req.status = RequestStatus.REJECTED
            if in_use + seats > allowance:
                req.rejection_reason = (
                    f"{in_use} licensed users held + {seats} requested = {in_use + seats}, over the "
                    f"{tier.title()} allowance of {allowance}: please reduce the seats or let a license expire."
                )
            else:
                req.rejection_reason = rnd.choice(NFR_REJECTIONS)
            events.append((req, "rejected", phd, decided, req.rejection_reason))
            return
        certified = _certified(records.get(p.pk, []), day, cert_slugs)
        req.status = RequestStatus.APPROVED
        req.encouraged = certified == 0
        req.eligibility = [
            {
                "name": "authorised",
                "label": "Partner authorised",
                "passed": True,
                "reason": "Active, and its agreements are accepted.",
            },
            {
                "name": "allowance",
                "label": "Within the NFR allowance",
                "passed": True,
                "reason": f"{in_use} licensed users held + {seats} requested = {in_use + seats} of the "
                f"{tier.title()} allowance of {allowance}.",
            },
            {
                "name": "certification",
                "label": "Certified employee",
                "passed": certified > 0,
                "reason": f"{certified} person(s) hold Solution Architect Core or Professional Services Engineer."
                if certified
                else "No one at the partner holds Solution Architect Core or Professional Services Engineer; "
                "approvable with an encouragement.",
            },
        ]
        events.append(
            (
                req,
                "approved",
                phd,
                decided,
                "Approved; certification encouragement will be sent." if req.encouraged else "Approved.",
            )
        )
        expires = day + relativedelta(months=term)
        if renews is None and active:
            expires = max(h.expires for h in active)  # co-termed with the licenses it holds
        lic_id = seeded_uuid(rnd)
        req.partner = _partner_stub(p)  # license_payload reads the company name
        payload = license_payload(request=req, license_id=lic_id, starts=day, expires=expires)
        payload["kid"] = key.kid
        lic = License(
            id=lic_id,
            request=req,
            partner_id=p.pk,
            contact_email=req.contact_email,
            plan=payload["plan"],
            users=seats,
            starts=day,
            expires=expires,
            key_id=key.kid,
            payload=payload,
            file_text=license_sign(payload, key=key),
            issued_by=phd,
            issued_at=decided,
        )
        lic._history_date = decided  # type: ignore[attr-defined]
        terminated = next((at2 for _f, to, at2 in p.changes if to == "terminated" and at2 > decided), None)
        if terminated is not None and local_date(terminated) < expires:
            lic.revoked_at, lic.revoked_by = terminated, phd
            lic.revocation_reason = "The partnership ended."
        licenses.append(lic)
        mark = _Lic(day, expires, seats, lic.revoked_at is not None)
        held.append(mark)
        events.append((req, "license_issued", phd, decided, f"{payload['note']}; id {lic_id}"))
        events.append((req, "license_emailed", None, decided + timedelta(minutes=1), req.contact_email))
        events.append((req, "requester_informed", None, decided + timedelta(minutes=1), requester.email))
        # a renewal a few weeks before it expires (partners that are still active then)
        ends = timezone.make_aware(datetime.combine(expires, datetime.min.time()))
        renew_at = ends - timedelta(days=rnd.uniform(5, 30))
        if not mark.revoked and renew_at > decided and rnd.random() < 0.55:
            pending.append((p, renew_at, held, (mark, lic)))

    pending: list[tuple[PartnerPlan, datetime, list[_Lic], tuple[_Lic, Any] | None]] = []
    holders: list[tuple[PartnerPlan, list[_Lic]]] = []
    for p in batch.partners:
        if p.accepted is None or p.admin is None:
            continue
        held: list[_Lic] = []
        holders.append((p, held))
        if p.kind == "applicant":
            if p.first_use_kind == "nfr" and p.first_use is not None:
                starts = [p.first_use]
            elif rnd.random() < 0.15:
                starts = [between(rnd, p.accepted, now)]
            else:
                continue
        elif rnd.random() < 0.5:
            starts = [between(rnd, max(p.accepted, window_start - timedelta(days=330)), now)]
        else:
            continue
        at = starts[0]
        for _more in range(rnd.choice((0, 0, 1, 1, 2))):
            at = at + timedelta(days=rnd.uniform(60, 300))
            starts.append(at)
        for at in starts:
            pending.append((p, at, held, None))
    while pending:
        pending.sort(key=lambda x: x[1])
        p, at, held, renews = pending.pop(0)
        request(p, at, held, renews)
    # Make sure some licenses come up for renewal within 30, 60 and 90 days.
    for lo, hi in ((5, 25), (35, 55), (65, 85)):
        window = (today + timedelta(days=lo - 5), today + timedelta(days=hi + 5))  # (0, 30] …
        if any(lic.revoked_at is None and window[0] < lic.expires <= window[1] for lic in licenses):
            continue
        for p, held in holders:
            issue = now - timedelta(days=365 - rnd.uniform(lo, hi))
            day = local_date(issue)
            busy = any(h.starts <= day < h.expires for h in held)
            accepted = p.accepted or now
            if not busy and accepted < issue and p.status_at(issue) == "active" and p.status == "active":
                n = len(licenses)
                request(p, issue - timedelta(hours=30), held, None, sure=True)
                if len(licenses) > n:
                    break
    _save_nfr(requests, licenses, events)
    ctx.stats["nfr_requests"] += len(requests)
    ctx.stats["licenses"] += len(licenses)


def _partner_stub(p: PartnerPlan) -> Any:
    from channelops.partners.models import Partner

    return Partner(pk=p.pk, legal_name=p.name)


def _save_nfr(
    requests: list[Any], licenses: list[Any], events: list[tuple[Any, str, Any, datetime, str]]
) -> None:
    from channelops.licensing.models import License, NfrRequest, RequestEvent

    made = bulk_create_with_history(requests, NfrRequest, batch_size=2000)
    if made and made[0].pk is None:
        raise RuntimeError("demo NFR requests need a database that returns primary keys on insert")
    for lic in licenses:
        lic.request_id = lic.request.pk
    bulk_create_with_history(licenses, License, batch_size=1000)
    RequestEvent.objects.bulk_create(
        [
            RequestEvent(request_id=req.pk, kind=kind, by=by, at=at, detail=detail[:500])
            for req, kind, by, at, detail in events
        ],
        batch_size=5000,
    )
