"""What ``channelops.demo.plan`` plans for a batch (people, partners, applications: in memory,
no database), and the random and calendar helpers the planner and the writers
(``channelops.demo.writers``) share."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .names import Country

WINDOW_MONTHS = 18


@dataclass
class Person:
    first: str
    last: str
    email: str
    title: str
    role: str = ""  # "admin" | "user" | "" (a contact without a portal account)

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


@dataclass
class PartnerPlan:
    i: int
    crm: str
    name: str
    domain: str
    country: Country
    region: str
    tier: str
    first_tier: str
    tier_changed: datetime | None
    programs: list[str]
    phone: str
    created: datetime
    changes: list[tuple[str, str, datetime]]  # (from, to, at), oldest first
    people: list[Person]
    kind: str  # "applicant" (joined through an application) | "legacy" | "staff_added"
    activity: str = "none"
    first_sign_in: datetime | None = None
    accepted: datetime | None = None  # when its agreements were first accepted
    first_use: datetime | None = None  # first NFR request or first certification
    first_use_kind: str = ""  # "nfr" | "cert"
    pk: int = 0  # set once written
    agreements_ok: bool = False  # active, and every agreement accepted (or its re-acceptance still due)

    @property
    def status(self) -> str:
        return self.changes[-1][1]

    @property
    def website(self) -> str:
        return f"https://www.{self.domain}"

    @property
    def admin(self) -> Person | None:
        return next((p for p in self.people if p.role == "admin"), None)

    @property
    def users(self) -> list[Person]:
        return [p for p in self.people if p.role]

    def status_at(self, at: datetime) -> str:
        status = ""
        for _frm, to, when in self.changes:
            if when > at:
                break
            status = to
        return status

    def active_windows(self, since: datetime, until: datetime) -> list[tuple[datetime, datetime]]:
        """The intervals within [since, until] in which the partner was active."""
        out: list[tuple[datetime, datetime]] = []
        start: datetime | None = None
        for _frm, to, when in self.changes:
            if to == "active" and start is None:
                start = when
            elif to != "active" and start is not None:
                out.append((start, when))
                start = None
        if start is not None:
            out.append((start, until))
        return [(max(a, since), min(b, until)) for a, b in out if min(b, until) > max(a, since)]


@dataclass
class AppPlan:
    company: str
    domain: str
    country: Country
    region: str
    programs: list[str]
    person: Person
    phone: str
    created: datetime
    status: str  # unverified | submitted | approved | rejected
    verified: datetime | None = None
    decided: datetime | None = None
    reason: str = ""
    message: str = ""
    ip: str = ""
    token: str = ""
    partner: PartnerPlan | None = None

    @property
    def website(self) -> str:
        return f"https://www.{self.domain}"


@dataclass
class Batch:
    partners: list[PartnerPlan] = field(default_factory=list)
    applications: list[AppPlan] = field(default_factory=list)


def lognormal(rnd: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(rnd.gauss(0.0, sigma))


def month_starts(now: datetime, count: int = WINDOW_MONTHS) -> list[datetime]:
    """The first instant of the current month (index 0) and of the ``count - 1`` months before."""
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    out = [first]
    for _i in range(count - 1):
        first = (first - timedelta(days=1)).replace(day=1)
        out.append(first)
    return out


def between(rnd: random.Random, lo: datetime, hi: datetime) -> datetime:
    if hi <= lo:
        return lo
    return lo + timedelta(seconds=rnd.uniform(0, (hi - lo).total_seconds()))


def test_net_ip(rnd: random.Random) -> str:
    """An address from the documentation ranges (RFC 5737): never a real person's."""
    net = rnd.choice(("192.0.2", "198.51.100", "203.0.113"))
    return f"{net}.{rnd.randint(1, 254)}"
