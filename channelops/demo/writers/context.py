"""What every batch of demo partners needs (loaded once), and small helpers the writers share."""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import timezone


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


def seeded_uuid(rnd: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rnd.getrandbits(128), version=4)


def local_date(at: datetime) -> date:
    return timezone.localdate(at)
