from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CompleteForm(forms.Form):
    notes = forms.CharField(
        label=_("Notes (become the partner's Account Notes)"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=20_000,
        required=True,
    )


class CheckForm(forms.Form):
    """Tick ("1") or untick ("0") a checklist item."""

    checked = forms.CharField(required=False, max_length=5)
