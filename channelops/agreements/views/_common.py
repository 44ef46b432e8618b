"""Helpers shared by the agreement pages."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _

PAGE_SIZE = 50
REPORT_PAGE_SIZE = 100


def require_partner_admin(request: HttpRequest) -> None:
    if not request.membership.is_admin:  # type: ignore[attr-defined]
        raise PermissionDenied(_("Only your company's partner admins can do this."))


def require_perm(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied(_("Your role does not allow this."))
