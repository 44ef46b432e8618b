"""Forms of the claim pages: the portal's claim and "add proof", the console's review and payment.

The forms only read input; every rule (amounts, deadline, files by content) is the service's
(claim_services.py), whose errors land on these fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from channelops.core.forms import DateInput

from .models import ProofKind
from .money import currency_choices


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (the service checks count, size and type by content)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


#: The file inputs of a claim, one per kind of proof (each takes several files).
PROOF_FIELDS = {f"proof_{kind}": kind for kind in ProofKind.values}
_PROOF_LABELS: dict[str, Any] = {
    ProofKind.INVOICE: _("Invoices"),
    ProofKind.PHOTO: _("Photos"),
    ProofKind.ATTENDEES: _("Attendee lists"),
    ProofKind.SCREENSHOT: _("Screenshots"),
    ProofKind.REPORT: _("Reports"),
    ProofKind.OTHER: _("Other proof"),
}


def _proof_help() -> str:
    from django.utils.translation import gettext

    from channelops.core.files import upload_limit_mb

    return gettext(
        "PDF, PNG, JPEG, GIF, WebP, Word, Excel, PowerPoint, CSV or text; up to %(n)d files in all, "
        "%(mb)s MB each."
    ) % {"n": int(settings.MDF_PROOF_MAX_FILES), "mb": f"{upload_limit_mb('proof'):g}"}


PROOF_HELP = lazy(_proof_help, str)()


def _add_proof_fields(form: forms.Form, *, invoice_required: bool) -> None:
    for name, kind in PROOF_FIELDS.items():
        form.fields[name] = MultipleFileField(label=_PROOF_LABELS[kind])
    if invoice_required:
        form.fields["proof_invoice"].help_text = _("Required: the invoice(s) of the activity.")


def proof_files(form: forms.Form) -> list[tuple[str, Any]]:
    """``(kind, file)`` for every file of the form's proof inputs."""
    return [(kind, f) for name, kind in PROOF_FIELDS.items() for f in form.cleaned_data.get(name) or []]


class ClaimForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount"), min_value=0, max_digits=14, decimal_places=2, localize=False
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=())
    is_final = forms.BooleanField(
        label=_("This is the final claim"),
        required=False,
        help_text=_("Once approved, what is left of the approved funds is released and the activity closes."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional: anything the reviewer should know, e.g. what the invoices cover."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = currency_choices()  # type: ignore[attr-defined]
        self.fields["currency"].initial = settings.MDF_CURRENCY
        _add_proof_fields(self, invoice_required=True)

    @property
    def proof_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in PROOF_FIELDS]


class AddProofForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional: what the new files show."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _add_proof_fields(self, invoice_required=False)

    @property
    def proof_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in PROOF_FIELDS]


class ApproveForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Approved amount"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=_("Leave empty to approve the claimed amount; enter less to approve part of it."),
    )
    comment = forms.CharField(
        label=_("Comment to the partner"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MoreProofForm(forms.Form):
    comment = forms.CharField(
        label=_("What proof is missing?"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E-mailed to the partner, who adds the files and sends the claim again."),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E-mailed to the partner."),
    )


class PaymentForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=DateInput())
    reference = forms.CharField(
        label=_("Payment reference"), max_length=100, help_text=_("E.g. the bank transfer's number.")
    )
