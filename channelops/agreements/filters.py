"""Filters of the agreement list pages (django-filter, used by ``core.listing.ListPage``)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy as _

from channelops.partners.filters import partner_id_filter

from .forms import LEGAL_STATUS_CHOICES
from .models import ExceptionStatus, LegalRequest, RegionException


class RegionExceptionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=ExceptionStatus.choices, empty_label=_("Any")
    )

    class Meta:
        model = RegionException
        fields: list[str] = []


class LegalRequestFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=LEGAL_STATUS_CHOICES, empty_label=_("Any"), method="filter_status"
    )

    partner = partner_id_filter()

    class Meta:
        model = LegalRequest
        fields: list[str] = []

    def filter_status(self, queryset: Any, name: str, value: str) -> Any:
        """ "open" means still being discussed: open or with a custom version offered."""
        return queryset.open() if value == "open" else queryset.filter(status=value)
