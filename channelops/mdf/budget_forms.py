"""Forms of the MDF budget, exchange-rate, report and results pages (the rules are in budget_services.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from channelops.partners.models import Partner, Region

from .models import ActivityType

QUARTERS = [(1, "Q1"), (2, "Q2"), (3, "Q3"), (4, "Q4")]


def _years(around: int) -> list[tuple[int, str]]:
    return [(y, f"FY{y % 100:02d}") for y in range(around + 1, around - 4, -1)]


class BudgetForm(forms.Form):
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.filter(active=True).order_by("code"), to_field_name="code"
    )
    fiscal_year = forms.TypedChoiceField(label=_("Fiscal year"), coerce=int, choices=[])
    quarter = forms.TypedChoiceField(label=_("Quarter"), coerce=int, choices=QUARTERS)
    amount = forms.DecimalField(label=_("Budgeted"), min_value=Decimal("0"), max_digits=14, decimal_places=2)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, current_year: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fiscal_year"].choices = _years(current_year)  # type: ignore[attr-defined]


class BudgetAmountForm(forms.Form):
    amount = forms.DecimalField(label=_("Budgeted"), min_value=Decimal("0"), max_digits=14, decimal_places=2)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class AllocationForm(forms.Form):
    partner = forms.ModelChoiceField(label=_("Partner"), queryset=Partner.objects.none())
    amount = forms.DecimalField(label=_("Allocated"), min_value=Decimal("0"), max_digits=14, decimal_places=2)

    def __init__(self, *args: Any, region_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qs = Partner.objects.order_by("legal_name")
        if region_id is not None:
            qs = qs.filter(region_id=region_id)
        self.fields["partner"].queryset = qs  # type: ignore[attr-defined]


class AllocationAmountForm(forms.Form):
    amount = forms.DecimalField(label=_("Allocated"), min_value=Decimal("0"), max_digits=14, decimal_places=2)


class ExchangeRateForm(forms.Form):
    currency = forms.CharField(label=_("Currency"), min_length=3, max_length=3)
    rate = forms.DecimalField(
        label=_("Rate"),
        min_value=Decimal("0.00000001"),
        max_digits=18,
        decimal_places=8,
        help_text=_("Program-currency units per unit of this currency."),
    )


class ReportFilterForm(forms.Form):
    fiscal_year = forms.TypedChoiceField(
        label=_("Fiscal year"), coerce=int, choices=[], required=False, empty_value=None
    )
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        coerce=int,
        choices=[("", _("All quarters")), *QUARTERS],
        required=False,
        empty_value=None,
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.order_by("code"),
        to_field_name="code",
        required=False,
        empty_label=_("All regions"),
    )

    def __init__(self, *args: Any, current_year: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fiscal_year"].choices = [("", _("All years")), *_years(current_year)]  # type: ignore[attr-defined]


class ResultsFilterForm(ReportFilterForm):
    activity_type = forms.ChoiceField(
        label=_("Activity type"),
        choices=[("", _("All activity types")), *ActivityType.choices],
        required=False,
    )


class ResultsForm(forms.Form):
    leads = forms.IntegerField(label=_("Leads"), min_value=0)
    pipeline = forms.DecimalField(
        label=_("Pipeline"),
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
        help_text=_("The value of the opportunities the activity created, in the program currency."),
    )


class ResultsCorrectionForm(ResultsForm):
    reason = forms.CharField(label=_("Reason for the correction"), max_length=500)
