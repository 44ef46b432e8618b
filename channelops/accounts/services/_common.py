"""Shared by the account services: the access event log and the permission cache."""

from __future__ import annotations

from django.utils import timezone

from ..models import AccessEvent, AccessRequest, User


def _forget_perm_cache(user: User) -> None:
    """Django caches a user's permissions on the object; a grant or revocation must not be hidden."""
    for attr in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(attr, None)


def _access_event(
    *, request: AccessRequest | None, user: User, perm: str, kind: str, by: User | None, detail: str = ""
) -> AccessEvent:
    return AccessEvent.objects.create(
        request=request, user=user, perm=perm, kind=kind, by=by, at=timezone.now(), detail=detail
    )
