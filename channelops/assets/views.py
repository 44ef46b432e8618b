"""Asset library pages: the portal's library (browse, filter, search; an asset's page with its
guidelines and download) and the console's (list with expiry flags and downloads, create, edit,
upload a new version, publish, archive, downloads per partner).

Every page starts from ``Asset.objects.visible_to(user)``: an asset a person may not see is a 404,
whether its id is guessed in the page's or the download's URL. The file itself is served by
``core.files.private_file_response`` only after that check (a signed URL on S3).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.db.models import Count, Max
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import escape, format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from channelops.accounts.pages import StaffRequest
from channelops.core.actions import Action, page_or_action
from channelops.core.exceptions import NotAllowed
from channelops.core.files import private_file_response
from channelops.core.listing import Column, ListPage, Table
from channelops.core.pages import staff_required
from channelops.core.views import client_ip
from channelops.partners.pages import PartnerRequest, partner_required

from .forms import AcceptForm, AssetForm, ConsoleAssetFilter, NewAssetForm, PortalAssetFilter, VersionForm
from .models import ASSET_LANGUAGES, Asset, AssetDownload, AssetKind, AssetVersion
from .querysets import may_manage_assets, may_view_assets
from .services import (
    GuidelinesNotAccepted,
    asset_add_version,
    asset_archive,
    asset_create,
    asset_download,
    asset_publish,
    asset_update,
    guidelines_accept,
    guidelines_accepted,
)

NAV = "assets"
EXPIRY_WARNING_DAYS = 30


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def _tags_cell(a: Asset) -> Any:
    return escape(", ".join(t.name for t in a.tags.all()) or "—")


# --- portal ------------------------------------------------------------------------------------


@method_decorator(partner_required, name="dispatch")
class PortalAssets(ListPage):
    """``/portal/assets/``: the assets the partner may use, with filters and search."""

    title = gettext_lazy("Asset library")
    nav = NAV
    intro = gettext_lazy(
        "Logos, presentations, templates, videos and papers for your marketing. Open an asset to "
        "download it; logos ask you to accept their usage guidelines once."
    )
    filterset_class = PortalAssetFilter
    default_sort = "title"
    noun_plural = gettext_lazy("assets")
    empty_title = gettext_lazy("No assets for your partnership yet.")
    empty_text = gettext_lazy("Your channel account manager can tell you which materials are coming.")

    def get_queryset(self) -> Any:
        return (
            Asset.objects.visible_to(self.request.user)
            .select_related("current_version")
            .defer("description", "guidelines", "current_version__note", "current_version__sha256")
            .prefetch_related("tags")
        )

    def get_columns(self) -> list[Column]:
        # Choice labels translated once per page, not once per row.
        kinds = {k: str(v) for k, v in AssetKind.choices}
        languages = {k: str(v) for k, v in ASSET_LANGUAGES}
        return [
            Column(
                "title",
                gettext_lazy("Asset"),
                link=lambda a: reverse("portal:asset", args=[a.pk]),
                sort="title",
            ),
            Column("kind", gettext_lazy("Kind"), value=lambda a: kinds.get(a.kind, a.kind), sort="kind"),
            Column(
                "language", gettext_lazy("Language"), value=lambda a: languages.get(a.language, a.language)
            ),
            Column("tags", gettext_lazy("Tags"), html=_tags_cell, export=False),
            Column(
                "updated_at",
                gettext_lazy("Updated"),
                value=lambda a: a.current_version.uploaded_at.date() if a.current_version else None,
                sort="updated_at",
            ),
            Column(
                "size",
                gettext_lazy("Size"),
                value=lambda a: _size(a.current_version.size) if a.current_version else None,
                numeric=True,
            ),
        ]


portal_list = PortalAssets.as_view()


def _portal_asset(request: HttpRequest, pk: int) -> Asset:
    return get_object_or_404(
        Asset.objects.visible_to(request.user).select_related("current_version").prefetch_related("tags"),
        pk=pk,
    )


def _portal_page(
    request: PartnerRequest, asset: Asset, form: AcceptForm | None = None, status: int = 200
) -> HttpResponse:
    accepted = guidelines_accepted(asset, request.partner.pk)
    return render(
        request,
        "assets/portal_asset.html",
        {
            "asset": asset,
            "version": asset.current_version,
            "size": _size(asset.current_version.size) if asset.current_version else "",
            "accepted": accepted,
            "form": form or AcceptForm(),
            "nav": NAV,
            "breadcrumbs": [
                {"label": _("Asset library"), "url": reverse("portal:assets")},
                {"label": asset.title},
            ],
        },
        status=status,
    )


accept = Action[PartnerRequest](
    load=_portal_asset,
    form_class=AcceptForm,
    perform=lambda request, obj, data: guidelines_accept(
        asset=obj,
        user=request.user,
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    ),
    success=gettext_lazy(
        "Thank you: the usage guidelines are accepted for your company. You can download the logo now."
    ),
    redirect_to=lambda request, obj, result: reverse("portal:asset", args=[obj.pk]),
    on_invalid=lambda request, obj, form: _portal_page(request, obj, form, status=400),  # type: ignore[arg-type]
)

portal_asset = partner_required(
    page_or_action(lambda request, pk: _portal_page(request, _portal_asset(request, pk)), accept)
)


def _serve(
    request: HttpRequest, asset: Asset, on_guidelines: Callable[[], HttpResponseBase]
) -> HttpResponseBase:
    try:
        version = asset_download(asset=asset, user=request.user)  # type: ignore[arg-type]
    except NotAllowed as exc:
        raise Http404(_("This asset is not available.")) from exc
    except GuidelinesNotAccepted:
        return on_guidelines()
    return private_file_response(version.file, filename=version.filename, content_type=version.content_type)


@partner_required
@require_safe
def portal_download(request: PartnerRequest, pk: int) -> HttpResponseBase:
    """``/portal/assets/<pk>/download/``: the current file, after the visibility check (404 for an
    asset the partner may not see) and the guidelines (accept first)."""
    asset = _portal_asset(request, pk)

    def ask() -> HttpResponseBase:
        messages.warning(request, _("Accept the usage guidelines before downloading this logo."))
        return HttpResponseRedirect(reverse("portal:asset", args=[asset.pk]) + "#guidelines")

    return _serve(request, asset, ask)


# --- console -----------------------------------------------------------------------------------

NOT_ALLOWED = gettext_lazy("Only channel marketing and administrators manage the asset library.")


def _require_view(request: HttpRequest) -> None:
    if not may_view_assets(request.user):
        raise NotAllowed(_("You may not see the asset library."))


def _expiry_cell(a: Asset) -> Any:
    if a.expires_on is None:
        return "—"
    text = format_html('<time datetime="{}">{}</time>', a.expires_on.isoformat(), a.expires_on.isoformat())
    today = timezone.localdate()
    if a.expires_on < today:
        return format_html('{} <span class="badge bg-red-lt">{}</span>', text, _("expired"))
    if (a.expires_on - today).days <= EXPIRY_WARNING_DAYS:
        return format_html('{} <span class="badge bg-orange-lt">{}</span>', text, _("expires soon"))
    return text


def _visibility_text(a: Asset) -> str:
    tiers = ", ".join(t.name for t in a.tiers.all()) or _("all tiers")
    programs = ", ".join(p.name for p in a.programs.all()) or _("all programs")
    return f"{tiers} · {programs}"


@method_decorator(staff_required, name="dispatch")
class ConsoleAssets(ListPage):
    """Every asset with its state, visibility, expiry and download count."""

    title = gettext_lazy("Asset library")
    nav = NAV
    intro = gettext_lazy(
        "What partners download from the portal. Expired assets are hidden from partners and flagged "
        "here; replace their file or move the expiry date."
    )
    filterset_class = ConsoleAssetFilter
    default_sort = "title"
    noun_plural = gettext_lazy("assets")
    empty_title = gettext_lazy("No asset yet.")
    empty_text = gettext_lazy("Upload the logos, decks and papers partners ask for.")
    export_name = "assets"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        _require_view(request)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        return (
            Asset.objects.visible_to(self.request.user)
            .select_related("owner", "current_version")
            .prefetch_related("tiers", "programs")
            .annotate(download_count=Count("downloads"))
        )

    def get_actions(self) -> list[dict[str, Any]]:
        actions: list[dict[str, Any]] = [
            {
                "label": _("Downloads by partner"),
                "url": reverse("console:asset_downloads"),
                "icon": "chart-bar",
            }
        ]
        if may_manage_assets(self.request.user):
            actions.append(
                {
                    "label": _("Upload an asset"),
                    "url": reverse("console:asset_new"),
                    "icon": "plus",
                    "primary": True,
                }
            )
        return actions

    def get_empty_action(self) -> tuple[str, Any] | None:
        return (
            (reverse("console:asset_new"), gettext_lazy("Upload an asset"))
            if may_manage_assets(self.request.user)
            else None
        )

    def get_columns(self) -> list[Column]:
        return [
            Column(
                "title",
                gettext_lazy("Asset"),
                link=lambda a: reverse("console:asset", args=[a.pk]),
                sort="title",
            ),
            Column("kind", gettext_lazy("Kind"), value=lambda a: a.get_kind_display(), sort="kind"),
            Column("status", gettext_lazy("Status"), status="asset", sort="status"),
            Column("visibility", gettext_lazy("Visible to"), value=_visibility_text),
            Column(
                "version",
                gettext_lazy("Version"),
                value=lambda a: a.current_version.number if a.current_version else None,
                numeric=True,
            ),
            Column(
                "expires_on",
                gettext_lazy("Expires"),
                html=_expiry_cell,
                sort="expires_on",
                export_value=lambda a: a.expires_on,
            ),
            Column("download_count", gettext_lazy("Downloads"), numeric=True, sort="download_count"),
            Column("owner", gettext_lazy("Owner"), value=lambda a: a.owner.full_name or a.owner.email),
        ]


console_list = ConsoleAssets.as_view()


@method_decorator(staff_required, name="dispatch")
class ConsoleDownloads(ListPage):
    """Downloads per partner: how many, of how many assets, the last one."""

    title = gettext_lazy("Asset downloads by partner")
    nav = NAV
    intro = gettext_lazy(
        "Which partners use the asset library. Each partner's downloads per asset are on the asset's page."
    )
    default_sort = "-downloads"
    noun_plural = gettext_lazy("partners")
    empty_title = gettext_lazy("No downloads yet.")
    empty_text = gettext_lazy("Downloads appear here as soon as partners use the library.")
    export_name = "asset-downloads"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        _require_view(request)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        return AssetDownload.objects.values("partner_id", "partner__legal_name").annotate(
            downloads=Count("id"), assets=Count("asset_id", distinct=True), last=Max("at")
        )

    def ordering(self) -> list[str]:
        fields = super().ordering()
        return ["partner_id" if f == "pk" else f for f in fields]

    def get_breadcrumbs(self) -> list[dict[str, Any]]:
        return [
            {"label": _("Asset library"), "url": reverse("console:assets")},
            {"label": _("Downloads by partner")},
        ]

    def get_columns(self) -> list[Column]:
        return [
            Column(
                "partner__legal_name",
                gettext_lazy("Partner"),
                link=lambda r: reverse("console:partner_detail", args=[r["partner_id"]]),
                sort="partner__legal_name",
            ),
            Column("downloads", gettext_lazy("Downloads"), numeric=True, sort="downloads"),
            Column("assets", gettext_lazy("Assets"), numeric=True, sort="assets"),
            Column("last", gettext_lazy("Last download"), sort="last"),
        ]


console_downloads = ConsoleDownloads.as_view()


def _crumbs(*extra: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"label": _("Asset library"), "url": reverse("console:assets")}, *extra]


def _console_asset(request: HttpRequest, pk: int) -> Asset:
    _require_view(request)
    return get_object_or_404(
        Asset.objects.visible_to(request.user)
        .select_related("owner", "current_version")
        .prefetch_related("tags", "tiers", "programs"),
        pk=pk,
    )


def _console_page(
    request: HttpRequest,
    asset: Asset,
    form: AssetForm | None = None,
    version_form: VersionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    may_manage = may_manage_assets(request.user)
    versions = list(asset.versions.select_related("uploaded_by").order_by("-number"))
    for v in versions:
        v.size_text = _size(v.size)  # type: ignore[attr-defined]
    per_partner = Table(
        key="downloads",
        title=gettext_lazy("Downloads by partner"),
        columns=[
            Column(
                "partner__legal_name",
                gettext_lazy("Partner"),
                link=lambda r: reverse("console:partner_detail", args=[r["partner_id"]]),
            ),
            Column("n", gettext_lazy("Downloads"), numeric=True),
            Column("last", gettext_lazy("Last download")),
        ],
        rows=list(
            asset.downloads.values("partner_id", "partner__legal_name")
            .annotate(n=Count("id"), last=Max("at"))
            .order_by("-n", "partner__legal_name")[:50]
        ),
        total=asset.downloads.values("partner_id").distinct().count(),
        empty_title=gettext_lazy("No partner downloaded it yet."),
    )
    return render(
        request,
        "assets/console_asset.html",
        {
            "asset": asset,
            "versions": versions,
            "per_partner": per_partner,
            "download_total": asset.downloads.count(),
            "acceptances": asset.guideline_acceptances.filter(
                guidelines_sha256=asset.guidelines_sha256
            ).count()
            if asset.has_guidelines
            else None,
            "expired": asset.is_expired(),
            "visibility": _visibility_text(asset),
            "form": (form or AssetForm.for_asset(asset)) if may_manage else None,
            "version_form": (version_form or VersionForm()) if may_manage else None,
            "may_manage": may_manage,
            "nav": NAV,
            "breadcrumbs": _crumbs({"label": asset.title}),
        },
        status=status,
    )


def _new_page(request: HttpRequest, form: NewAssetForm | None = None, status: int = 200) -> HttpResponse:
    if not may_manage_assets(request.user):
        raise NotAllowed(NOT_ALLOWED)
    return render(
        request,
        "assets/console_new.html",
        {"form": form or NewAssetForm(), "nav": NAV, "breadcrumbs": _crumbs({"label": _("Upload an asset")})},
        status=status,
    )


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": data["title"],
        "kind": data["kind"],
        "description": data["description"],
        "tags": data["tags"],
        "language": data["language"] or "",
        "tiers": list(data["tiers"]),
        "programs": list(data["programs"]),
        "owner": data["owner"],
        "expires_on": data["expires_on"],
        "guidelines": data["guidelines"],
    }


def _allowed(request: StaffRequest, obj: Any) -> bool:
    return may_manage_assets(request.user)


def _files(request: HttpRequest, obj: Any) -> dict[str, Any]:
    return {"files": request.FILES}


create = Action[StaffRequest](
    load=lambda request: None,
    allowed=_allowed,
    not_allowed=NOT_ALLOWED,
    form_class=NewAssetForm,
    form_kwargs=_files,
    perform=lambda request, obj, data: asset_create(
        **_fields(data), data=data["file"], filename=data["filename"], note=data["note"], by=request.user
    ),
    success=gettext_lazy("Asset saved as a draft. Publish it when it is ready."),
    redirect_to=lambda request, obj, result: reverse("console:asset", args=[result.pk]),
    on_invalid=lambda request, obj, form: _new_page(request, form, status=400),  # type: ignore[arg-type]
)
change = Action[StaffRequest](
    load=_console_asset,
    allowed=_allowed,
    not_allowed=NOT_ALLOWED,
    form_class=AssetForm,
    form_kwargs=lambda request, obj: {"asset": obj},
    perform=lambda request, obj, data: asset_update(asset=obj, **_fields(data), by=request.user),
    success=gettext_lazy("Asset saved."),
    redirect_to=lambda request, obj, result: reverse("console:asset", args=[obj.pk]),
    on_invalid=lambda request, obj, form: _console_page(request, obj, form=form, status=400),  # type: ignore[arg-type]
)
new_version = Action[StaffRequest](
    load=_console_asset,
    allowed=_allowed,
    not_allowed=NOT_ALLOWED,
    form_class=VersionForm,
    form_kwargs=_files,
    perform=lambda request, obj, data: asset_add_version(
        asset=obj, data=data["file"], filename=data["filename"], note=data["note"], by=request.user
    ),
    success=lambda obj, result: _("Version %(n)d uploaded: partners now download it.") % {"n": result.number},
    redirect_to=lambda request, obj, result: reverse("console:asset", args=[obj.pk]),
    on_invalid=lambda request, obj, form: _console_page(request, obj, version_form=form, status=400),  # type: ignore[arg-type]
)


def _button(service: Callable[..., Any], success: Any) -> Action[StaffRequest]:
    return Action[StaffRequest](
        load=_console_asset,
        allowed=_allowed,
        not_allowed=NOT_ALLOWED,
        perform=lambda request, obj, data: service(asset=obj, by=request.user),
        success=success,
        redirect_to=lambda request, obj, result: reverse("console:asset", args=[obj.pk]),
    )


publish = _button(asset_publish, gettext_lazy("Published: the partners it is visible to can download it."))
archive = _button(asset_archive, gettext_lazy("Archived: partners no longer see it."))

console_new = staff_required(page_or_action(lambda request: _new_page(request), create))
console_asset = staff_required(
    page_or_action(lambda request, pk: _console_page(request, _console_asset(request, pk)), change)
)
console_version_new = staff_required(new_version.view)
console_publish = staff_required(publish.view)
console_archive = staff_required(archive.view)


@staff_required
@require_safe
def console_version_download(request: StaffRequest, pk: int, number: int) -> HttpResponseBase:
    """A staff preview of any version (not counted as a partner download)."""
    asset = _console_asset(request, pk)
    version = get_object_or_404(AssetVersion, asset=asset, number=number)
    return private_file_response(version.file, filename=version.filename, content_type=version.content_type)
