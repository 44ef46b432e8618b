"""The filters of the licensing list pages (django-filter): the NFR queue and the console's licenses."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from channelops.core.forms import MonthInput
from channelops.partners.filters import partner_id_filter
from channelops.partners.models import Program, Region, Tier

from .lifecycle import filter_status
from .models import License, NfrRequest, Plan, RequestStatus


class NfrQueueFilter(django_filters.FilterSet):
    """The console's NFR queue: search, status ("open" = submitted or needs information), region,
    plan, tier, program and the month submitted."""

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
    tier = django_filters.ChoiceFilter(
        label=_("Tier"), field_name="partner__tier__slug", empty_label=_("Any"), choices=[]
    )
    program = django_filters.ChoiceFilter(
        label=_("Program"), field_name="partner__programs__slug", empty_label=_("Any"), choices=[]
    )
    month = django_filters.DateFilter(
        label=_("Submitted in"),
        method="submitted_in",
        input_formats=["%Y-%m"],
        widget=MonthInput(),
        error_messages={"invalid": _("Enter a month as YYYY-MM, e.g. 2026-05.")},
        help_text=_("A month, as YYYY-MM."),
    )

    partner = partner_id_filter()

    class Meta:
        model = NfrRequest
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # One query per list, evaluated once (a callable would run on validation and again on rendering).
        self.filters["region"].extra["choices"] = [(r.code, r.name) for r in Region.objects.order_by("code")]
        self.filters["tier"].extra["choices"] = [(t.slug, t.name) for t in Tier.objects.order_by("rank")]
        self.filters["program"].extra["choices"] = [
            (p.slug, p.name) for p in Program.objects.order_by("name")
        ]

    def submitted_in(self, qs: QuerySet, name: str, value: date | None) -> QuerySet:
        """Requests submitted in the local calendar month of ``value``: the overview's NFR pipeline
        links here (``?month=YYYY-MM``)."""
        if value is None:
            return qs
        first = datetime(value.year, value.month, 1)
        nxt = datetime(value.year + value.month // 12, value.month % 12 + 1, 1)
        return qs.filter(created_at__gte=timezone.make_aware(first), created_at__lt=timezone.make_aware(nxt))

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
