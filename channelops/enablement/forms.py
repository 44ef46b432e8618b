"""Forms of the enablement pages (catalog, imports, partner certifications, plans)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Certification
from .models.plans import BUSINESS_PLAN_SECTIONS
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
    """The decision comes from the button pressed (keep or withdraw); the page renders the note."""

    decision = forms.ChoiceField(choices=[("keep", "keep"), ("withdraw", "withdraw")])
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Why the certification is kept or withdrawn (kept with the record)."),
    )


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
        certification = cast(forms.ModelChoiceField, self.fields["certification"])
        certification.queryset = Certification.objects.filter(active=True).order_by("name")
        certification.error_messages["invalid_choice"] = _("Choose a certification from the catalog.")


class PlanReviewForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("Comment to the partner"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


TARGET_ROWS_MAX = 30


def target_rows(data: Any) -> list[dict[str, Any]]:
    """The business plan's certification targets as posted (rows ``t-<i>-certification``,
    ``t-<i>-people``, ``t-<i>-by_date``; empty rows skipped); the service checks them."""
    rows = []
    for i in range(TARGET_ROWS_MAX):
        cert = (data.get(f"t-{i}-certification") or "").strip()
        people = (data.get(f"t-{i}-people") or "").strip()
        by_date = (data.get(f"t-{i}-by_date") or "").strip()
        if not (cert or people or by_date):
            continue
        rows.append({"certification": cert, "people": people, "by_date": by_date})
    return rows


class BusinessPlanForm(forms.Form):
    """The business plan editor: one text per section (``BUSINESS_PLAN_SECTIONS``; the service checks
    their length and, on submit, that each is filled in) and the certification targets
    (:func:`target_rows`). ``action``: "save" (the default) or "submit"."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label, help_text in BUSINESS_PLAN_SECTIONS:
            self.fields[name] = forms.CharField(
                label=label,
                help_text=help_text,
                required=False,
                widget=forms.Textarea(attrs={"rows": 4, "maxlength": 5000}),
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cleaned["action"] = self.data.get("action", "save")
        cleaned["targets"] = target_rows(self.data)
        return cleaned
