"""The asset library over the API; every query starts from ``Asset.objects.visible_to(request.user)``.

Partner people list, read and download the assets their partner may use (the same rules as the
portal: published, not expired, tier and program); staff with ``assets.view_asset`` see all. An
asset the token's owner may not see is a 404, whether listed, read or downloaded.
"""

# No `from __future__ import annotations` here: django-ninja cannot resolve a `Query[Schema]`
# parameter of a paginated endpoint from a string annotation (vitalik/django-ninja#1424).
from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from channelops.core.apischema import Error
from channelops.core.exceptions import NotAllowed
from channelops.core.files import private_file_response
from channelops.core.pagination import Pagination

from .models import Asset, AssetKind
from .services import GuidelinesNotAccepted, asset_download, guidelines_accept, guidelines_accepted

router = Router(tags=["Assets"])


class AssetOut(Schema):
    id: int
    title: str
    description: str
    kind: AssetKind
    language: str = Field(..., description='ISO 639-1 code; "" = any language')
    tags: list[str]
    expires_on: date | None
    version: int | None = Field(None, description="The current version's number")
    filename: str | None
    content_type: str | None
    size: int | None = Field(None, description="Bytes")
    sha256: str | None
    updated_at: datetime | None = Field(None, description="When the current version was uploaded")
    has_guidelines: bool
    status: str

    @staticmethod
    def resolve_tags(obj: Asset) -> list[str]:
        return [t.name for t in obj.tags.all()]

    @staticmethod
    def resolve_version(obj: Asset) -> int | None:
        return obj.current_version.number if obj.current_version else None

    @staticmethod
    def resolve_filename(obj: Asset) -> str | None:
        return obj.current_version.filename if obj.current_version else None

    @staticmethod
    def resolve_content_type(obj: Asset) -> str | None:
        return obj.current_version.content_type if obj.current_version else None

    @staticmethod
    def resolve_size(obj: Asset) -> int | None:
        return obj.current_version.size if obj.current_version else None

    @staticmethod
    def resolve_sha256(obj: Asset) -> str | None:
        return obj.current_version.sha256 if obj.current_version else None

    @staticmethod
    def resolve_updated_at(obj: Asset) -> datetime | None:
        return obj.current_version.uploaded_at if obj.current_version else None


class AssetDetailOut(AssetOut):
    guidelines: str = Field(
        ..., description="Usage guidelines (Markdown); accept them before the first download"
    )
    guidelines_accepted: bool = Field(
        ..., description="Whether the caller's partner accepted the current guidelines"
    )


class AssetFilter(Schema):
    kind: AssetKind | None = None
    tag: str | None = Field(None, description="A tag's slug")
    language: str | None = Field(None, description="Assets in this language or in any language")
    q: str | None = Field(None, max_length=100, description="Words in the title, description or tags")


def _visible(request: Any) -> QuerySet[Asset]:
    return Asset.objects.visible_to(request.user).select_related("current_version").prefetch_related("tags")


def _asset(request: Any, asset_id: int) -> Asset:
    return get_object_or_404(_visible(request), pk=asset_id)


@router.get("/assets", response=list[AssetOut], summary="List assets")
@paginate(Pagination)
def list_assets(request: Any, filters: Query[AssetFilter]) -> QuerySet[Asset]:
    rows = _visible(request)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.tag:
        rows = rows.filter(pk__in=Asset.tags.through.objects.filter(tag__slug=filters.tag).values("asset_id"))
    if filters.language:
        rows = rows.filter(language__in=[filters.language, ""])
    if filters.q:
        rows = rows.search(filters.q)  # type: ignore[attr-defined]
    return rows.order_by("title", "pk")


@router.get("/assets/{asset_id}", response={200: AssetDetailOut, 404: Error}, summary="Get an asset")
def get_asset(request: Any, asset_id: int) -> Any:
    asset = _asset(request, asset_id)
    asset.guidelines_accepted = guidelines_accepted(asset, request.user.partner_id)  # type: ignore[attr-defined]
    return asset


@router.post(
    "/assets/{asset_id}/guidelines/accept",
    response={200: AssetDetailOut, 403: Error, 404: Error},
    summary="Accept an asset's usage guidelines",
)
def accept_guidelines(request: Any, asset_id: int) -> Any:
    """For the caller's partner, once per text of the guidelines (partner people only)."""
    asset = _asset(request, asset_id)
    guidelines_accept(asset=asset, user=request.user, user_agent=request.META.get("HTTP_USER_AGENT", ""))
    asset.guidelines_accepted = True  # type: ignore[attr-defined]
    return asset


@router.get(
    "/assets/{asset_id}/download",
    response={200: str, 302: None, 404: Error, 409: Error},
    summary="Download an asset's current file",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file (local storage)",
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            },
            302: {"description": "A redirect to a signed URL valid for a minute (S3 storage)"},
        },
    },
)
def download_asset(request: Any, asset_id: int) -> Any:
    """Counted as a download of the caller's partner. A logo with usage guidelines answers 409 until
    they are accepted (``POST /assets/{id}/guidelines/accept``)."""
    asset = _asset(request, asset_id)
    try:
        version = asset_download(asset=asset, user=request.user)
    except NotAllowed as exc:
        raise Http404 from exc
    except GuidelinesNotAccepted as exc:
        return 409, {"detail": exc.messages[0]}
    return private_file_response(version.file, filename=version.filename, content_type=version.content_type)
