"""Filters of the console work pages (django-filter): the board and the journeys list."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import PartnerLookupField, PersonChoiceField, staff_people
from .models import Label, Milestone, Project
from .querysets import overdue_filter


class PartnerFilter(django_filters.Filter):
    """Items about one partner, typed as "Name (#id)", an id or a unique part of the name.

    To switch to ``channelops.partners.forms.PartnerChoiceField`` when it lands, change
    ``field_class`` here (and ``forms.partner_field``)."""

    field_class = PartnerLookupField

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("field_name", "partner")
        kwargs.setdefault("label", _("Partner"))
        kwargs.setdefault("help_text", "")
        super().__init__(**kwargs)


class OverdueFilter(django_filters.Filter):
    """A checkbox: only items with an open task past its due date."""

    field_class = forms.BooleanField

    def filter(self, qs: Any, value: Any) -> Any:
        return qs.filter(overdue_filter()) if value else qs


class PersonFilter(django_filters.ModelChoiceFilter):
    field_class = PersonChoiceField


class WorkBoardFilter(django_filters.FilterSet):
    project = django_filters.ModelChoiceFilter(
        queryset=Project.objects.all(), label=_("Project"), empty_label=_("All")
    )
    label = django_filters.ModelChoiceFilter(
        field_name="labels", queryset=Label.objects.all(), label=_("Label"), empty_label=_("All")
    )
    milestone = django_filters.ModelChoiceFilter(
        queryset=Milestone.objects.order_by("-start"), label=_("Milestone"), empty_label=_("All")
    )
    partner = PartnerFilter()
    dri = PersonFilter(queryset=staff_people(), label=_("DRI"), empty_label=_("Anyone"))
    overdue = OverdueFilter(label=_("Only items with overdue tasks"))


class JourneyFilter(django_filters.FilterSet):
    partner = PartnerFilter()
    overdue = OverdueFilter(label=_("Only journeys with overdue tasks"))
