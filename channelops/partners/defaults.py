"""Default regions, tiers and programs of SPEC S2, created after every migrate (and test flush).

Idempotent: existing rows (possibly edited by staff) are left alone.
"""

from __future__ import annotations

from typing import Any

REGIONS = [("AMER", "AMER"), ("EMEA", "EMEA"), ("APAC", "APAC"), ("PUBSEC", "Public Sector")]
TIERS = [("Open", "open", 10), ("Select", "select", 20)]
# (tier slug, label, value, description): the benefits shown on the portal home (SPEC S2/S7 figures).
TIER_BENEFITS = [
    ("open", "NFR allowance", "10 licensed users", "Not-for-resale licenses for demos and labs."),
    ("open", "MDF eligibility", "Not eligible", "Market development funds start at the Select tier."),
    ("open", "Logo use", "Partner logo", "Use the partner logo on your website and materials."),
    ("open", "Partner locator", "Listed", "Customers find you in the partner locator."),
    ("select", "NFR allowance", "25 licensed users", "Not-for-resale licenses for demos and labs."),
    ("select", "MDF eligibility", "Eligible", "Apply for market development funds with your CAM."),
    ("select", "Logo use", "Select partner logo", "Use the Select partner logo and co-branded materials."),
    ("select", "Partner locator", "Featured", "Listed first in the partner locator."),
]
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
    ensure_tier_benefits(using)
    for name, slug, desc in PROGRAMS:
        Program.objects.using(using).get_or_create(slug=slug, defaults={"name": name, "description": desc})


def ensure_tier_benefits(using: str = "default", *, apps: Any = None) -> None:
    """The default benefits of a tier that has none yet (staff edits and deletions stay as they are:
    a tier with any benefit is left alone)."""
    from . import models

    tier_model: Any = apps.get_model("partners", "Tier") if apps else models.Tier
    benefit_model: Any = apps.get_model("partners", "TierBenefit") if apps else models.TierBenefit
    tiers = {t.slug: t for t in tier_model.objects.using(using).all()}
    has = set(benefit_model.objects.using(using).values_list("tier__slug", flat=True).distinct())
    rows = [
        benefit_model(tier=tiers[slug], label=label, value=value, description=desc, position=i)
        for i, (slug, label, value, desc) in enumerate(TIER_BENEFITS)
        if slug in tiers and slug not in has
    ]
    benefit_model.objects.using(using).bulk_create(rows)
