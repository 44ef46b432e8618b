"""Badges over the API; every query starts from ``Badge.objects.visible_to(request.user)``.

Partner people list their own partner's badges; staff list all and (with the permissions of the
channel program manager) approve and revoke.
"""

# No `from __future__ import annotations` here: django-ninja cannot resolve a `Query[Schema]`
# parameter of a paginated endpoint from a string annotation (vitalik/django-ninja#1424).
from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from channelops.core.apischema import Error, InSchema
from channelops.core.pagination import Pagination

from .models import Badge, BadgeStatus
from .services import badge_approve, badge_revoke, public_url

router = Router(tags=["Badges"])


class BadgeOut(Schema):
    id: UUID
    partner_id: int
    certification: str = Field(..., alias="certification.name")
    holder_name: str
    status: BadgeStatus
    state: str = Field(
        ...,
        description="valid, expired, revoked, pending (awaiting approval) or signing (approved, being signed)",
    )
    valid_from: date
    valid_until: date | None
    issued_at: datetime | None
    revoked_at: datetime | None
    url: str = Field(..., description="The public verification page")

    @staticmethod
    def resolve_state(obj: Badge) -> str:
        return obj.state()

    @staticmethod
    def resolve_url(obj: Badge) -> str:
        return public_url(obj)


class BadgeDetailOut(BadgeOut):
    revocation_reason: str
    credential: dict[str, Any] | None = Field(None, description="The signed OpenBadgeCredential")


class BadgeFilter(Schema):
    status: BadgeStatus | None = None


class RevokeIn(InSchema):
    reason: str = Field(..., min_length=1, max_length=2000)


def _badge(request: Any, pk: UUID) -> Badge:
    return get_object_or_404(Badge.objects.visible_to(request.user).select_related("certification"), pk=pk)


@router.get("/badges", response=list[BadgeOut], summary="List badges")
@paginate(Pagination)
def list_badges(request: Any, filters: Query[BadgeFilter]) -> QuerySet[Badge]:
    rows = (
        Badge.objects.visible_to(request.user).select_related("certification").order_by("-created_at", "id")
    )
    if filters.status:
        rows = rows.filter(status=filters.status)
    return rows


@router.get(
    "/badges/{badge_id}",
    response={200: BadgeDetailOut, 404: Error},
    summary="Get a badge",
)
def get_badge(request: Any, badge_id: UUID) -> Badge:
    return _badge(request, badge_id)


@router.post(
    "/badges/{badge_id}/approve",
    response={200: BadgeOut, 403: Error, 404: Error, 409: Error},
    summary="Approve a badge",
)
def approve_badge(request: Any, badge_id: UUID) -> Any:
    badge = _badge(request, badge_id)
    if not request.user.is_staff:
        raise PermissionDenied(_("Only staff approve badges."))
    try:
        return badge_approve(badge=badge, by=request.user)
    except ValueError as exc:
        return 409, {"detail": str(exc)}


@router.post(
    "/badges/{badge_id}/revoke",
    response={200: BadgeOut, 403: Error, 404: Error, 409: Error},
    summary="Revoke a badge",
)
def revoke_badge(request: Any, badge_id: UUID, body: RevokeIn) -> Any:
    badge = _badge(request, badge_id)
    if not request.user.is_staff:
        raise PermissionDenied(_("Only staff revoke badges."))
    try:
        return badge_revoke(badge=badge, by=request.user, reason=body.reason)
    except ValueError as exc:
        return 409, {"detail": str(exc)}
