"""The partner certifications offered: the default rows (:func:`ensure_defaults`) and the settings that
shape them (invite-only period, reminder days, expiry warning).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.utils import timezone

from ...models import (
    Admission,
    Certification,
    PartnerCertification,
    PartnerCertificationRequirement,
)

# --- default data ------------------------------------------------------------------------------------

PARTNER_CERTIFICATIONS: list[dict[str, Any]] = [
    {
        "slug": "certified-professional-services-partner",
        "name": "Certified Professional Services Partner",
        "short_name": "PSP",
        "description": "Delivers professional services (implementation, migration) with certified engineers.",
        "position": 10,
        "admission": Admission.AUTOMATIC,
        "requirements": [
            ("professional-services-engineer", 2, "certified Professional Services Engineers"),
            ("solution-architect-core", 1, "certified Solution Architect Core"),
        ],
    },
    {
        "slug": "certified-training-partner",
        "name": "Certified Training Partner",
        "short_name": "CTP",
        "description": "Teaches the official courses with its own certified trainers.",
        "position": 20,
        "admission": Admission.ONBOARDING,
        "lapse_months": 6,
        "onboarding_template_slug": "certified-training-partner-onboarding",
        "requirements": [("certified-trainer", 2, "certified trainers")],
    },
]


def ensure_defaults(sender: Any = None, using: str = "default", **kwargs: Any) -> None:
    """Create the default partner certifications (idempotent: existing rows are left alone)."""
    for spec in PARTNER_CERTIFICATIONS:
        spec = dict(spec)
        requirements = spec.pop("requirements")
        if PartnerCertification.objects.using(using).filter(slug=spec["slug"]).exists():
            continue
        pc = PartnerCertification.objects.using(using).create(**spec)
        for cert_slug, count, label in requirements:
            cert = Certification.objects.using(using).filter(slug=cert_slug).first()
            if cert is not None:
                PartnerCertificationRequirement.objects.using(using).create(
                    partner_certification=pc, certification=cert, count=count, label=label
                )


# --- settings ----------------------------------------------------------------------------------------


def invite_only_until(pc: PartnerCertification) -> date | None:
    """The last day on which ``pc`` is invite-only (None: never invite-only)."""
    if pc.admission != Admission.ONBOARDING:
        return None
    return pc.invite_only_until or getattr(settings, "CTP_INVITE_ONLY_UNTIL", date(2021, 1, 31))


def applications_open(pc: PartnerCertification, today: date | None = None) -> bool:
    until = invite_only_until(pc)
    return pc.admission == Admission.ONBOARDING and (until is None or (today or timezone.localdate()) > until)


def reminder_days() -> tuple[int, ...]:
    return tuple(getattr(settings, "CTP_REMINDER_DAYS", (30, 7)))


def expiry_warning_days() -> int:
    return int(getattr(settings, "PARTNER_CERT_EXPIRY_WARNING_DAYS", 60))
