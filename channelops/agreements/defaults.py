"""The default agreement set of SPEC S3, created after every migrate (and test flush).

Idempotent: a template that exists (possibly edited by staff) is left alone; version 1
is created and published from the Markdown files in ``defaults/`` only when the
template has no version yet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

TEXTS = Path(__file__).parent / "defaults"

# slug, name, kind, required for every partner, partner types (program slugs), position, summary, text file
TEMPLATES = [
    (
        "master-partner-agreement",
        "Master Partner Agreement",
        "agreement",
        True,
        [],
        10,
        "Terms for all reseller, services and referral partners.",
        "master.md",
    ),
    (
        "reseller-addendum",
        "Reseller Addendum",
        "addendum",
        False,
        ["reseller"],
        20,
        "Resale and renewal; required to resell.",
        "reseller.md",
    ),
    (
        "referral-services-addendum",
        "Referral/Services Addendum",
        "addendum",
        False,
        ["referral", "csp"],
        30,
        "Required to offer services or refer customers.",
        "referral_services.md",
    ),
    (
        "managed-services-agreement",
        "Managed Services Provider Agreement",
        "agreement",
        False,
        ["msp"],
        40,
        "Required to run the product for customers as a managed service.",
        "msp.md",
    ),
    (
        "training-partner-addendum",
        "Training Partner Addendum",
        "addendum",
        False,
        ["ctp"],
        50,
        "Required to deliver training with the vendor's materials.",
        "training.md",
    ),
]


def ensure_defaults(sender: Any = None, using: str = "default", **kwargs: Any) -> None:
    from django.utils import timezone

    from channelops.partners.models import Program

    from .models import AgreementTemplate, AgreementVersion, VersionStatus, content_hash

    for slug, name, kind, for_all, programs, position, summary, filename in TEMPLATES:
        template, created = AgreementTemplate.objects.using(using).get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "kind": kind,
                "required_for_all": for_all,
                "position": position,
                "summary": summary,
            },
        )
        if created and programs:
            template.programs.set(Program.objects.using(using).filter(slug__in=programs))
        if not AgreementVersion.objects.using(using).filter(template=template).exists():
            body = (TEXTS / filename).read_text(encoding="utf-8")
            AgreementVersion.objects.using(using).create(
                template=template,
                number=1,
                body=body,
                content_hash=content_hash(body),
                status=VersionStatus.PUBLISHED,
                published_at=timezone.now(),
                change_summary="Initial version",
            )
