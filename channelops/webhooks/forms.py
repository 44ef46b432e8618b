from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from channelops.accounts.models import User
from channelops.core.events import EVENT_KINDS

from .services import validate_url


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name} <{obj.email}>" if obj.full_name else obj.email


def owner_candidates() -> Any:
    """Who may own an endpoint: active staff (a few dozen people, so a plain select)."""
    return User.objects.filter(is_staff=True, is_active=True).order_by("full_name", "email")


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

    owner = OwnerChoiceField(
        label=_("Owner"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("— you —"),
        help_text=_(
            "Who is e-mailed when the endpoint keeps failing and is disabled: the person who runs "
            "the receiving system."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owner_candidates()  # type: ignore[attr-defined]

    def clean_url(self) -> Any:
        return validate_url(self.cleaned_data["url"])


class ReplayForm(forms.Form):
    pass
