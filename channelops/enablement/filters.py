"""Filters of the enablement list pages (django-filter)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy as _

from .models import CertState, PartnerCertification, PartnerCertificationStatus


class PartnerCertificationStatusFilter(django_filters.FilterSet):
    """State, certification, partner name (without a state the page leaves out "not certified":
    ``ConsolePartnerCertifications.get_queryset``)."""

    state = django_filters.ChoiceFilter(
        choices=CertState.choices, label=_("State"), empty_label=_("Any but not certified")
    )
    certification = django_filters.ChoiceFilter(
        field_name="certification__slug", label=_("Certification"), empty_label=_("Any")
    )
    q = django_filters.CharFilter(
        field_name="partner__legal_name", lookup_expr="icontains", label=_("Partner")
    )

    class Meta:
        model = PartnerCertificationStatus
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["certification"].extra["choices"] = [
            (c.slug, c.name) for c in PartnerCertification.objects.filter(active=True)
        ]
