from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from channelops.accounts.models import User
from channelops.partners.models import PartnerStatus, Program, Region, Tier


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    region = forms.ChoiceField(label=_("Region"), required=False)
    tier = forms.ChoiceField(label=_("Tier"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any"))] + list(PartnerStatus.choices)
    )
    program = forms.ChoiceField(label=_("Program"), required=False)
    cam = forms.ChoiceField(label=_("CAM"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("legal_name", _("Name")),
            ("-engagement_score", _("Engagement (high first)")),
            ("engagement_score", _("Engagement (low first)")),
            ("-created_at", _("Newest")),
        ],
    )

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        any_ = [("", _("Any"))]
        self.fields["region"].choices = any_ + [(r.code, r.name) for r in Region.objects.all()]
        self.fields["tier"].choices = any_ + [(t.slug, t.name) for t in Tier.objects.all()]
        self.fields["program"].choices = any_ + [(p.slug, p.name) for p in Program.objects.all()]
        cams = User.objects.with_role("cam").order_by("full_name").values_list("pk", "full_name", "email")
        self.fields["cam"].choices = (
            any_ + [("none", _("Nobody"))] + [(str(pk), name or email) for pk, name, email in cams]
        )
