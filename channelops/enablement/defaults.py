"""Default certification catalog (SPEC S6; the handbook's names).

Created after every migrate (and test flush) by ``ensure_defaults``; idempotent: rows that
exist, possibly edited by staff, are left alone.
"""

from __future__ import annotations

from typing import Any

CERTIFICATIONS = [
    {
        "slug": "solution-architect-core",
        "name": "Solution Architect Core",
        "exam_name": "Solution Architect Core exam",
        "description": "Designs and demonstrates solutions on the platform: training, lab and exam.",
        "badge_criteria": "Completed the Solution Architect Core training and lab and passed its exam.",
        "validity_months": 24,
    },
    {
        "slug": "professional-services-engineer",
        "name": "Professional Services Engineer",
        "exam_name": "Professional Services Engineer exam",
        "description": "Delivers implementation and migration services: training, lab and exam.",
        "badge_criteria": "Completed the Professional Services Engineer training and lab and passed its exam.",
        "validity_months": 24,
    },
    {
        "slug": "certified-trainer",
        "name": "Certified Trainer",
        "exam_name": "Trainer certification (teach-back and exam)",
        "description": "Teaches the official courses as a Certified Training Partner's trainer.",
        "badge_criteria": "Passed the trainer certification: the course exam and a supervised teach-back.",
        "validity_months": 24,
    },
]


def ensure_defaults(sender: Any = None, using: str = "default", **kwargs: Any) -> None:
    from .models import Certification

    for spec in CERTIFICATIONS:
        if not Certification.objects.using(using).filter(slug=spec["slug"]).exists():
            Certification.objects.using(using).create(**spec)
