"""The filters of the licensing list pages (django-filter): the NFR queue and the console's licenses."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from channelops.partners.filters import partner_id_filter
from channelops.partners.models import Region

from .lifecycle import filter_status
from .models import License, NfrRequest, Plan, RequestStatus


class NfrQueueFilter(django_filters.FilterSet):
    """The console's NFR queue: search, status ("open" = submitted or needs information), region, plan."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("Partner, contact e-mail or NFR-…")}),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[("open", _("Open")), *RequestStatus.choices],
        empty_label=_("Any"),
        method="by_status",
    )
    region = django_filters.ChoiceFilter(
        label=_("Region"), field_name="partner__region__code", empty_label=_("Any"), choices=[]
    )
    plan = django_filters.ChoiceFilter(label=_("Plan"), choices=Plan.choices, empty_label=_("Any"))

    partner = partner_id_filter()

    class Meta:
        model = NfrRequest
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # One query for the regions, evaluated once (a callable would run on validation and again on rendering).
        self.filters["region"].extra["choices"] = [(r.code, r.name) for r in Region.objects.order_by("code")]

    def search(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        q = (value or "").strip()
        if not q:
            return qs
        ref = q.upper().removeprefix("NFR-")
        cond = Q(partner__legal_name__icontains=q) | Q(contact_email__icontains=q)
        if ref.isdigit():
            cond |= Q(pk=int(ref))
        return qs.filter(cond)

    def by_status(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        if value == "open":
            return qs.open()  # type: ignore[attr-defined]
        return qs.filter(status=value) if value else qs


LICENSE_STATUS_CHOICES = [
    ("active", _("Active")),
    ("expiring", _("Expiring soon")),
    ("expired", _("Expired")),
    ("revoked", _("Revoked")),
]


class LicenseFilter(django_filters.FilterSet):
    """The console's licenses: status (as :func:`license_status` computes it), search, expiring within N days."""

    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=LICENSE_STATUS_CHOICES, empty_label=_("Any status"), method="by_status"
    )
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("Partner, contact e-mail or license id")}),
    )
    within = django_filters.NumberFilter(
        label=_("Expiring within (days)"), method="expiring_within", min_value=0, max_value=3650
    )

    partner = partner_id_filter()

    class Meta:
        model = License
        fields: list[str] = []

    def by_status(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return filter_status(qs, value or "")

    def search(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        q = (value or "").strip()
        if not q:
            return qs
        cond = Q(partner__legal_name__icontains=q) | Q(contact_email__icontains=q)
        try:
            cond |= Q(pk=uuid.UUID(q))
        except ValueError:
            pass
        return qs.filter(cond)

    def expiring_within(self, qs: QuerySet, name: str, value: Any) -> QuerySet:
        if value is None:
            return qs
        today = timezone.localdate()
        return qs.filter(
            revoked_at__isnull=True, expires__gt=today, expires__lte=today + timedelta(days=int(value))
        )
