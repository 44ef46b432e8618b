"""Forms of the asset library: the asset form and the new-version form (console), the filters of
the portal's and the console's lists."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from channelops.accounts.models import User
from channelops.core.files import upload_limit_mb
from channelops.core.forms import DateInput
from channelops.partners.models import Program, Tier

from .models import ASSET_LANGUAGES, Asset, AssetKind, AssetStatus, Tag


class _OwnerField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name} <{obj.email}>" if obj.full_name else obj.email


def _file_field(label: Any) -> forms.FileField:
    return forms.FileField(
        label=label,
        help_text=_("Images, PDF, Word, Excel, PowerPoint, ZIP or video (MP4, WebM, MOV), up to %(mb)s MB.")
        % {"mb": f"{upload_limit_mb('asset'):g}"},
    )


def _read(uploaded: Any) -> bytes:
    """The upload's bytes; a file over the limit is refused before it is read."""
    limit = upload_limit_mb("asset")
    if uploaded.size > limit * 1024 * 1024:
        raise ValidationError(
            gettext("The file is larger than %(mb)s MB. Upload a smaller file.") % {"mb": f"{limit:g}"}
        )
    return bytes(uploaded.read())


class AssetForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=AssetKind.choices)
    description = forms.CharField(
        label=_("Description"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    tags = forms.CharField(
        label=_("Tags"), max_length=500, required=False, help_text=_("Comma-separated, e.g. brand, security.")
    )
    language = forms.ChoiceField(label=_("Language"), choices=ASSET_LANGUAGES, required=False)
    tiers = forms.ModelMultipleChoiceField(
        label=_("Tiers"),
        queryset=Tier.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: partners of every tier see the asset."),
    )
    programs = forms.ModelMultipleChoiceField(
        label=_("Programs"),
        queryset=Program.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: partners of every program see the asset."),
    )
    owner = _OwnerField(
        label=_("Owner"), queryset=User.objects.none(), required=False, empty_label=_("— you —")
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=DateInput(),
        help_text=_("From the day after, partners no longer see it; staff see it flagged."),
    )
    guidelines = forms.CharField(
        label=_("Usage guidelines (logos)"),
        max_length=20_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown. Partners accept them once before their first download; a change asks again."),
    )

    def __init__(self, *args: Any, asset: Asset | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tiers"].queryset = Tier.objects.order_by("rank")  # type: ignore[attr-defined]
        self.fields["programs"].queryset = Program.objects.order_by("name")  # type: ignore[attr-defined]
        self.fields["owner"].queryset = User.objects.filter(is_staff=True, is_active=True).order_by(  # type: ignore[attr-defined]
            "full_name", "email"
        )

    @classmethod
    def for_asset(cls, asset: Asset) -> AssetForm:
        return cls(
            asset=asset,
            initial={
                "title": asset.title,
                "kind": asset.kind,
                "description": asset.description,
                "tags": ", ".join(t.name for t in asset.tags.all()),
                "language": asset.language,
                "tiers": [t.pk for t in asset.tiers.all()],
                "programs": [p.pk for p in asset.programs.all()],
                "owner": asset.owner_id,
                "expires_on": asset.expires_on,
                "guidelines": asset.guidelines,
            },
        )


class NewAssetForm(AssetForm):
    file = _file_field(_("File"))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def clean_file(self) -> bytes:
        return _read(self.cleaned_data["file"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        uploaded = self.files.get("file")
        data["filename"] = getattr(uploaded, "name", "") or ""
        return data


class VersionForm(forms.Form):
    file = _file_field(_("New file"))
    note = forms.CharField(
        label=_("What changed"),
        max_length=300,
        required=False,
        help_text=_("E.g. new colours, 2027 figures."),
    )

    def clean_file(self) -> bytes:
        return _read(self.cleaned_data["file"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        uploaded = self.files.get("file")
        data["filename"] = getattr(uploaded, "name", "") or ""
        return data


class AcceptForm(forms.Form):
    accept = forms.BooleanField(label=_("I have read the usage guidelines and will follow them."))


def _search(queryset: Any, name: str, value: str) -> Any:
    return queryset.search(value)


class PortalAssetFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method=_search, label=_("Search"))
    kind = django_filters.ChoiceFilter(choices=AssetKind.choices, label=_("Kind"), empty_label=_("Any"))
    tag = django_filters.ChoiceFilter(method="filter_tag", label=_("Tag"), empty_label=_("Any"))
    language = django_filters.ChoiceFilter(
        choices=[c for c in ASSET_LANGUAGES if c[0]],
        method="filter_language",
        label=_("Language"),
        empty_label=_("Any"),
    )

    class Meta:
        model = Asset
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["tag"].extra["choices"] = list(Tag.objects.order_by("name").values_list("slug", "name"))

    def filter_tag(self, queryset: Any, name: str, value: str) -> Any:
        through = Asset.tags.through.objects.filter(tag__slug=value)
        return queryset.filter(pk__in=through.values("asset_id"))

    def filter_language(self, queryset: Any, name: str, value: str) -> Any:
        """An asset in that language, or in any language (a logo)."""
        return queryset.filter(Q(language=value) | Q(language=""))


class ConsoleAssetFilter(PortalAssetFilter):
    status = django_filters.ChoiceFilter(choices=AssetStatus.choices, label=_("Status"), empty_label=_("Any"))
