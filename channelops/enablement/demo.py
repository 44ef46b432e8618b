"""Demo data for enablement (called by ``channelops demo``; idempotent).

Acme: three certified practitioners (two Professional Services Engineers — one expiring soon —
and a Solution Architect Core), an enablement plan and a submitted business plan — so it meets
the Certified Professional Services Partner requirements and its award work item is open for the
CAM; its people's badges wait for the channel program manager's approval (or are signed, in
``auto`` mode). Globex: one Solution Architect Core, and no business plan yet.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone


def demo_enablement(*, partners: dict[str, Any]) -> None:
    from channelops.accounts.models import User

    from .models import Certification, PractitionerRecord
    from .services.plans import business_plan_save, business_plan_submit, enablement_plan_entry_add
    from .services.records import practitioner_records_import

    acme, globex = partners["acme"], partners["globex"]
    if PractitionerRecord.objects.filter(partner__in=[acme, globex]).exists():
        return
    today = timezone.localdate()
    rows = [
        ("alice@acme.example", "Alice Acme", acme, "professional-services-engineer", 400),
        (
            "marco@acme.example",
            "Marco Rossi",
            acme,
            "professional-services-engineer",
            700,
        ),  # expires in ~30 days
        ("user@acme.example", "Bob Acme", acme, "solution-architect-core", 90),
        ("grace@globex.example", "Grace Globex", globex, "solution-architect-core", 30),
    ]
    items = [
        (
            i,
            {
                "email": email,
                "name": name,
                "partner": str(partner.pk),
                "certification": slug,
                "training_completed": "yes",
                "exam_passed": "yes",
                "exam_score": "86",
                "completed_on": (today - timedelta(days=days_ago)).isoformat(),
                "external_id": f"LMS-DEMO-{i}",
            },
        )
        for i, (email, name, partner, slug, days_ago) in enumerate(rows, start=1)
    ]
    alice = User.objects.get(email="admin@acme.example")
    sac = Certification.objects.get(slug="solution-architect-core")
    pse = Certification.objects.get(slug="professional-services-engineer")
    enablement_plan_entry_add(
        partner=acme,
        by=alice,
        full_name="Nina Newcomer",
        email="nina@acme.example",
        certification=sac,
        target_date=today + timedelta(days=60),
        note="Starts the training next month.",
    )
    business_plan_save(
        partner=acme,
        by=alice,
        sections={
            "target_customers": "Mid-size manufacturers in the DACH region.",
            "services_offered": "Migrations, CI/CD pipeline design, platform health checks.",
            "go_to_market": "Joint webinars with the vendor; two events a year.",
            "resourcing": "Four engineers today, two more hired by Q3.",
            "certification_summary": "Every delivery engineer certified within six months of joining.",
        },
        targets=[
            {"certification": pse.pk, "people": 3, "by_date": (today + timedelta(days=180)).isoformat()},
            {"certification": sac.pk, "people": 2, "by_date": (today + timedelta(days=120)).isoformat()},
        ],
    )
    business_plan_submit(partner=acme, by=alice)
    # last: the records' signal re-evaluates Acme (now with a business plan) and creates the badges
    practitioner_records_import(rows=items, source="import", by=None)
