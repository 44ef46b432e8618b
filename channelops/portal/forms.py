from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from channelops.partners.models import MembershipRole, Partner


def _profile_field(name: str, **kwargs: Any) -> forms.Field:
    """The model field's own form field (its validation, limits and help text)."""
    field = Partner._meta.get_field(name)
    assert isinstance(field, models.Field)
    form_field = field.formfield(**kwargs)
    assert form_field is not None
    return form_field


class CompanyProfileForm(forms.Form):
    """The profile fields a partner's admins edit (``partner_profile_update`` validates the partner)."""

    FIELDS = ("website", "phone", "description")

    website = _profile_field("website")
    phone = _profile_field("phone")
    description = _profile_field("description", widget=forms.Textarea(attrs={"rows": 5}))

    @classmethod
    def for_partner(cls, partner: Partner) -> CompanyProfileForm:
        return cls(initial={f: getattr(partner, f) for f in cls.FIELDS})


class InviteColleagueForm(forms.Form):
    full_name = forms.CharField(label=_("Name"), max_length=150)
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=MembershipRole.choices, initial=MembershipRole.USER)
    can_submit_requests = forms.BooleanField(
        label=_("May submit requests"),
        required=False,
        help_text=_(
            "Lets this person request NFR licenses and renewals, answer the partner help desk's "
            "questions on them and download license files. Partner admins always may."
        ),
    )
