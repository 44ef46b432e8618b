"""Reads for certifications and practitioner records (S6).

Every portal page and API endpoint starts from ``PractitionerRecord.objects.visible_to(user)``
(staff see every partner's records, partner people their own partner's).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .models import Certification, PractitionerRecord

EXPIRING_SOON_DAYS = 60


def certified_q(prefix: str = "", today: date | None = None) -> Q:
    """The condition of ``PractitionerRecordQuerySet.certified`` for a relation path ``prefix``."""
    today = today or timezone.localdate()
    p = prefix
    return (
        (Q(**{f"{p}training_completed": True}) | Q(**{f"{p}certification__requires_training": False}))
        & Q(**{f"{p}exam_passed": True, f"{p}completed_on__lte": today})
        & (Q(**{f"{p}expires_on__isnull": True}) | Q(**{f"{p}expires_on__gt": today}))
    )


def catalog_with_counts(today: date | None = None) -> QuerySet[Certification]:
    """The catalog, each certification annotated with ``certified_people``: distinct e-mail
    addresses certified today (one query)."""
    return Certification.objects.annotate(
        certified_people=Count("records__email", filter=certified_q("records__", today), distinct=True),
        record_count=Count("records", distinct=True),
    ).order_by("-active", "name")


def certified_people_count(partner: Any, names: list[str]) -> int:
    """People of ``partner`` certified today in one of the certifications named ``names``
    (the NFR eligibility certification source, registered in ``EnablementConfig.ready``)."""
    return (
        PractitionerRecord.objects.certified()
        .filter(partner_id=partner.pk, certification__name__in=list(names))
        .values("email")
        .distinct()
        .count()
    )


def records_for(user: Any) -> QuerySet[PractitionerRecord]:
    """The records ``user`` may see, with what the list pages show (certification, partner)."""
    return PractitionerRecord.objects.visible_to(user).select_related("certification", "partner")


def filter_records(
    qs: QuerySet[PractitionerRecord],
    *,
    partner_id: int | None = None,
    certification: str = "",
    email: str = "",
    certified: bool | None = None,
    expires_before: date | None = None,
    today: date | None = None,
) -> QuerySet[PractitionerRecord]:
    today = today or timezone.localdate()
    if partner_id:
        qs = qs.filter(partner_id=partner_id)
    if certification:
        qs = qs.filter(Q(certification__slug=certification) | Q(certification__name__iexact=certification))
    if email:
        qs = qs.filter(email__iexact=email.strip())
    if certified is True:
        qs = qs.filter(certified_q("", today))
    elif certified is False:
        qs = qs.exclude(certified_q("", today))
    if expires_before:
        qs = qs.filter(expires_on__isnull=False, expires_on__lt=expires_before)
    return qs


def expiring_soon(
    qs: QuerySet[PractitionerRecord], *, days: int = EXPIRING_SOON_DAYS, today: date | None = None
) -> QuerySet[PractitionerRecord]:
    """Certified records that expire within ``days``."""
    today = today or timezone.localdate()
    return qs.filter(certified_q("", today), expires_on__lte=today + timedelta(days=days)).order_by(
        "expires_on", "pk"
    )
