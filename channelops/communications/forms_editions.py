"""Forms of the Partner Flash console pages (the services validate the rules; these the input)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from channelops.accounts.models import User


def _staff() -> Any:
    return User.objects.filter(is_active=True, is_staff=True).order_by("full_name", "email")


class _PersonChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name()
        return f"{name} <{obj.email}>" if name else obj.email


class _AssetChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.title)


class NewEditionForm(forms.Form):
    month = forms.CharField(
        label=_("Month"),
        help_text=_("The edition's month (YYYY-MM); it is sent in that month."),
        widget=forms.TextInput(attrs={"type": "month"}),
    )

    def clean_month(self) -> date:
        value = (self.cleaned_data.get("month") or "").strip()
        try:
            year, month = value.split("-")
            return date(int(year), int(month), 1)
        except (ValueError, TypeError) as exc:
            raise forms.ValidationError(_("Give the month as YYYY-MM.")) from exc


class EditionForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    preheader = forms.CharField(
        label=_("Preview text"),
        max_length=200,
        required=False,
        help_text=_("Shown after the subject in the inbox."),
    )
    language = forms.ChoiceField(label=_("Language"), required=False)
    featured = forms.CharField(
        label=_("Featured"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown. The lead story, shown with the featured image."),
    )
    featured_image = _AssetChoice(
        label=_("Featured image"),
        queryset=None,  # set in __init__
        required=False,
        help_text=_("One published image from the asset library."),
    )
    enablement = forms.CharField(
        label=_("Enablement extras"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    noteworthy = forms.CharField(
        label=_("New and noteworthy"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    deal = forms.CharField(
        label=_("Partner deal of the month"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    deal_video_url = forms.URLField(
        label=_("Deal video link"), required=False, max_length=500, assume_scheme="https"
    )
    product = forms.CharField(
        label=_("What's new in the product"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The top three takeaways, as a list."),
    )
    contributors = _PersonChoice(
        label=_("Contributors"),
        queryset=None,
        required=False,
        help_text=_("Staff who contribute content: they are assigned to the edition's work item."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from .editions import image_assets

        self.fields["featured_image"].queryset = image_assets()  # type: ignore[attr-defined]
        self.fields["contributors"].queryset = _staff()  # type: ignore[attr-defined]
        self.fields["language"].choices = [("", _("Site language"))] + list(settings.LANGUAGES)  # type: ignore[attr-defined]


class SendDateForm(forms.Form):
    send_on = forms.DateField(
        label=_("Send date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        required=False,
        help_text=_("Why the edition leaves its usual date, e.g. an urgent pricing update."),
    )
    use_rule = forms.BooleanField(label=_("Go back to the date by rule"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("use_rule") and not data.get("send_on"):
            self.add_error("send_on", _("Choose a date, or go back to the date by rule."))
        return data


class TestSendForm(forms.Form):
    reviewers = _PersonChoice(label=_("Reviewers"), queryset=None, required=False)
    addresses = forms.CharField(
        label=_("Other addresses"),
        required=False,
        max_length=2000,
        help_text=_("Separated by commas."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reviewers"].queryset = _staff()  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
