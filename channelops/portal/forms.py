from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from channelops.partners.models import MembershipRole, Partner


class CompanyProfileForm(forms.ModelForm):
    class Meta:
        model = Partner
        fields = ["website", "phone", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}


class InviteColleagueForm(forms.Form):
    full_name = forms.CharField(label=_("Name"), max_length=150)
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=MembershipRole.choices, initial=MembershipRole.USER)
    can_submit_requests = forms.BooleanField(label=_("May submit requests"), required=False)
