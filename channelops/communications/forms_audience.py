"""Forms of the audience pages: sign-up, preferences, the suppression list."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from channelops.core.forms import add_service_errors

from .consent import CONSENT_TEXT
from .models import ALL_TOPICS, SuppressionReason, Topic


def _language_choices() -> list[tuple[str, str]]:
    return [(code, name) for code, name in settings.LANGUAGES]


class _ServiceErrors:
    def add_service_error(self, exc: Any) -> None:
        add_service_errors(self, exc)  # type: ignore[arg-type]


class SignupForm(_ServiceErrors, forms.Form):
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    name = forms.CharField(label=_("Name"), max_length=150, required=False)
    company = forms.CharField(label=_("Company"), max_length=200, required=False)
    language = forms.ChoiceField(label=_("Language of the e-mails"), choices=_language_choices)
    topics = forms.MultipleChoiceField(
        label=_("What would you like to receive?"),
        choices=Topic.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=ALL_TOPICS,
        error_messages={"required": _("Choose at least one topic.")},
    )
    consent = forms.BooleanField(
        label=CONSENT_TEXT,
        error_messages={"required": _("Tick the box to agree, or we cannot send you anything.")},
    )
    # The honeypot: hidden from people (CSS class and aria-hidden), filled in by form-filling bots.
    website = forms.CharField(label=_("Leave this field empty"), required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["website"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})
        self.fields["email"].widget.attrs.update({"autocomplete": "email"})
        self.fields["name"].widget.attrs.update({"autocomplete": "name"})
        self.fields["company"].widget.attrs.update({"autocomplete": "organization"})

    def is_bot(self) -> bool:
        return bool((self.data.get("website") or "").strip())


class PreferencesForm(_ServiceErrors, forms.Form):
    topics = forms.MultipleChoiceField(
        label=_("What would you like to receive?"),
        choices=Topic.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    language = forms.ChoiceField(label=_("Language of the e-mails"), choices=_language_choices)


def preferences_initial(subscriber: Any) -> dict[str, Any]:
    return {
        "topics": list(subscriber.topics or ALL_TOPICS),
        "language": subscriber.language or settings.LANGUAGE_CODE,
    }


class SuppressionAddForm(_ServiceErrors, forms.Form):
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[c for c in SuppressionReason.choices if c[0] != SuppressionReason.UNSUBSCRIBED],
        initial=SuppressionReason.MANUAL,
    )
    detail = forms.CharField(
        label=_("Detail"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class SuppressionRemoveForm(_ServiceErrors, forms.Form):
    why = forms.CharField(
        label=_("Why may this address be mailed again?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm_bounce = forms.BooleanField(
        label=_("I checked that this address receives e-mail again."), required=False
    )
