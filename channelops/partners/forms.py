"""Forms of the registration pages: the public application form and the console's decisions."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from phonenumber_field.formfields import PhoneNumberField
from phonenumber_field.widgets import RegionalPhoneNumberWidget

from channelops.accounts.models import User
from channelops.core.forms import add_service_errors

from .models import (
    PARTNER_TRANSITIONS,
    PHONE_ERRORS,
    PHONE_HELP,
    Partner,
    PartnerStatus,
    Program,
    Region,
    Tier,
)


def country_choices() -> list[tuple[str, str]]:
    """The country chooser's options: a prompt, then every ISO 3166-1 country by localised name."""
    return [("", str(_("Choose a country")))] + [(c.code, str(c.name)) for c in countries]


class RegistrationForm(forms.Form):
    """A company applies to join the program (the service re-checks everything it relies on)."""

    company_name = forms.CharField(
        label=_("Company name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    website = forms.URLField(
        label=_("Company website"),
        max_length=300,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"autocomplete": "url"}),
        help_text=_("For example https://example.com"),
    )
    country = forms.ChoiceField(
        label=_("Country"),
        # The country names in the reader's language, sorted in it; the value posted is the ISO code.
        # (The old two-letter text box turned "Germany" into "GE" — Georgia — at its maxlength.)
        choices=country_choices,
        widget=forms.Select(attrs={"autocomplete": "country"}),
        error_messages={"invalid_choice": _("Choose your country from the list.")},
    )
    region = forms.ChoiceField(
        label=_("Region"),
        error_messages={"invalid_choice": _("Choose one of the regions offered.")},
    )
    programs = forms.ModelMultipleChoiceField(
        label=_("Partner types"),
        queryset=Program.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose partner types from the list.")},
    )
    first_name = forms.CharField(
        label=_("First name"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    email = forms.EmailField(
        label=_("Business e-mail address"),
        max_length=254,
        help_text=_("We send a confirmation link to this address."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = PhoneNumberField(
        label=_("Phone"),
        max_length=40,
        required=False,
        help_text=PHONE_HELP,
        error_messages=PHONE_ERRORS,
        widget=RegionalPhoneNumberWidget(attrs={"autocomplete": "tel"}),
    )
    title = forms.CharField(
        label=_("Job title"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    message = forms.CharField(
        label=_("About the company"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Customers, markets and services you offer (optional)."),
    )
    agree = forms.BooleanField(
        label=_("I agree to be contacted by the channel team about this application."),
        error_messages={"required": _("Tick this box: we need to contact you about your application.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("Choose a region"))] + [  # type: ignore[attr-defined]
            (code, name)
            for code, name in Region.objects.filter(active=True).order_by("name").values_list("code", "name")
        ]

    def add_service_error(self, exc: Any) -> None:
        add_service_errors(self, exc)


class _StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name} <{obj.email}>" if obj.full_name else obj.email


class ApproveForm(forms.Form):
    tier = forms.ModelChoiceField(label=_("Tier"), queryset=Tier.objects.order_by("rank"), empty_label=None)
    cam = _StaffChoiceField(
        label=_("Channel account manager"),
        queryset=User.objects.filter(is_staff=True, is_active=True).order_by("full_name", "email"),
        required=False,
        empty_label=_("Nobody yet"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:  # new partners start in the lowest tier
            self.fields["tier"].initial = Tier.objects.order_by("rank").values_list("pk", flat=True).first()


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (e-mailed to the applicant)"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Give the reason for the rejection: it is sent to the applicant.")},
    )


# --- the partner picker ------------------------------------------------------------------------

#: Most matches the picker's search answers with (``/console/partners/search?q=``).
PARTNER_SEARCH_LIMIT = 20
_REF = re.compile(r"\(#(\d+)\)\s*$")


def partner_label(partner: Any) -> str:
    """How the picker names a partner: "Name (#id)" (what the field accepts back)."""
    return f"{partner.legal_name} (#{partner.pk})"


class PartnerSearchInput(forms.TextInput):
    """A text input that suggests partners as one types (htmx fills its ``<datalist>`` from
    ``/console/partners/search``); without JavaScript it is a plain text field."""

    template_name = "partners/widgets/partner_search.html"

    def __init__(self, attrs: dict[str, Any] | None = None, search_params: dict[str, str] | None = None):
        super().__init__(attrs={"autocomplete": "off", "spellcheck": "false", **(attrs or {})})
        self.search_params = search_params or {}

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        list_id = f"{widget['attrs'].get('id') or name}-options"
        params = urlencode({"field": name, **self.search_params})
        widget["attrs"].update(
            {
                "list": list_id,
                "hx-get": f"{reverse('console:partner_search')}?{params}",
                "hx-trigger": "input changed delay:250ms, focus once",
                "hx-target": f"#{list_id}",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
            }
        )
        widget["list_id"] = list_id
        return context


class PartnerChoiceField(forms.CharField):
    """A partner chosen by typing: its number ("1234"), "Name (#1234)" (what the suggestions fill
    in), its exact name, or a unique part of its name. Cleans to a ``Partner`` of ``queryset``.

    The widget suggests matches through htmx; without JavaScript the same text is parsed here, so
    a form never lists every partner in a ``<select>`` nor asks for a bare numeric id. Give
    ``search_params`` (e.g. ``{"status": "active"}``) to narrow the suggestions like ``queryset``.
    """

    default_error_messages = {
        "missing_number": _("No matching partner has the number %(n)s."),
        "missing_name": _("No matching partner's name contains “%(q)s”."),
        "ambiguous": _(
            "Several partners match “%(q)s”: %(names)s%(more)s — type more of the name, or the number."
        ),
    }

    def __init__(
        self, *, queryset: Any = None, search_params: dict[str, str] | None = None, **kwargs: Any
    ) -> None:
        self.queryset = queryset if queryset is not None else Partner.objects.all()
        kwargs.setdefault("help_text", _("Type the partner's name (or a unique part of it), or its number."))
        kwargs.setdefault("widget", PartnerSearchInput(search_params=search_params))
        super().__init__(max_length=250, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Partner):
            return partner_label(value)
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            p = self.queryset.filter(pk=int(value)).only("pk", "legal_name").first()
            return partner_label(p) if p else value
        return value

    def clean(self, value: Any) -> Any:
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        return self.lookup(text)

    def lookup(self, text: str) -> Partner:
        m = _REF.search(text)
        if text.isdigit() or m:
            found = self.queryset.filter(pk=int(m.group(1) if m else text)).first()
            if found is None:
                raise forms.ValidationError(self.error_messages["missing_number"] % {"n": text})
            return found
        exact = list(self.queryset.filter(legal_name__iexact=text)[:2])
        if len(exact) == 1:
            return exact[0]
        matches = list(self.queryset.filter(legal_name__icontains=text).order_by("legal_name", "pk")[:6])
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise forms.ValidationError(self.error_messages["missing_name"] % {"q": text})
        names = ", ".join(partner_label(p) for p in matches[:5])
        raise forms.ValidationError(
            self.error_messages["ambiguous"]
            % {"q": text, "names": names, "more": "…" if len(matches) > 5 else ""}
        )


def partner_search(queryset: Any, q: str) -> list[Partner]:
    """The picker's suggestions: by number, then names containing ``q`` (at most 20)."""
    q = (q or "").strip()
    if not q:
        return []
    m = _REF.search(q)
    if q.isdigit() or m:
        return list(queryset.filter(pk=int(m.group(1) if m else q)).only("pk", "legal_name")[:1])
    return list(
        queryset.filter(legal_name__icontains=q)
        .order_by("legal_name", "pk")
        .only("pk", "legal_name")[:PARTNER_SEARCH_LIMIT]
    )


# --- everyday staff edits ----------------------------------------------------------------------


class _CamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.full_name or obj.email


class PartnerClassificationForm(forms.Form):
    """Tier, channel account manager, region and status of a partner (``partner_update_classification``)."""

    tier = forms.ModelChoiceField(label=_("Tier"), queryset=Tier.objects.order_by("rank"), empty_label=None)
    cam = _CamChoiceField(
        label=_("Channel account manager"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody"),
    )
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.order_by("name"), empty_label=None
    )
    status = forms.ChoiceField(label=_("Status"))
    reason = forms.CharField(
        label=_("Reason"),
        max_length=100,
        required=False,
        help_text=_("Recorded in the partner's history (and as the note of a status change)."),
    )

    def __init__(self, *args: Any, partner: Partner, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "tier": partner.tier_id,
                "cam": partner.cam_id,
                "region": partner.region_id,
                "status": partner.status,
            },
        )
        super().__init__(*args, **kwargs)
        cams = User.objects.with_role("cam")
        if partner.cam_id:  # keep the current CAM selectable even when they lost the role
            cams = User.objects.filter(pk=partner.cam_id) | cams
        self.fields["cam"].queryset = cams.distinct().order_by("full_name", "email")  # type: ignore[attr-defined]
        current = PartnerStatus(partner.status)
        self.fields["status"].choices = [(current.value, current.label)] + [  # type: ignore[attr-defined]
            (s.value, s.label) for s in PartnerStatus if s.value in PARTNER_TRANSITIONS[partner.status]
        ]
        regions = Region.objects.filter(pk=partner.region_id) | Region.objects.filter(active=True)
        self.fields["region"].queryset = regions.order_by("name")  # type: ignore[attr-defined]
