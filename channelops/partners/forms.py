"""Forms of the registration pages: the public application form and the console's decisions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from channelops.accounts.models import User
from channelops.core.forms import add_service_errors

from .models import ApplicationStatus, Program, Region, Tier


class RegistrationForm(forms.Form):
    """A company applies to join the program (the service re-checks everything it relies on)."""

    company_name = forms.CharField(
        label=_("Company name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    website = forms.URLField(
        label=_("Company website"),
        max_length=300,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"autocomplete": "url"}),
        help_text=_("For example https://example.com"),
    )
    country = forms.CharField(
        label=_("Country"),
        max_length=2,
        widget=forms.TextInput(attrs={"autocomplete": "country", "size": 4}),
        help_text=_("Two-letter ISO code, for example DE or US."),
        validators=[RegexValidator(r"^[A-Za-z]{2}$", _("Use a two-letter ISO country code."))],
    )
    region = forms.ChoiceField(
        label=_("Region"),
        error_messages={"invalid_choice": _("Choose one of the regions offered.")},
    )
    programs = forms.ModelMultipleChoiceField(
        label=_("Partner types"),
        queryset=Program.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose partner types from the list.")},
    )
    first_name = forms.CharField(
        label=_("First name"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    email = forms.EmailField(
        label=_("Business e-mail address"),
        max_length=254,
        help_text=_("We send a confirmation link to this address."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone"), max_length=40, required=False, widget=forms.TextInput(attrs={"autocomplete": "tel"})
    )
    title = forms.CharField(
        label=_("Job title"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    message = forms.CharField(
        label=_("About the company"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Customers, markets and services you offer (optional)."),
    )
    agree = forms.BooleanField(
        label=_("I agree to be contacted by the channel team about this application."),
        error_messages={"required": _("Tick this box: we need to contact you about your application.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("Choose a region"))] + [  # type: ignore[attr-defined]
            (code, name)
            for code, name in Region.objects.filter(active=True).order_by("name").values_list("code", "name")
        ]

    def clean_country(self) -> str:
        return str(self.cleaned_data["country"]).strip().upper()

    def add_service_error(self, exc: Any) -> None:
        add_service_errors(self, exc)


APPLICATION_STATUS_FILTER = [
    *ApplicationStatus.choices,
    ("all", _("Any status")),
]


class ApplicationFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=APPLICATION_STATUS_FILTER,
        initial=ApplicationStatus.SUBMITTED,
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=200)

    def status_value(self) -> str:
        if self.is_bound and self.is_valid() and self.cleaned_data.get("status"):
            return str(self.cleaned_data["status"])
        return ApplicationStatus.SUBMITTED

    def query(self) -> str:
        if self.is_bound and self.is_valid():
            return str(self.cleaned_data.get("q") or "").strip()
        return ""


class _StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name} <{obj.email}>" if obj.full_name else obj.email


class ApproveForm(forms.Form):
    tier = forms.ModelChoiceField(label=_("Tier"), queryset=Tier.objects.order_by("rank"), empty_label=None)
    cam = _StaffChoiceField(
        label=_("Channel account manager"),
        queryset=User.objects.filter(is_staff=True, is_active=True).order_by("full_name", "email"),
        required=False,
        empty_label=_("Nobody yet"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:  # new partners start in the lowest tier
            self.fields["tier"].initial = Tier.objects.order_by("rank").values_list("pk", flat=True).first()


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (e-mailed to the applicant)"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Give the reason for the rejection: it is sent to the applicant.")},
    )
