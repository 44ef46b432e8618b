"""Filters of the partners app's console lists (django-filter)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Application, ApplicationStatus

ALL = "all"


def partner_id_filter() -> django_filters.NumberFilter:
    """``?partner=<id>``: a list narrowed to one partner's rows, as the console's partner page
    links to it ("See all N"). Hidden: the list's filter form keeps it without showing a field."""
    return django_filters.NumberFilter(field_name="partner_id", widget=forms.HiddenInput, min_value=1)


APPLICATION_STATUS_FILTER = [*ApplicationStatus.choices, (ALL, _("Any status"))]


class ApplicationFilter(django_filters.FilterSet):
    """Submitted applications by default (the queue); an unknown status falls back to it."""

    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=APPLICATION_STATUS_FILTER, method="filter_status", empty_label=None
    )
    q = django_filters.CharFilter(label=_("Company, domain or e-mail"), method="filter_q", max_length=200)

    class Meta:
        model = Application
        fields: list[str] = []

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        valid = {str(v) for v, _label in APPLICATION_STATUS_FILTER}
        if data is None or data.get("status") not in valid:
            data = data.copy() if data is not None else {}
            data["status"] = ApplicationStatus.SUBMITTED
        super().__init__(data, *args, **kwargs)

    def filter_status(self, queryset: Any, name: str, value: str) -> Any:
        return queryset if value == ALL else queryset.filter(status=value)

    def filter_q(self, queryset: Any, name: str, value: str) -> Any:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(company_name__icontains=value) | Q(company_domain__icontains=value) | Q(email__icontains=value)
        )
