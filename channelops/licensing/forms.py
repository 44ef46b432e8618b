"""Forms for NFR requests: the request form (portal and console), review forms, the queue's filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from channelops.partners.forms import PartnerChoiceField
from channelops.partners.models import Partner, Region

from .models import TOP_PLAN, Plan, RequestStatus
from .services import SEATS_MAX, SEATS_MIN, TERM_MAX, TERM_MIN


class NfrRequestForm(forms.Form):
    """The NFR license request form. Rules are the service's; the bounds here help the browser."""

    contact_name = forms.CharField(label=_("License contact name"), max_length=150)
    contact_email = forms.EmailField(
        label=_("License contact e-mail"),
        max_length=254,
        help_text=_("The license file is e-mailed to this address; they need not use the portal."),
    )
    plan = forms.ChoiceField(label=_("Plan"), choices=Plan.choices, initial=TOP_PLAN)
    seats = forms.IntegerField(label=_("Users (seats)"), min_value=SEATS_MIN, max_value=SEATS_MAX)
    term_months = forms.IntegerField(
        label=_("Term (months)"), min_value=TERM_MIN, max_value=TERM_MAX, initial=12
    )
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the licenses are for: demos, training, a proof of concept…"),
    )
    is_renewal = forms.BooleanField(label=_("This renews licenses we hold"), required=False)


# Up to this many active partners the console form offers a select; beyond, a search field.
PARTNER_SELECT_LIMIT = 300


class PartnerLookupField(PartnerChoiceField):
    """The console request form's partner at scale: the shared partner picker, active partners."""

    default_error_messages = {
        "missing_number": _("No active partner has the number %(n)s."),
        "missing_name": _("No active partner's name contains “%(q)s”."),
    }

    def __init__(self, *, queryset: Any, **kwargs: Any) -> None:
        super().__init__(queryset=queryset, search_params={"status": "active"}, **kwargs)


class ConsoleNfrRequestForm(NfrRequestForm):
    """A CAM requests licenses on a partner's behalf (a select, or a search field at scale)."""

    field_order = ["partner"]
    partner = forms.ModelChoiceField(
        label=_("Partner"),
        queryset=Partner.objects.filter(status="active").order_by("legal_name"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        active = Partner.objects.filter(status="active")
        if active[PARTNER_SELECT_LIMIT : PARTNER_SELECT_LIMIT + 1].exists():
            self.fields["partner"] = PartnerLookupField(
                queryset=active,
                label=_("Partner"),
                help_text=_("The partner's number, or its name (or a unique part of it)."),
            )
            self.order_fields(["partner"])


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )


class _AmendFields(forms.Form):
    """Seats, term and license contact, prefilled with the request's values (``initial``); the
    service keeps what is unchanged and validates the rest like a new request."""

    seats = forms.IntegerField(
        label=_("Users (seats)"), min_value=SEATS_MIN, max_value=SEATS_MAX, required=False
    )
    term_months = forms.IntegerField(
        label=_("Term (months)"), min_value=TERM_MIN, max_value=TERM_MAX, required=False
    )
    contact_name = forms.CharField(label=_("License contact name"), max_length=150, required=False)
    contact_email = forms.EmailField(label=_("License contact e-mail"), max_length=254, required=False)

    AMEND_FIELDS = ("seats", "term_months", "contact_name", "contact_email")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for f in self.AMEND_FIELDS:  # the browser asks for them; a post without them keeps them
            self.fields[f].widget.attrs["required"] = True

    def clean(self) -> dict[str, Any]:
        """A field left out of the post stays as it is; a field sent empty is an error, not a no-op."""
        cleaned = super().clean() or {}
        for f in self.AMEND_FIELDS:
            if f in self.data and not str(self.data.get(f, "")).strip() and f not in self.errors:
                self.add_error(f, self.fields[f].error_messages["required"])
        return cleaned

    def amendment(self) -> dict[str, Any]:
        return {f: self.cleaned_data.get(f) for f in self.AMEND_FIELDS}


class AnswerAmendForm(AnswerForm, _AmendFields):
    """The partner's answer, with the request's seats, term and contact to amend (prefilled)."""

    field_order = ["answer", "seats", "term_months", "contact_name", "contact_email"]


class CorrectForm(_AmendFields):
    """A reviewer's correction of an open request, with the reason (mandatory, on the timeline)."""

    field_order = ["seats", "term_months", "contact_name", "contact_email", "reason"]
    reason = forms.CharField(
        label=_("Reason for the correction"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown on the request's timeline, to the partner too."),
    )


def amend_initial(req: Any) -> dict[str, Any]:
    return {f: getattr(req, f) for f in _AmendFields.AMEND_FIELDS}


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the rejection"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AskForm(forms.Form):
    question = forms.CharField(
        label=_("Question for the partner"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


SORTS = {
    "submitted": ("created_at", "pk"),
    "-submitted": ("-created_at", "-pk"),
    "partner": ("partner__legal_name", "pk"),
    "-partner": ("-partner__legal_name", "-pk"),
    "seats": ("seats", "pk"),
    "-seats": ("-seats", "-pk"),
    "status": ("status", "-created_at", "-pk"),
    "-status": ("-status", "-created_at", "-pk"),
}


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("Partner"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any")), ("open", _("Open"))] + list(RequestStatus.choices),
    )
    region = forms.ChoiceField(label=_("Region"), required=False)
    plan = forms.ChoiceField(label=_("Plan"), required=False, choices=[("", _("Any"))] + list(Plan.choices))
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("-submitted", _("Newest first")),
            ("submitted", _("Oldest first")),
            ("partner", _("Partner (A–Z)")),
            ("-partner", _("Partner (Z–A)")),
            ("-seats", _("Most seats")),
            ("seats", _("Fewest seats")),
            ("status", _("Status")),
            ("-status", _("Status (reversed)")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = [(r.code, r.name) for r in Region.objects.order_by("code")]
        self.fields["region"].choices = [("", _("Any")), *regions]  # type: ignore[attr-defined]


class MessageTemplateForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(
        label=_("Text (Markdown)"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text=_("Placeholders: %(names)s."),
    )

    subject_de = forms.CharField(label=_("Subject in German"), max_length=200, required=False)
    body_de = forms.CharField(
        label=_("Text in German (Markdown)"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text=_(
            "Recipients who read German get this version. Leave both German fields empty to send "
            "them the English text, marked as available in English only."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from .messages import PLACEHOLDERS

        super().__init__(*args, **kwargs)
        names = ", ".join("{{ %s }}" % k for k in PLACEHOLDERS)  # noqa: UP031
        self.fields["body"].help_text = _("Placeholders: %(names)s.") % {"names": names}
