"""Filters of the console's badge list (django-filter)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from channelops.enablement.models import Certification
from channelops.partners.filters import partner_id_filter

from .models import Badge, BadgeStatus


class BadgeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="holder_name", lookup_expr="icontains", label=_("Holder"))
    status = django_filters.ChoiceFilter(choices=BadgeStatus.choices, label=_("Status"), empty_label=_("Any"))
    certification = django_filters.ModelChoiceFilter(
        queryset=Certification.objects.order_by("name"), label=_("Certification"), empty_label=_("Any")
    )

    partner = partner_id_filter()

    class Meta:
        model = Badge
        fields: list[str] = []
