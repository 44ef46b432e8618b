from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from channelops.partners.models import Program, Region, Tier

from .querysets import PERIODS


class OverviewFilterForm(forms.Form):
    """The overview's filters; the parameter names and values are the directory's (region code,
    tier slug, program slug), so a figure's link carries them over."""

    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.order_by("code"),
        to_field_name="code",
        required=False,
        empty_label=_("All regions"),
    )
    tier = forms.ModelChoiceField(
        label=_("Tier"),
        queryset=Tier.objects.order_by("rank"),
        to_field_name="slug",
        required=False,
        empty_label=_("All tiers"),
    )
    program = forms.ModelChoiceField(
        label=_("Program"),
        queryset=Program.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label=_("All programs"),
    )
    months = forms.TypedChoiceField(
        label=_("Period"),
        choices=[(n, _("Last %(n)s months") % {"n": n}) for n in PERIODS],
        coerce=int,
        required=False,
        empty_value=None,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["months"].initial = 12
