from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from channelops.core.events import EVENT_KINDS

from .services import validate_url


class EndpointForm(forms.Form):
    url = forms.CharField(
        label=_("Endpoint URL"),
        max_length=2000,
        help_text=_(
            "Where we POST the events (https:// recommended). Addresses inside your network are "
            "refused unless the operator allows them (CHANNELOPS_WEBHOOKS_ALLOW_PRIVATE)."
        ),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=200,
        required=False,
        help_text=_("Who receives it and why, e.g. “Data warehouse (BI team)”."),
    )
    event_kinds = forms.MultipleChoiceField(
        label=_("Events"),
        choices=[(k, v) for k, v in EVENT_KINDS.items()],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The endpoint receives only the events ticked here."),
    )

    def clean_url(self) -> Any:
        return validate_url(self.cleaned_data["url"])


class ReplayForm(forms.Form):
    pass
