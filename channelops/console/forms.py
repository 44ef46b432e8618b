from __future__ import annotations

import time

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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        any_ = [("", _("Any"))]
        regions, tiers, programs, cams = _choice_lists()
        self.fields["region"].choices = any_ + regions
        self.fields["tier"].choices = any_ + tiers
        self.fields["program"].choices = any_ + programs
        self.fields["cam"].choices = any_ + [("none", _("Nobody"))] + cams

    def select_fields(self) -> list[dict]:
        """The choice fields as plain data, for the directory's hand-written <select>s.

        (Django's widget templates render one include per <option>, which was a
        fifth of the page's CPU time; see docs/performance.md.)"""
        data = self.data if self.is_bound else {}
        out = []
        for name in ("region", "tier", "status", "program", "cam", "sort"):
            field = self.fields[name]
            current = str(data.get(name, "") or "")
            choices = field.choices  # type: ignore[attr-defined]
            out.append(
                {
                    "name": name,
                    "id": f"id_{name}",
                    "label": field.label,
                    "options": [(str(v), str(label), str(v) == current) for v, label in choices],
                    "errors": self.errors.get(name) if self.is_bound else None,
                }
            )
        return out


_CHOICES_TTL = 60.0
_choices_cache: dict[str, tuple[float, tuple]] = {}


def _choice_lists() -> tuple:
    """Regions, tiers, programs and CAMs for the filters, memoised per process for a minute."""
    hit = _choices_cache.get("lists")
    now = time.monotonic()
    if hit and now - hit[0] < _CHOICES_TTL:
        return hit[1]
    cams = User.objects.with_role("cam").order_by("full_name").values_list("pk", "full_name", "email")
    lists = (
        [(r.code, r.name) for r in Region.objects.all()],
        [(t.slug, t.name) for t in Tier.objects.all()],
        [(p.slug, p.name) for p in Program.objects.all()],
        [(str(pk), name or email) for pk, name, email in cams],
    )
    _choices_cache["lists"] = (now, lists)
    return lists


def clear_choice_cache() -> None:
    _choices_cache.clear()
