"""The story of the generated demo partners, planned in memory (deterministic, no database).

A batch of generated partners is planned before anything is written (``plan_batch``): who each
partner is (:mod:`channelops.demo.names`), when it joined and how its status moved since, and the
applications of the last 18 months — the approved ones that became these partners and those that
did not (rejected, never verified, waiting). Everything is relative to ``now``, drawn from a
``random.Random`` seeded with the seed and the batch's first index, and from Faker instances
seeded the same way, so the same command on an empty database plans the same partners.

The program in numbers (see docs/demo.md, "The story"):

* partners joined over six years; 42% joined through an application in the last 18 months,
  the others were registered by staff before (no application); 2% were registered by a CAM in
  the last two months and are still "applied";
* per approved application about 0.75 that did not become a partner: about two weeks' worth are
  still open (verified and waiting, or waiting for the e-mail verification), of the others 60% were
  rejected and 40% never verified;
* regions move at their own pace (``PACE``): decisions, first sign-ins and acceptances take
  longer in EMEA, APAC and the public sector than in AMER;
* after joining: 88% of approved partners sign in (median about a day after approval), 88% of
  those accept their agreements (most in the same session), 60% of those request NFR licenses or
  certify someone within months; 8% of partners were suspended at some time (40% of them
  reactivated, 25% terminated later) and 5% were terminated.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from .names import REGION_WEIGHTS, Country, Namer, person_email, pick_country
from .planned import (
    WINDOW_MONTHS,
    AppPlan,
    Batch,
    PartnerPlan,
    Person,
    between,
    lognormal,
    month_starts,
    test_net_ip,
)

HISTORY_DAYS = 6 * 365
RECENT_SHARE = 0.42
STAFF_ADDED_SHARE = 0.02
OTHER_APPLICATIONS = 0.75
PACE = {"AMER": 1.0, "EMEA": 1.4, "APAC": 1.7, "PUBSEC": 2.4}

# Engagement: share of partners, chance to be active in a month, weight of an active month.
ACTIVITY = {
    "champion": (0.05, 0.80, 3.0),
    "regular": (0.10, 0.40, 1.5),
    "occasional": (0.25, 0.08, 0.7),
    "dormant": (0.60, 0.01, 0.5),
}

PROGRAM_WEIGHTS = {"reseller": 55, "referral": 20, "csp": 12, "msp": 10, "ctp": 3}

TITLES = (
    "Managing Director",
    "Sales Director",
    "Account Executive",
    "Solutions Architect",
    "Presales Engineer",
    "Marketing Manager",
    "Technical Lead",
    "Operations Manager",
    "Consultant",
    "Senior Consultant",
    "Support Engineer",
    "Finance Manager",
    "Chief Technology Officer",
    "Service Delivery Manager",
)
ADMIN_TITLES = ("Partner Manager", "Alliance Manager", "Managing Director", "Head of Partnerships")

REJECTION_REASONS = (
    "We could not confirm the company from its website and business register entry.",
    "The company sells in a territory our program does not cover yet.",
    "A partner of the same group already covers this market: please join through them.",
    "The company is a competitor's exclusive partner.",
    "The application was a duplicate of one we already approved.",
)
APPLICATION_MESSAGES = (
    "We are a systems integrator and want to add the platform to our portfolio.",
    "Our customers ask for the product; we would like to resell and support it.",
    "We run managed services for mid-size companies and want to offer the product.",
    "We refer customers to the vendor today and would like to formalise it.",
    "",
)


class Planner:
    """Plans batches of partners; ``fakers(locale)`` returns a Faker seeded for the batch."""

    def __init__(
        self,
        *,
        seed: int,
        now: datetime,
        namer: Namer,
        faker_for: Callable[[str], Any],
        contacts_per_partner: int,
        phone: Callable[[str, random.Random], str],
    ) -> None:
        self.seed = seed
        self.now = now
        self.namer = namer
        self.faker_for = faker_for
        self.contacts = contacts_per_partner
        self.phone = phone
        self.months = month_starts(now)
        self.window_start = self.months[-1]

    # --- identity ---------------------------------------------------------------------------------

    def _identity(self, rnd: random.Random) -> tuple[str, Country, Any, str, str]:
        region = rnd.choices(list(REGION_WEIGHTS), weights=list(REGION_WEIGHTS.values()))[0]
        country = pick_country(region, rnd)
        fake = self.faker_for(country.locale)
        name = self.namer.company(fake, rnd)
        domain = self.namer.domain(name, country, rnd)
        return region, country, fake, name, domain

    def _people(
        self, fake: Any, domain: str, rnd: random.Random, users: int, count: int, first: Person | None = None
    ) -> list[Person]:
        """``max(count, users)`` people on ``domain``: the first ``users`` have portal accounts (the
        first of them the partner admin — ``first`` when given, e.g. the applicant)."""
        taken: set[str] = set()
        people = []
        for j in range(max(count, users)):
            role = "admin" if j == 0 and users else ("user" if j < users else "")
            if j == 0 and first is not None:
                taken.add(first.email)
                people.append(Person(first.first, first.last, first.email, first.title, role))
                continue
            given, family = fake.first_name(), fake.last_name()
            title = rnd.choice(ADMIN_TITLES if role == "admin" else TITLES)
            people.append(Person(given, family, person_email(given, family, domain, taken), title, role))
        return people

    def _programs(self, rnd: random.Random) -> list[str]:
        slugs, weights = list(PROGRAM_WEIGHTS), list(PROGRAM_WEIGHTS.values())
        first = rnd.choices(slugs, weights=weights)[0]
        out = [first]
        if rnd.random() < 0.35:
            second = rnd.choices(slugs, weights=weights)[0]
            if second != first:
                out.append(second)
        return out

    # --- applications -----------------------------------------------------------------------------

    def _month_range(self, m: int) -> tuple[datetime, datetime]:
        lo = self.months[m]
        hi = self.months[m - 1] if m > 0 else self.now
        return lo, min(hi, self.now)

    def _months(self, rnd: random.Random, count: int) -> list[int]:
        """Months (0 = this one) for ``count`` applications: months 1–17 once each first, in random
        order, then more in recent months than in older ones (the program grows)."""
        first = list(range(1, WINDOW_MONTHS))
        rnd.shuffle(first)
        weights = [1.0 + 0.6 * (WINDOW_MONTHS - 1 - m) / (WINDOW_MONTHS - 1) for m in range(WINDOW_MONTHS)]
        rest = rnd.choices(range(WINDOW_MONTHS), weights=weights, k=max(0, count - len(first)))
        return (first + rest)[:count]

    def _dated(self, rnd: random.Random, m: int, before_now: timedelta) -> datetime:
        """An instant in month ``m`` at least ``before_now`` before now (an earlier month when this
        one has no such instant: only the current month, early in it)."""
        for month in range(m, WINDOW_MONTHS):
            lo, hi = self._month_range(month)
            hi = min(hi, self.now - before_now)
            if hi > lo:
                return between(rnd, lo, hi)
        return self.window_start

    def _application(
        self, rnd: random.Random, status: str, month: int | None, *, first_pending: bool = False
    ) -> AppPlan:
        region, country, fake, name, domain = self._identity(rnd)
        [person] = self._people(fake, domain, rnd, users=1, count=1)
        pace = PACE[region]
        verify = timedelta(minutes=2) + timedelta(hours=min(48.0, rnd.expovariate(1 / 4)))
        decide = timedelta(days=min(40.0, max(0.1, pace * lognormal(rnd, 2.0, 0.7))))
        app = AppPlan(
            company=name,
            domain=domain,
            country=country,
            region=region,
            programs=self._programs(rnd),
            person=person,
            phone=self.phone(country.code, rnd),
            created=self.now,
            status=status,
            message=rnd.choice(APPLICATION_MESSAGES),
            ip=test_net_ip(rnd),
            token=f"{rnd.getrandbits(128):032x}",
        )
        if status in ("approved", "rejected"):
            app.created = self._dated(rnd, month or 0, verify + timedelta(hours=2))
            app.verified = app.created + verify
            # decided by now: a late application in its month is decided sooner
            app.decided = min(app.verified + decide, self.now - timedelta(hours=rnd.uniform(0.5, 1.5)))
            if status == "rejected":
                app.reason = rnd.choice(REJECTION_REASONS)
        elif status == "expired":  # never verified; the link has expired
            app.created = self._dated(rnd, month or 0, timedelta(days=8))
            app.status = "unverified"
        else:  # waiting: verified and in the queue, or waiting for the verification
            if first_pending:
                lo, hi = self._month_range(0)
                app.created = between(rnd, lo, min(hi, self.now - timedelta(minutes=30)))
            else:
                days = 12.0 if status == "submitted" else 6.0
                app.created = self.now - timedelta(days=rnd.uniform(0.05, days))
            if status == "submitted":
                app.verified = min(app.created + verify, self.now - timedelta(minutes=1))
        return app

    # --- partners ---------------------------------------------------------------------------------

    def _lifecycle(self, rnd: random.Random, kind: str, created: datetime) -> list[tuple[str, str, datetime]]:
        now = self.now
        if kind == "staff_added":
            return [("", "applied", created)]
        if kind == "applicant":
            changes = [("", "active", created)]
            since = created + timedelta(days=60)
            if rnd.random() < 0.03 and since < now - timedelta(days=2):
                changes += self._suspension(rnd, since)
            return changes
        changes = [("", "applied", created)]
        if rnd.random() < 0.03:
            return changes + [("applied", "terminated", created + timedelta(days=rnd.uniform(20, 90)))]
        active = created + timedelta(days=rnd.uniform(2, 30))
        changes.append(("applied", "active", active))
        r = rnd.random()
        since = max(active + timedelta(days=90), now - timedelta(days=3 * 365))
        if r < 0.05 and since < now:
            changes.append(("active", "terminated", between(rnd, since, now - timedelta(days=1))))
        elif r < 0.13 and since < now:
            changes += self._suspension(rnd, since)
        return changes

    def _suspension(self, rnd: random.Random, since: datetime) -> list[tuple[str, str, datetime]]:
        at = between(rnd, since, self.now - timedelta(days=2))
        out = [("active", "suspended", at)]
        r = rnd.random()
        back = at + timedelta(days=rnd.uniform(20, 120))
        end = at + timedelta(days=rnd.uniform(30, 200))
        if r < 0.40 and back < self.now:
            out.append(("suspended", "active", back))
        elif r < 0.65 and end < self.now:
            out.append(("suspended", "terminated", end))
        return out

    def _partner(self, rnd: random.Random, i: int, kind: str, app: AppPlan | None) -> PartnerPlan:
        now = self.now
        if app is not None:
            region, country, name, domain = app.region, app.country, app.company, app.domain
            fake = self.faker_for(country.locale)
            created = app.decided or now
            programs = list(app.programs)
            phone = app.phone
        else:
            region, country, fake, name, domain = self._identity(rnd)
            if kind == "staff_added":
                created = now - timedelta(days=rnd.uniform(1, 60))
            else:
                days = rnd.uniform(WINDOW_MONTHS * 30.5 + 1, HISTORY_DAYS)
                created = now - timedelta(days=days)
            programs = self._programs(rnd)
            if kind == "legacy" and i % 3 == 1 and "csp" not in programs:
                # a steady share of the established partners deliver services, so even a small
                # demo has service partners that hold (or are working towards) their certification
                programs = ["csp", *programs[:1]]
            phone = self.phone(country.code, rnd)
        changes = self._lifecycle(rnd, kind, created)
        select = rnd.random() < {"legacy": 0.38, "applicant": 0.10}.get(kind, 0.05)
        tier = first_tier = "select" if select else "open"
        tier_changed = None
        if select and rnd.random() < 0.35 and now - created > timedelta(days=200):
            first_tier = "open"
            tier_changed = between(rnd, created + timedelta(days=180), now - timedelta(days=1))
        ever_active = any(to == "active" for _f, to, _a in changes)
        activity = "none"
        if ever_active:
            names = list(ACTIVITY)
            activity = rnd.choices(names, weights=[ACTIVITY[n][0] for n in names])[0]
        users = 0
        if ever_active:
            users = 1 + (rnd.random() < (0.8 if activity == "champion" else 0.35))
        # an applicant's admin is the person who applied (application_approve adds them)
        first = app.person if app is not None else None
        people = self._people(fake, domain, rnd, users=users, count=self.contacts, first=first)
        plan = PartnerPlan(
            i=i,
            crm=f"DEMO-P{i:07d}",
            name=name,
            domain=domain,
            country=country,
            region=region,
            tier=tier,
            first_tier=first_tier,
            tier_changed=tier_changed,
            programs=programs,
            phone=phone,
            created=created,
            changes=changes,
            people=people,
            kind=kind,
            activity=activity,
        )
        self._milestones(rnd, plan)
        return plan

    def _milestones(self, rnd: random.Random, p: PartnerPlan) -> None:
        """First sign-in, first acceptance and first use (NFR request or certification)."""
        if p.activity == "none":
            return
        now, pace = self.now, PACE[p.region]
        active_from = next(at for _f, to, at in p.changes if to == "active")
        if p.kind == "applicant":
            if rnd.random() >= 0.88:
                p.activity = "none"  # approved, but nobody ever signed in
                return
            lag = timedelta(days=pace * lognormal(rnd, 0.8, 0.9), hours=rnd.uniform(0.2, 6))
            p.first_sign_in = min(active_from + lag, now - timedelta(minutes=10))
            if rnd.random() >= 0.88:
                return
            if rnd.random() < 0.55:
                lag = timedelta(minutes=rnd.uniform(2, 40))  # in the same session
            else:
                lag = timedelta(days=pace * lognormal(rnd, 3.0, 1.0))
            accepted = p.first_sign_in + lag
        else:
            p.first_sign_in = active_from + timedelta(days=lognormal(rnd, 1.0, 0.8))
            if rnd.random() >= 0.97:
                return
            accepted = p.first_sign_in + timedelta(days=lognormal(rnd, 4.0, 1.0))
        if accepted >= now - timedelta(minutes=5) or p.status_at(accepted) != "active":
            return
        p.accepted = accepted
        if rnd.random() < 0.60:
            use = accepted + timedelta(days=lognormal(rnd, 30.0, 0.8))
            if use < now - timedelta(days=1) and p.status_at(use) == "active":
                p.first_use = use
                p.first_use_kind = "nfr" if rnd.random() < 0.65 else "cert"

    # --- the batch ----------------------------------------------------------------------------------

    def plan(self, start: int, end: int) -> Batch:
        rnd = random.Random(f"{self.seed}:{start}:partners")
        n = end - start
        order = list(range(n))
        recent = set(rnd.sample(order, round(n * RECENT_SHARE)))
        rest = [k for k in order if k not in recent]
        staff_added = set(rnd.sample(rest, min(len(rest), round(n * STAFF_ADDED_SHARE))))
        n_other = round(len(recent) * OTHER_APPLICATIONS)
        # about two weeks of applications are still open (waiting for verification or a decision)
        n_pending = min(n_other, max(1, round((len(recent) + n_other) / WINDOW_MONTHS * 0.45)))
        n_rejected = round((n_other - n_pending) * 0.6)
        n_expired = n_other - n_pending - n_rejected
        dated = ["approved"] * len(recent) + ["rejected"] * n_rejected + ["expired"] * n_expired
        months = self._months(rnd, len(dated))
        batch = Batch()
        approved: list[AppPlan] = []
        for status, month in zip(dated, months, strict=True):
            app = self._application(rnd, status, month)
            batch.applications.append(app)
            if status == "approved":
                approved.append(app)
        for k in range(n_pending):
            status = "submitted" if k % 3 != 2 else "unverified"
            batch.applications.append(self._application(rnd, status, None, first_pending=k == 0))
        by_order = iter(approved)
        for k in order:
            kind = "applicant" if k in recent else ("staff_added" if k in staff_added else "legacy")
            applied = next(by_order) if kind == "applicant" else None
            plan = self._partner(rnd, start + k, kind, applied)
            if applied is not None:
                applied.partner = plan
            batch.partners.append(plan)
        return batch
