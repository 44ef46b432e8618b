"""Default regions, tiers and programs of SPEC S2, created after every migrate (and test flush).

Idempotent: existing rows (possibly edited by staff) are left alone.
"""

from __future__ import annotations

from typing import Any

REGIONS = [("AMER", "AMER"), ("EMEA", "EMEA"), ("APAC", "APAC"), ("PUBSEC", "Public Sector")]
TIERS = [("Open", "open", 10), ("Select", "select", 20)]
PROGRAMS = [
    ("Reseller", "reseller", "Resells the vendor's subscriptions."),
    ("Managed service provider", "msp", "Runs the product for its customers."),
    ("Referral", "referral", "Refers customers to the vendor."),
    ("Certified service partner", "csp", "Delivers certified professional services."),
    ("Certified training partner", "ctp", "Delivers training with the vendor's materials."),
]


def ensure_defaults(sender: Any = None, using: str = "default", **kwargs: Any) -> None:
    from .models import Program, Region, RegionRouting, Tier

    for code, name in REGIONS:
        region, _ = Region.objects.using(using).get_or_create(code=code, defaults={"name": name})
        RegionRouting.objects.using(using).get_or_create(region=region)
    for name, slug, rank in TIERS:
        if (
            not Tier.objects.using(using).filter(slug=slug).exists()
            and not Tier.objects.using(using).filter(rank=rank).exists()
        ):
            Tier.objects.using(using).create(slug=slug, name=name, rank=rank)
    for name, slug, desc in PROGRAMS:
        Program.objects.using(using).get_or_create(slug=slug, defaults={"name": name, "description": desc})
