"""Forms of the MDF proposal pages (the services validate the business rules; these parse input)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from channelops.core.forms import DateInput

from .models import ActivityType, Proposal, ProposalStatus


class ProposalForm(forms.Form):
    activity_type = forms.ChoiceField(label=_("Activity type"), choices=ActivityType.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What you will do, and how it helps sell the product."),
    )
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput())
    ends_on = forms.DateField(label=_("Ends on"), widget=DateInput())
    audience = forms.CharField(
        label=_("Audience"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    target_accounts = forms.CharField(
        label=_("Target accounts"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Companies you want to reach, one per line."),
    )
    entered_amount = forms.DecimalField(
        label=_("Requested amount"), min_value=0, max_digits=14, decimal_places=2
    )
    entered_currency = forms.ChoiceField(label=_("Currency"), choices=[])
    expected_leads = forms.IntegerField(label=_("Expected leads"), min_value=0, initial=0)
    expected_pipeline = forms.DecimalField(
        label=_("Expected pipeline"),
        min_value=0,
        max_digits=14,
        decimal_places=2,
        initial=0,
        help_text=_("In the program currency."),
    )
    reviewed_with_cam = forms.BooleanField(
        label=_("We reviewed this plan with our CAM"),
        required=False,
        help_text=_("Needed to send the proposal to your channel account manager."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from .services import currencies, program_currency

        super().__init__(*args, **kwargs)
        field = self.fields["entered_currency"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(c, c) for c in currencies()]
        self.fields["entered_currency"].initial = program_currency()


def proposal_initial(proposal: Proposal) -> dict[str, Any]:
    return {name: getattr(proposal, name) for name in ProposalForm.base_fields}


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    internal = forms.BooleanField(
        label=_("Internal (staff only)"),
        required=False,
        help_text=_("Internal comments are never shown to the partner."),
    )


class ChangesForm(forms.Form):
    comment = forms.CharField(
        label=_("What should the partner change?"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the partner reads it)"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ApproveForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Approved amount"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=_("Leave empty to approve the requested amount."),
    )
    comment = forms.CharField(
        label=_("Note to the partner (optional)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


STATUS_CHOICES = ProposalStatus.choices
