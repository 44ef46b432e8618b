"""Forms of announcements, special notices, webcasts and portal notices, and ``AudienceForm``: the
audience fields (partners, regions, tiers, programs, roles, languages, sign-ups) any mailing or
notice form reuses by inheriting from it; ``form.audience()`` is the cleaned filter
(``audience.clean_audience``) and ``AudienceForm.initial_for(audience)`` fills the fields back in.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .audience import clean_audience
from .models import ChangeKind, WebcastKind
from .webcasts import time_zones

ROLE_CHOICES = [("admin", _("Partner administrators")), ("user", _("Partner users"))]


class AudienceForm(forms.Form):
    """The audience filter as form fields; every field empty means everyone.

    ``signups=False`` leaves the sign-ups field out (portal notices reach portal people only).
    """

    AUDIENCE_FIELDS = ("partners", "regions", "tiers", "programs", "roles", "languages", "signups")

    partners = forms.TypedMultipleChoiceField(
        label=_("Partners"),
        required=False,
        coerce=int,
        help_text=_("Only these partners' people; none chosen: every partner."),
    )
    regions = forms.MultipleChoiceField(label=_("Regions"), required=False)
    tiers = forms.MultipleChoiceField(label=_("Tiers"), required=False)
    programs = forms.MultipleChoiceField(label=_("Partner types (programs)"), required=False)
    roles = forms.MultipleChoiceField(label=_("Roles at the partner"), required=False, choices=ROLE_CHOICES)
    languages = forms.MultipleChoiceField(label=_("Languages"), required=False)
    signups = forms.BooleanField(
        label=_("Also people who signed up through the public form"),
        required=False,
        initial=True,
        help_text=_("Confirmed sign-ups are filtered by language only."),
    )

    def __init__(self, *args: Any, signups: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from channelops.partners.models import Partner, Program, Region, Tier

        self.fields["partners"].choices = list(  # type: ignore[attr-defined]
            Partner.objects.filter(status="active").order_by("legal_name").values_list("pk", "legal_name")
        )
        self.fields["regions"].choices = list(  # type: ignore[attr-defined]
            Region.objects.order_by("code").values_list("code", "name")
        )
        self.fields["tiers"].choices = list(Tier.objects.order_by("rank").values_list("slug", "name"))  # type: ignore[attr-defined]
        self.fields["programs"].choices = list(  # type: ignore[attr-defined]
            Program.objects.order_by("name").values_list("slug", "name")
        )
        self.fields["languages"].choices = [(code, _(name)) for code, name in settings.LANGUAGES]  # type: ignore[attr-defined]
        if not signups:
            del self.fields["signups"]

    def audience(self) -> dict[str, Any]:
        """The cleaned audience filter (call after ``is_valid``)."""
        data = {k: self.cleaned_data.get(k) for k in self.AUDIENCE_FIELDS if k in self.fields}
        return {k: v for k, v in clean_audience(data).items() if k == "signups" or v}

    @classmethod
    def initial_for(cls, audience: dict[str, Any] | None) -> dict[str, Any]:
        a = clean_audience(audience)
        out: dict[str, Any] = {k: v for k, v in a.items()}
        out.setdefault("signups", True)
        return out


def audience_summary(audience: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The filter as (label, values) lines for a page ("Everyone" when empty)."""
    from channelops.partners.models import Partner, Program, Region, Tier

    a = clean_audience(audience)
    lines: list[tuple[str, str]] = []
    if a.get("partners"):
        names = (
            Partner.objects.filter(pk__in=a["partners"])
            .order_by("legal_name")
            .values_list("legal_name", flat=True)
        )
        lines.append((str(_("Partners")), ", ".join(names)))
    lookups: tuple[tuple[str, Any, Any, str, str], ...] = (
        ("regions", _("Regions"), Region, "code", "name"),
        ("tiers", _("Tiers"), Tier, "slug", "name"),
        ("programs", _("Partner types (programs)"), Program, "slug", "name"),
    )
    for key, label, model, field, name in lookups:
        if a.get(key):
            names = (
                model.objects.filter(**{f"{field}__in": a[key]}).order_by(name).values_list(name, flat=True)
            )
            lines.append((str(label), ", ".join(names)))
    if a.get("roles"):
        roles = dict(ROLE_CHOICES)
        lines.append((str(_("Roles at the partner")), ", ".join(str(roles.get(r, r)) for r in a["roles"])))
    if a.get("languages"):
        langs = dict(settings.LANGUAGES)
        lines.append((str(_("Languages")), ", ".join(str(langs.get(c, c)) for c in a["languages"])))
    if "signups" in a:
        lines.append((str(_("Sign-ups")), str(_("included") if a["signups"] else _("not included"))))
    return lines


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class AnnouncementForm(AudienceForm):
    """An announcement (with the change and its effective date) or a special notice (``kind``)."""

    title = forms.CharField(label=_("Title"), max_length=200)
    change_kind = forms.ChoiceField(label=_("What changes"), choices=[("", "—"), *ChangeKind.choices])
    effective_on = forms.DateField(label=_("The change takes effect on"), widget=DateInput(), required=True)
    send_on = forms.DateField(label=_("Send date"), widget=DateInput())
    subject = forms.CharField(
        label=_("E-mail subject"), max_length=200, required=False, help_text=_("The title when empty.")
    )
    preheader = forms.CharField(label=_("Preview text"), max_length=200, required=False)
    body = forms.CharField(
        label=_("Text (Markdown)"),
        widget=forms.Textarea(attrs={"rows": 10}),
        required=False,
        max_length=50000,
        help_text=_("Headings, lists, links and emphasis in Markdown; sanitised when rendered."),
    )
    notice_override_reason = forms.CharField(
        label=_("Reason for less notice"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )

    def __init__(
        self, *args: Any, kind: str = "announcement", may_override: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        from .announcements import notice_days

        self.kind = kind
        if kind != "announcement":
            del self.fields["change_kind"], self.fields["effective_on"]
            may_override = False
        else:
            self.fields["send_on"].help_text = _(
                "At least %(days)s days before the change takes effect (partners' notice period)."
            ) % {"days": notice_days()}
        if may_override:
            self.fields["notice_override_reason"].help_text = _(
                "Channel leadership only: to send with less than %(days)s days' notice, say why; "
                "the reason, you and the time are recorded."
            ) % {"days": notice_days()}
        else:
            del self.fields["notice_override_reason"]

    def data_for_service(self) -> dict[str, Any]:
        d = self.cleaned_data
        out: dict[str, Any] = {
            k: d[k] for k in ("title", "subject", "preheader", "body", "send_on") if k in d
        }
        if self.kind == "announcement":
            out["change_kind"] = d.get("change_kind") or ""
            out["effective_on"] = d.get("effective_on")
        out["audience"] = self.audience()
        return out


class WebcastForm(forms.Form):
    """A session; the start is entered as the wall-clock time in the session's time zone."""

    kind = forms.ChoiceField(label=_("Kind"), choices=WebcastKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    region: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Region"),
        queryset=None,
        required=False,
        empty_label=_("Every region"),
        help_text=_("Regional sessions are for one region; a program webcast usually for every region."),
    )
    start = forms.DateTimeField(
        label=_("Starts (in the session's time zone)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    time_zone = forms.ChoiceField(label=_("Time zone"))
    duration_minutes = forms.IntegerField(label=_("Length (minutes)"), min_value=1, max_value=600, initial=60)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    registration_url = forms.URLField(
        label=_("Registration link"), required=False, max_length=500, assume_scheme="https"
    )
    recording_url = forms.URLField(
        label=_("Recording"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("Add it after the session."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from channelops.partners.models import Region

        self.fields["region"].queryset = Region.objects.order_by("code")  # type: ignore[attr-defined]
        self.fields["time_zone"].choices = [(z, z) for z in time_zones()]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        start, zone = d.get("start"), d.get("time_zone")
        if start is not None and zone:
            naive = timezone.make_naive(start) if timezone.is_aware(start) else start
            d["starts_at"] = naive.replace(tzinfo=ZoneInfo(zone))
        return d

    def data_for_service(self) -> dict[str, Any]:
        d = self.cleaned_data
        keys = ("kind", "title", "region", "starts_at", "time_zone", "duration_minutes", "description")
        return {k: d.get(k) for k in keys} | {
            "registration_url": d.get("registration_url") or "",
            "recording_url": d.get("recording_url") or "",
        }

    @classmethod
    def initial_for(cls, w: Any) -> dict[str, Any]:
        zone = ZoneInfo(w.time_zone)
        return {
            "kind": w.kind,
            "title": w.title,
            "region": w.region_id,
            "start": timezone.localtime(w.starts_at, zone).replace(tzinfo=None),
            "time_zone": w.time_zone,
            "duration_minutes": w.duration_minutes,
            "description": w.description,
            "registration_url": w.registration_url,
            "recording_url": w.recording_url,
        }


class NoticeForm(AudienceForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"), widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=3000
    )
    link_url = forms.URLField(label=_("Link"), required=False, max_length=500, assume_scheme="https")
    link_label = forms.CharField(label=_("Link text"), required=False, max_length=100)
    urgent = forms.BooleanField(label=_("Urgent (shown first, highlighted)"), required=False)
    starts_on = forms.DateField(label=_("Shown from"), widget=DateInput())
    ends_on = forms.DateField(label=_("Shown until (inclusive)"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["signups"] = False
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        s, e = d.get("starts_on"), d.get("ends_on")
        if isinstance(s, dt.date) and isinstance(e, dt.date) and e < s:
            self.add_error("ends_on", _("The last day cannot be before the first day."))
        return d

    def data_for_service(self) -> dict[str, Any]:
        d = self.cleaned_data
        out = {
            k: d.get(k) for k in ("title", "body", "link_url", "link_label", "urgent", "starts_on", "ends_on")
        }
        out["link_url"] = out["link_url"] or ""
        out["audience"] = self.audience()
        return out


class EmptyForm(forms.Form):
    """Actions without input."""
