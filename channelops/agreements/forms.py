"""Forms of the agreement pages (portal and console). They only parse input: rules live in services."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from channelops.partners.models import Region

from .models import ExceptionStatus, LegalStatus
from .querysets import STATE_LABELS
from .services import reaccept_days, translation_languages

TEXTAREA = {"rows": 6, "cols": 60}


# --- portal --------------------------------------------------------------------------------------


class AcceptForm(forms.Form):
    """Click-through acceptance: the version and hash shown travel with the confirmation."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    content_hash = forms.CharField(max_length=64, widget=forms.HiddenInput)
    confirm = forms.BooleanField(required=True)

    def __init__(self, *args: Any, version: Any, partner: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"version": version.pk, "content_hash": version.content_hash})
        super().__init__(*args, **kwargs)
        self.fields["confirm"].label = _(
            "I have read and accept the %(agreement)s (%(version)s) on behalf of %(partner)s"
        ) % {"agreement": version.template.name, "version": version.label, "partner": partner.legal_name}
        self.fields["confirm"].error_messages["required"] = _(
            "Tick the box to confirm that you accept the text on behalf of your company."
        )


class LegalRequestForm(forms.Form):
    template = forms.TypedChoiceField(label=_("Agreement"), coerce=int)
    proposed_changes = forms.CharField(
        label=_("Proposed changes"),
        max_length=20_000,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("Which clauses your company wants changed, and how."),
    )

    def __init__(self, *args: Any, templates: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [(t.pk, t.name) for t in templates]  # type: ignore[attr-defined]


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Comment"), max_length=20_000, widget=forms.Textarea(attrs=TEXTAREA))


class RegionRequestForm(forms.Form):
    regions = forms.ModelMultipleChoiceField(
        label=_("Additional regions"),
        queryset=Region.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    justification = forms.CharField(
        label=_("Justification"),
        max_length=5000,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("Why your company needs its agreement to cover these regions."),
    )

    def __init__(self, *args: Any, covered: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["regions"].queryset = Region.objects.filter(active=True).exclude(code__in=covered)  # type: ignore[attr-defined]


class WithdrawForm(forms.Form):
    prefix = "withdraw"  # shares pages with comment and offer forms (unique field ids)

    note = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- console -------------------------------------------------------------------------------------


class VersionForm(forms.Form):
    body = forms.CharField(
        label=_("Text (Markdown)"), max_length=200_000, widget=forms.Textarea(attrs={"rows": 24, "cols": 80})
    )
    change_summary = forms.CharField(label=_("What changed"), max_length=500, required=False)


class TranslationForm(forms.Form):
    """A convenience translation of a version's text (the services decide the rest)."""

    language = forms.ChoiceField(label=_("Language"), widget=forms.HiddenInput)
    body = forms.CharField(
        label=_("Translated text (Markdown)"),
        max_length=200_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 24, "cols": 80}),
        help_text=_(
            "Not binding: partners accept the English text. Shown to readers of this language with a "
            "notice saying so. Empty the field to remove the translation."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = translation_languages()  # type: ignore[attr-defined]


class PublishForm(forms.Form):
    reaccept_by = forms.DateField(
        label=_("Partners re-accept by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Partners that accepted an earlier version must accept this one by this date."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"reaccept_by": timezone.localdate() + timedelta(days=reaccept_days())})
        super().__init__(*args, **kwargs)


class ReportFilterForm(forms.Form):
    template = forms.TypedChoiceField(label=_("Agreement"), required=False, coerce=int, empty_value=None)
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("Any"))] + list(STATE_LABELS.items())
    )
    region = forms.ChoiceField(label=_("Region"), required=False)
    tier = forms.ChoiceField(label=_("Tier"), required=False)
    program = forms.ChoiceField(label=_("Program"), required=False)

    def __init__(
        self,
        *args: Any,
        templates: list[Any],
        regions: list[Any],
        tiers: Sequence[Any] = (),
        programs: Sequence[Any] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        any_ = [("", _("Any"))]
        self.fields["template"].choices = any_ + [(t.pk, t.name) for t in templates]  # type: ignore[attr-defined]
        self.fields["region"].choices = any_ + [(r.code, r.name) for r in regions]  # type: ignore[attr-defined]
        self.fields["tier"].choices = any_ + [(t.slug, t.name) for t in tiers]  # type: ignore[attr-defined]
        self.fields["program"].choices = any_ + [(p.slug, p.name) for p in programs]  # type: ignore[attr-defined]


class StatusFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args: Any, choices: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any"))] + choices  # type: ignore[attr-defined]


REGION_STATUS_CHOICES = list(ExceptionStatus.choices)
LEGAL_STATUS_CHOICES = [
    ("open", _("Open or offered")),
    *[(v, label) for v, label in LegalStatus.choices if v != LegalStatus.OPEN],
]


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("deny", _("Deny"))],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    note = forms.CharField(
        label=_("Note to the partner"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required when you deny the request."),
    )


class OfferForm(forms.Form):
    prefix = "offer"

    body = forms.CharField(
        label=_("Custom text (Markdown)"),
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 24, "cols": 80}),
    )
    note = forms.CharField(label=_("What changed"), max_length=500, required=False)
