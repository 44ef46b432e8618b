"""Default review checklists and cadences (SPEC S9, the seed's help-desk cadences).

Created after every migrate (and test flush) by ``ensure_defaults``; idempotent: rows that
exist, possibly edited by staff, are left alone. Regions added later get their cadences on
the next ``reviews_materialise`` run (deactivate a cadence rather than deleting it).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .models import ReviewKind

# The cadence kinds that create reviews, and the review kinds each creates.
CADENCE_KINDS: dict[str, tuple[str, ...]] = {
    "review_weekly": (ReviewKind.WEEKLY_NEW_APPLICANT,),
    "review_monthly": (ReviewKind.MONTHLY_NEW_PARTNER,),
    "review_quarterly": (ReviewKind.QUARTERLY_OPEN, ReviewKind.QUARTERLY_SELECT),
}

CADENCE_START = date(2024, 1, 1)
# (slug prefix, name, cadence kind, RRULE)
CADENCES = [
    ("review-weekly", "PHD reviews, weekly (Fridays)", "review_weekly", "FREQ=WEEKLY;BYDAY=FR"),
    (
        "review-monthly",
        "PHD reviews, monthly (middle-of-the-month Friday)",
        "review_monthly",
        "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=12,13,14,15,16,17,18",
    ),
    (
        "review-quarterly",
        "PHD reviews, quarterly rotation (first Friday of each month)",
        "review_quarterly",
        "FREQ=MONTHLY;BYDAY=+1FR",
    ),
]

_CALL = "If it helps, reply to this e-mail and we will set up a short call with you and your channel account manager."

# kind → [(key, question, reminder text)]
CHECKLISTS: dict[str, list[tuple[str, str, str]]] = {
    ReviewKind.WEEKLY_NEW_APPLICANT: [
        ("company_real", "The company is real (website, business details)", ""),
        ("right_region", "The partner is in the right region", ""),
        (
            "welcome_email",
            "The welcome e-mail reached the primary user",
            "Your portal invitation has not been accepted yet. Open the invitation e-mail and choose a "
            "password: the portal is where you register deals, find training and download assets.",
        ),
        ("crm_link", "The CRM account link is right", ""),
        (
            "locator_admin",
            "The primary contact administers the partner's locator entry",
            "Your primary contact should be a partner admin: admins keep your partner locator entry "
            "current, which is how customers find you.",
        ),
        ("cam_owner", "The right channel account manager owns the account", ""),
        (
            "phone_set",
            "A phone number is set",
            "Please add your company's phone number to your company profile in the portal, so customers "
            "and our team can reach you.",
        ),
        ("deal_registration_access", "Deal-registration access is set", ""),
        (
            "agreement_accepted",
            "The click-through agreement is accepted",
            "Please accept the partner agreement in the portal (Agreements): until then your partnership "
            "cannot use the program's benefits.",
        ),
        (
            "crm_fields",
            "CRM account fields are right (track, status, contract-signed date, click-through accepted)",
            "",
        ),
        ("cam_notified", "The regional CAM got the new-partner notice", ""),
        (
            "flagged_to_cam",
            "Alliance partners and partners with contract questions were flagged to their CAM",
            "",
        ),
    ],
    ReviewKind.MONTHLY_NEW_PARTNER: [
        (
            "signed_in",
            "A user signed in last month",
            "Nobody from your company signed in to the partner portal last month. The portal is where you "
            "register deals, take training and find sales and marketing assets.",
        ),
        (
            "users_added",
            "Other users were added",
            "Add your sales and technical colleagues in the portal (Company → Users): each person gets "
            "their own training path and access to deal registration.",
        ),
        (
            "journeys",
            "Journeys were started or completed",
            "Your onboarding journeys in the portal walk you through the first steps of the program. "
            "Completing them unlocks the program's benefits sooner.",
        ),
        (
            "training",
            "Training was started or completed",
            "Training and certifications are required for your partner level and help you win deals. "
            "You find the courses in the portal.",
        ),
        ("deals", "Deals were registered or approved", ""),
    ],
}
_QUARTERLY = [
    ("training_requirements", "Training requirements for their level are done", ""),
    ("certified_people", "Certified people are still at the partner (ask the CAM or the partner)", ""),
    ("locator_current", "Locator entry, locations, logo, videos and papers are current", ""),
    (
        "primary_user_current",
        'The primary user is current (they receive "contact me" leads)',
        'Please check your primary contact in the portal: they receive the "contact me" leads from '
        "customers, so leads get lost when that person has left.",
    ),
    (
        "enough_admins",
        "Enough admins for deal registration and the locator",
        "Your company has only one partner admin. Please make a colleague admin too (Company → Users), "
        "so deal registration and your locator entry do not depend on one person.",
    ),
    ("deal_registered", "A deal was registered", ""),
    (
        "journeys",
        "Journey progress",
        "Some of your journeys in the portal have not progressed. Completing them unlocks the program's "
        "benefits sooner.",
    ),
    (
        "signed_in",
        "A user signed in last month",
        "Nobody from your company signed in to the partner portal last month. The portal is where you "
        "register deals, take training and find sales and marketing assets.",
    ),
    (
        "agreement_accepted",
        "Agreements are accepted",
        "A partner agreement is waiting for your acceptance in the portal (Agreements).",
    ),
    (
        "open_questions",
        "The partner's questions to the help desk are answered",
        "",
    ),
    ("case_study", "Notable new customers: suggest a case study to the CAM", ""),
]
CHECKLISTS[ReviewKind.QUARTERLY_SELECT] = _QUARTERLY
CHECKLISTS[ReviewKind.QUARTERLY_OPEN] = _QUARTERLY
CALL_OFFER = _CALL


def ensure_checklists(using: str = "default") -> None:
    from .models import ChecklistItem

    existing = set(ChecklistItem.objects.using(using).values_list("kind", "key"))
    new = [
        ChecklistItem(kind=kind, key=key, text=text, reminder=reminder, position=(i + 1) * 10)
        for kind, items in CHECKLISTS.items()
        for i, (key, text, reminder) in enumerate(items)
        if (str(kind), key) not in existing
    ]
    ChecklistItem.objects.using(using).bulk_create(new, ignore_conflicts=True)


def ensure_review_cadences(using: str = "default") -> None:
    """One cadence of each default kind per region (slug ``review-weekly-emea`` …)."""
    from channelops.partners.models import Region
    from channelops.work.models import Cadence, HolidayPolicy

    regions = list(Region.objects.using(using).order_by("code"))
    existing = set(
        Cadence.objects.using(using).filter(slug__startswith="review-").values_list("slug", flat=True)
    )
    new = []
    for region in regions:
        for prefix, name, kind, rule in CADENCES:
            slug = f"{prefix}-{region.code.lower().replace('_', '-')}"
            if slug in existing:
                continue
            new.append(
                Cadence(
                    slug=slug,
                    name=f"{name} — {region.code}",
                    kind=kind,
                    rule=rule,
                    start=CADENCE_START,
                    region=region,
                    holiday_policy=HolidayPolicy.BEFORE,
                    holiday_country="",
                )
            )
    Cadence.objects.using(using).bulk_create(new, ignore_conflicts=True)


def ensure_defaults(sender: Any = None, using: str = "default", **kwargs: Any) -> None:
    ensure_checklists(using)
    ensure_review_cadences(using)
