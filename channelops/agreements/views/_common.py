"""Helpers shared by the agreement pages: who may act (same-URL page + action views are
``channelops.core.actions.page_or_action``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from channelops.partners.pages import PartnerRequest

NOT_PARTNER_ADMIN = _("Only your company's partner admins can do this.")
NOT_YOUR_ROLE = _("Your role does not allow this.")


def is_partner_admin(request: PartnerRequest, obj: Any = None) -> bool:
    return bool(request.membership.is_admin)


def has_perm(perm: str) -> Callable[[HttpRequest, Any], bool]:
    def check(request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm(perm)

    return check
