"""Forms of the badge pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Verifiers see only that the badge is revoked; the reason stays here."),
    )
