"""Forms of the enablement pages (catalog, imports, partner certifications, plans)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Certification
from .services.importing import MB, too_large_message
from .services.records import CERTIFICATION_FIELDS

# --- catalog and practitioner imports (views/records.py) ---


class CertificationForm(forms.ModelForm):
    class Meta:
        model = Certification
        fields = list(CERTIFICATION_FIELDS)


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File (CSV or XLSX)"))
    valid_rows = forms.BooleanField(
        label=gettext_lazy("Import the valid rows even if some rows have errors"),
        required=False,
        help_text=gettext_lazy("Unticked: a file with any error changes nothing, and the errors are listed."),
    )
    partner_column = forms.CharField(
        label=gettext_lazy("Partner column"),
        required=False,
        max_length=60,
        help_text=gettext_lazy("Empty: “partner” (a partner id or CRM account id), else “crm_account_id”."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "Columns: email, name, partner (or crm_account_id), certification, training_completed, "
            "exam_passed, exam_score, completed_on, expires_on, external_id. A file holds at most "
            "%(mb)s MB and %(rows)s rows."
        ) % {
            "mb": settings.IMPORT_MAX_FILE_MB,
            "rows": number_format(settings.IMPORT_MAX_ROWS, force_grouping=True),
        }

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if f.size > settings.IMPORT_MAX_FILE_MB * MB:
            raise ValidationError(too_large_message())
        return f


# --- partner certifications (views/awards.py) ---


class CandidateForm(forms.Form):
    full_name = forms.CharField(label=gettext_lazy("Name"), max_length=150)
    email = forms.EmailField(label=gettext_lazy("E-mail"), max_length=254)


class PartnerCertReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("keep", "keep"), ("withdraw", "withdraw")])
    note = forms.CharField(required=False, max_length=2000)


# --- enablement and business plans (views/plans.py) ---


class EntryForm(forms.Form):
    full_name = forms.CharField(label=gettext_lazy("Name"), max_length=150)
    email = forms.EmailField(label=gettext_lazy("E-mail"), max_length=254)
    certification = forms.ModelChoiceField(
        label=gettext_lazy("Target certification"), queryset=Certification.objects.none()
    )
    target_date = forms.DateField(
        label=gettext_lazy("Target date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="YYYY-MM-DD",
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["certification"].queryset = Certification.objects.filter(active=True).order_by("name")  # type: ignore[attr-defined]
        self.fields["certification"].error_messages["invalid_choice"] = _(
            "Choose a certification from the catalog."
        )


class PlanReviewForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("Comment to the partner"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
