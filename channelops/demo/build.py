"""Writing a planned batch of demo partners (``channelops.demo.plan``) with bulk inserts.

Each ``write_*`` function inserts one part of the story for a batch, in the caller's transaction,
with ``bulk_create`` (``bulk_create_with_history`` where the model keeps an audit history, dated
when the thing happened). The rows are built exactly as the services build them — the same model
constructors, the same derived fields (content hashes, license payloads and their signatures,
badge credentials and their proofs, identity hashes) — but without the services' per-row side
effects that make no sense for the past: no e-mails, no outbox messages, no notifications (see
docs/demo.md, "How the data is made"). Randomness comes from ``random.Random`` seeded with the seed,
the batch and the part, so each part is deterministic on its own.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from .plan import PACE, Batch, PartnerPlan, between, lognormal, test_net_ip

USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
)

# Engagement event kinds and their shares.
EVENT_KINDS = {
    "sign_in": 28,
    "page_view": 30,
    "download": 10,
    "request": 4,
    "training": 5,
    "newsletter_open": 14,
    "newsletter_click": 5,
    "question": 2,
    "user_added": 2,
}
PERSONAL_KINDS = {"sign_in", "page_view", "download", "request", "training", "question"}
DOWNLOADS = ("price-list.pdf", "battlecard.pdf", "partner-guide.pdf", "demo-script.docx", "logo-pack.zip")

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


@dataclass
class Context:
    """What every batch needs, loaded once (a handful of queries)."""

    seed: int
    now: datetime
    regions: dict[str, Any]
    tiers: dict[str, Any]
    programs: dict[str, Any]
    cams: list[Any]
    phd: dict[str, Any]
    staff: dict[str, Any]
    rules: list[Any]
    versions: dict[int, list[Any]]  # template pk → published general versions, oldest first
    certifications: dict[str, Any]
    partner_certifications: dict[str, Any]
    license_key: Any = None
    badge_key: Any = None
    window_start: datetime | None = None
    stats: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def today(self) -> date:
        return timezone.localdate(self.now)

    def rnd(self, start: int, part: str) -> random.Random:
        return random.Random(f"{self.seed}:{start}:{part}")

    @classmethod
    def load(cls, *, seed: int, now: datetime, domain: str) -> Context:
        from channelops.accounts.models import User
        from channelops.agreements.models import AgreementVersion
        from channelops.agreements.querysets import template_rules
        from channelops.enablement.models import Certification, PartnerCertification
        from channelops.partners.models import Program, Region, RegionRouting, Tier

        staff = {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith=f"@{domain}")}
        routing = {
            r.region.code: r.phd_specialist
            for r in RegionRouting.objects.select_related("region", "phd_specialist")
        }
        versions: dict[int, list[Any]] = defaultdict(list)
        for v in (
            AgreementVersion.objects.published()
            .filter(partner__isnull=True)
            .select_related("template")
            .defer("body")
            .order_by("template_id", "number")
        ):
            versions[v.template_id].append(v)
        ctx = cls(
            seed=seed,
            now=now,
            regions={r.code: r for r in Region.objects.all()},
            tiers={t.slug: t for t in Tier.objects.all()},
            programs={p.slug: p for p in Program.objects.all()},
            cams=list(User.objects.filter(is_staff=True, groups__name="cam").order_by("pk")) or [None],
            phd={
                code: routing.get(code) or staff.get("phd.amer")
                for code in ("AMER", "EMEA", "APAC", "PUBSEC")
            },
            staff=staff,
            rules=template_rules(),
            versions=dict(versions),
            certifications={c.slug: c for c in Certification.objects.all()},
            partner_certifications={
                pc.slug: pc for pc in PartnerCertification.objects.prefetch_related("requirements")
            },
        )
        ctx.license_key = _key("licensing")
        ctx.badge_key = _key("badges")
        return ctx


def _key(app: str) -> Any:
    """The app's signing key, or None when it has none and may not generate one."""
    try:
        if app == "licensing":
            from channelops.licensing.keys import current_signing_key

            return current_signing_key()
        from channelops.badges.keys import current_key

        return current_key()
    except Exception:  # no key configured (production-like settings): that part of the demo is left out
        return None


def _uuid(rnd: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rnd.getrandbits(128), version=4)


def _local_date(at: datetime) -> date:
    return timezone.localdate(at)


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


# --- people: portal users, memberships, contacts ---------------------------------------------------------


def write_people(ctx: Context, batch: Batch, start: int) -> dict[int, dict[str, Any]]:
    """Users (partner admins and users, with a verified primary e-mail address and a membership)
    and contacts; returns partner pk → e-mail → User for the partners' portal people."""
    from allauth.account.models import EmailAddress

    from channelops.accounts.models import User
    from channelops.partners.models import Contact, PartnerMembership

    rnd = ctx.rnd(start, "people")
    users, plans = [], []
    unusable = make_password(None)  # nobody signs in as a generated person: no password to know
    for p in batch.partners:
        joined = next((at for _f, to, at in p.changes if to == "active"), p.created)
        for person in p.users:
            u = User(
                email=person.email,
                full_name=person.name,
                is_active=p.status != "terminated",
                date_joined=joined,
                password=unusable,
            )
            u._history_date = joined  # type: ignore[attr-defined]
            users.append(u)
            plans.append((p, person))
    made = bulk_create_with_history(users, User, batch_size=1000)
    if made and made[0].pk is None:
        found = {u.email: u for u in User.objects.filter(email__in=[u.email for u in users])}
        made = [found[u.email] for u in users]
    people: dict[int, dict[str, Any]] = defaultdict(dict)
    addresses, memberships = [], []
    for u, (p, person) in zip(made, plans, strict=True):
        assert p.pk is not None
        people[p.pk][person.email] = u
        addresses.append(EmailAddress(user_id=u.pk, email=u.email, primary=True, verified=True))
        m = PartnerMembership(
            user_id=u.pk,
            partner_id=p.pk,
            role=person.role,
            can_submit_requests=person.role == "admin" or rnd.random() < 0.5,
            created_at=u.date_joined,
        )
        m._history_date = u.date_joined  # type: ignore[attr-defined]
        memberships.append(m)
    EmailAddress.objects.bulk_create(addresses, batch_size=2000)
    bulk_create_with_history(memberships, PartnerMembership, batch_size=2000)
    contacts = []
    for p in batch.partners:
        assert p.pk is not None
        for j, person in enumerate(p.people):
            user = people[p.pk].get(person.email)
            c = Contact(
                partner_id=p.pk,
                first_name=person.first,
                last_name=person.last,
                email=person.email,
                title=person.title,
                is_primary=j == 0,
                user=user,
                created_at=user.date_joined if user is not None else p.created,
            )
            c._history_date = c.created_at  # type: ignore[attr-defined]
            contacts.append(c)
    bulk_create_with_history(contacts, Contact, batch_size=5000)
    ctx.stats["contacts"] += len(contacts)
    ctx.stats["users"] += len(made)
    return people


# --- engagement ----------------------------------------------------------------------------------------------


def write_engagement(
    ctx: Context, batch: Batch, start: int, people: dict[int, dict[str, Any]], per_partner: int
) -> None:
    """``per_partner`` × the batch's partners engagement events, in the months each partner was
    active, concentrated on the engaged ones (``plan.ACTIVITY``): about one partner in eight is
    active in a month, as in real programs. An applicant's first event is its first sign-in."""
    from channelops.accounts.models import User
    from channelops.partners.models import EngagementEvent

    from .plan import ACTIVITY, month_starts

    total = per_partner * len(batch.partners)
    if total <= 0:
        return
    rnd = ctx.rnd(start, "engagement")
    now = ctx.now
    months = list(reversed(month_starts(now)))  # oldest first
    bounds = [(m, months[k + 1] if k + 1 < len(months) else now) for k, m in enumerate(months)]
    slots: list[tuple[PartnerPlan, datetime, datetime]] = []
    weights: list[float] = []
    forced: list[EngagementEvent] = []
    for p in batch.partners:
        if p.activity == "none" or p.first_sign_in is None:
            continue
        share, chance, weight = ACTIVITY[p.activity]
        since = max(months[0], p.first_sign_in)
        windows = p.active_windows(since, now)
        onboarding_until = p.first_sign_in + timedelta(days=60) if p.kind == "applicant" else None
        for lo, hi in bounds:
            for a, b in windows:
                s, e = max(lo, a), min(hi, b)
                if e <= s:
                    continue
                boost = onboarding_until is not None and s < onboarding_until
                if rnd.random() < (max(chance, 0.4) if boost else chance):
                    slots.append((p, s, e))
                    weights.append(weight * (e - s).total_seconds() / 86400)
        if p.kind == "applicant" and p.first_sign_in >= months[0] and p.admin is not None:
            forced.append(
                EngagementEvent(
                    partner_id=p.pk,
                    user=people[p.pk].get(p.admin.email),
                    kind="sign_in",
                    at=p.first_sign_in,
                )
            )
    forced = forced[:total]
    events = list(forced)
    if slots:
        kinds, kind_weights = list(EVENT_KINDS), list(EVENT_KINDS.values())
        picks = rnd.choices(range(len(slots)), weights=weights, k=total - len(forced))
        chosen_kinds = rnd.choices(kinds, weights=kind_weights, k=len(picks))
        for slot, kind in zip(picks, chosen_kinds, strict=True):
            p, s, e = slots[slot]
            at = between(rnd, s, e)
            user = None
            if kind in PERSONAL_KINDS:
                who = people[p.pk]
                user = who[rnd.choice(list(who))] if who else None
            detail = rnd.choice(DOWNLOADS) if kind == "download" else ""
            events.append(EngagementEvent(partner_id=p.pk, user=user, kind=kind, at=at, detail=detail))
    last_login: dict[int, datetime] = {}
    for ev in events:
        if ev.kind == "sign_in" and ev.user is not None:
            uid = ev.user.pk
            if uid not in last_login or ev.at > last_login[uid]:
                last_login[uid] = ev.at
    for k in range(0, len(events), 20000):
        EngagementEvent.objects.bulk_create(events[k : k + 20000], batch_size=5000)
    User.objects.bulk_update(
        [User(pk=uid, last_login=at) for uid, at in last_login.items()], ["last_login"], batch_size=2000
    )
    ctx.stats["events"] += len(events)


# --- agreements: acceptances, prompts and reminders ----------------------------------------------------------


def _versions_for(ctx: Context, p: PartnerPlan) -> list[list[Any]]:
    program_ids = {ctx.programs[s].pk for s in p.programs if s in ctx.programs}
    region_id = ctx.regions[p.region].pk
    return [
        ctx.versions[rule.template.pk]
        for rule in ctx.rules
        if rule.applies(program_ids, region_id) and ctx.versions.get(rule.template.pk)
    ]


def write_acceptances(ctx: Context, batch: Batch, start: int, people: dict[int, dict[str, Any]]) -> None:
    """Each partner that accepted: the versions current then (click-through evidence as
    ``agreement_accept`` records it), and the re-acceptances of versions published since — or the
    prompt and the reminders when it has not re-accepted (overdue after the deadline, due before)."""
    from channelops.agreements.models import Acceptance, AgreementEvent, EventKind

    rnd = ctx.rnd(start, "agreements")
    now, today = ctx.now, ctx.today
    acceptances, events = [], []
    for p in batch.partners:
        p_ok = True  # every agreement accepted or re-acceptance still due
        if p.accepted is None or p.admin is None:
            p.agreements_ok = p.status == "active" and not _versions_for(ctx, p)
            continue
        admin = people[p.pk][p.admin.email]
        ip, agent = test_net_ip(rnd), rnd.choice(USER_AGENTS)
        pace = PACE[p.region]

        def accept(
            version: Any,
            at: datetime,
            p: PartnerPlan = p,
            admin: Any = admin,
            ip: str = ip,
            agent: str = agent,
        ) -> None:
            acc = Acceptance(
                partner_id=p.pk,
                template_id=version.template_id,
                version=version,
                content_hash=version.content_hash,
                accepted_by=admin,
                accepted_by_name=admin.full_name[:150],
                accepted_by_email=admin.email,
                accepted_at=at,
                ip_address=ip,
                user_agent=agent,
                regions=p.region,
            )
            acc._history_date = at  # type: ignore[attr-defined]
            acc._history_user = admin  # type: ignore[attr-defined]
            acceptances.append(acc)
            events.append(
                AgreementEvent(
                    partner_id=p.pk,
                    kind=EventKind.ACCEPTED,
                    by=admin,
                    at=at,
                    version=version,
                    detail=f"{version} accepted from {ip}"[:500],
                )
            )

        for versions in _versions_for(ctx, p):
            at = p.accepted + timedelta(seconds=rnd.uniform(5, 90))
            current = [v for v in versions if v.published_at <= at]
            if not current:
                p_ok = False
                continue
            accept(current[-1], at)
            last = versions[-1]
            # overdue when a newer version's deadline has passed, until it re-accepts below
            ok = not (last.published_at > at and last.reaccept_by is not None and last.reaccept_by < today)
            for v in versions:
                if v.published_at <= at or p.status_at(v.published_at) != "active":
                    continue
                admin_to = f"E-mailed to {admin.email}"
                prompted = v.published_at + timedelta(minutes=rnd.uniform(1, 30))
                events.append(
                    AgreementEvent(
                        partner_id=p.pk, kind=EventKind.PROMPTED, at=prompted, version=v, detail=admin_to
                    )
                )
                deadline = v.reaccept_by
                passed = deadline is not None and deadline < today
                chance = (0.9 if passed else 0.35) / (1 + 0.1 * (pace - 1))
                if passed:
                    lag = timedelta(days=pace * lognormal(rnd, 12.0, 0.8))
                    when = v.published_at + lag
                else:
                    when = between(rnd, v.published_at, now - timedelta(minutes=5))
                if rnd.random() < chance and when < now and p.status_at(when) == "active":
                    accept(v, when)
                    at = when
                    if v is last:
                        ok = True
                    continue
                if deadline is None:
                    continue
                soon = timezone.make_aware(
                    datetime.combine(deadline - timedelta(days=7), datetime.min.time())
                )
                if soon < now:
                    events.append(
                        AgreementEvent(
                            partner_id=p.pk,
                            kind=EventKind.REMINDED,
                            at=soon + timedelta(hours=6),
                            version=v,
                            detail=admin_to,
                        )
                    )
                if passed:
                    late = timezone.make_aware(
                        datetime.combine(deadline + timedelta(days=1), datetime.min.time())
                    )
                    if late < now:
                        events.append(
                            AgreementEvent(
                                partner_id=p.pk,
                                kind=EventKind.REMINDED,
                                at=late + timedelta(hours=6),
                                version=v,
                                detail=admin_to,
                            )
                        )
            p_ok = p_ok and ok
        p.agreements_ok = p_ok and p.status == "active"
    bulk_create_with_history(acceptances, Acceptance, batch_size=2000)
    AgreementEvent.objects.bulk_create(events, batch_size=2000)
    ctx.stats["acceptances"] += len(acceptances)


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
        first_day = max(_local_date(p.accepted), oldest)
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
                    completed = _local_date(p.first_use)
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


def _certified(recs: list[Rec], day: date, slugs: tuple[str, ...]) -> int:
    return len({r.email for r in recs if r.cert.slug in slugs and r.certified_on(day)})


# --- NFR requests and licenses ---------------------------------------------------------------------------------


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
        day0 = _local_date(at)
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
        day = _local_date(decided)
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
        lic_id = _uuid(rnd)
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
        if terminated is not None and _local_date(terminated) < expires:
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
            day = _local_date(issue)
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


# --- badges, business plans, enablement plans, partner certifications ------------------------------------------

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


BADGES_SINCE_DAYS = 182


def write_badges(ctx: Context, records: dict[int, list[Rec]], start: int) -> None:
    """Open Badges for the certifications earned in the last six months (badges started then): issued —
    approved by the channel program manager and signed as ``badges_sign`` signs them, the proof dated
    when it was issued — or, for the last week's, waiting for approval (``manual`` mode)."""
    from django.conf import settings

    from channelops.badges import keys
    from channelops.badges.models import Badge, BadgeStatus
    from channelops.badges.proofs import add_proof
    from channelops.badges.services import _reserve_indexes, credential_document, identity_hash

    rnd = ctx.rnd(start, "badges")
    today = ctx.today
    since = today - timedelta(days=BADGES_SINCE_DAYS)
    manager = ctx.staff.get("program")
    wanted = [
        r
        for recs in records.values()
        for r in recs
        if r.cert.grants_badge and r.completed >= since and r.certified_on(r.completed) and r.row is not None
    ]
    if not wanted:
        return
    key = ctx.badge_key
    slots = _reserve_indexes(len(wanted))
    badges = []
    for r, (list_id, index) in zip(wanted, slots, strict=True):
        salt = f"{rnd.getrandbits(128):032x}"
        created = min(
            ctx.now,
            timezone.make_aware(datetime.combine(r.completed + timedelta(days=1), datetime.min.time())),
        )
        b = Badge(
            id=_uuid(rnd),
            record_id=r.row.pk,
            partner_id=r.row.partner_id,
            certification=r.cert,
            holder_name=r.name[:150],
            status=BadgeStatus.PENDING,
            salt=salt,
            identity_hash=identity_hash(r.email, salt),
            status_list_id=list_id,
            status_index=index,
            valid_from=r.completed,
            valid_until=r.expires,
            created_at=created,
        )
        b._history_date = created  # type: ignore[attr-defined]
        recent = r.completed > today - timedelta(days=7) and settings.BADGE_APPROVAL == "manual"
        if key is not None and not recent:
            approved = created + timedelta(hours=rnd.uniform(2, 96))
            issued = min(ctx.now - timedelta(minutes=1), approved + timedelta(minutes=rnd.uniform(1, 10)))
            b.status, b.approved_at, b.approved_by, b.issued_at = (
                BadgeStatus.ISSUED,
                approved,
                manager,
                issued,
            )
            b.credential = add_proof(
                credential_document(b),
                private_key=key.private_key,
                verification_method=keys.verification_method(key.kid),
                created=issued.strftime("%Y-%m-%dT%H:%M:%SZ"),
            )
            b.key_id = key.kid
        badges.append(b)
    bulk_create_with_history(badges, Badge, batch_size=1000)
    ctx.stats["badges"] += len(badges)


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
                        by_date=_local_date(written) + timedelta(days=rnd.randint(120, 365)),
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
