"""Helpers shared by the agreement pages: who may act, and same-URL page + action views."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils.translation import gettext_lazy as _

from channelops.core.actions import Action

NOT_PARTNER_ADMIN = _("Only your company's partner admins can do this.")
NOT_YOUR_ROLE = _("Your role does not allow this.")


def is_partner_admin(request: HttpRequest, obj: Any = None) -> bool:
    return bool(request.membership.is_admin)  # type: ignore[attr-defined]


def has_perm(perm: str) -> Callable[[HttpRequest, Any], bool]:
    def check(request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm(perm)

    return check


def page_or_action(page: Callable[..., Any], action: Action) -> Callable[..., HttpResponse]:
    """One URL that shows a page (GET) and performs its form's action (POST)."""

    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST":
            return action.view(request, *args, **kwargs)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
        return page(request, *args, **kwargs)

    view.__name__ = getattr(page, "__name__", "view")
    view.__doc__ = page.__doc__
    return view
