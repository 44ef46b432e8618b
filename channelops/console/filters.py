"""Filters of the console's list pages (django-filter)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy as _

from channelops.partners.models import Partner, PartnerStatus

from .forms import _choice_lists


class DirectoryFilter(django_filters.FilterSet):
    """The partner directory's filters. The choices (regions, tiers, programs, CAMs) come from a
    per-process memo, so a warm directory page costs no query for them (tests/test_console.py)."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_q", max_length=200)
    region = django_filters.ChoiceFilter(label=_("Region"), field_name="region__code", empty_label=_("Any"))
    tier = django_filters.ChoiceFilter(label=_("Tier"), field_name="tier__slug", empty_label=_("Any"))
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=PartnerStatus.choices, empty_label=_("Any")
    )
    program = django_filters.ChoiceFilter(
        label=_("Program"), field_name="programs__slug", empty_label=_("Any")
    )
    cam = django_filters.ChoiceFilter(label=_("CAM"), method="filter_cam", empty_label=_("Any"))

    class Meta:
        model = Partner
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions, tiers, programs, cams = _choice_lists()
        self.filters["region"].extra["choices"] = regions
        self.filters["tier"].extra["choices"] = tiers
        self.filters["program"].extra["choices"] = programs
        self.filters["cam"].extra["choices"] = [("none", _("Nobody")), *cams]

    def filter_q(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.search(value)

    def filter_cam(self, queryset: Any, name: str, value: str) -> Any:
        if value == "none":
            return queryset.filter(cam__isnull=True)
        return queryset.filter(cam_id=int(value)) if value.isdigit() else queryset
