"""Building blocks every page uses: the access decorators and safe spreadsheet export cells.

They live in core so feature apps build their portal and console pages without importing the
portal or console apps (apps depend downwards; see DESIGN.md).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _


def staff_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Signed in as staff; anyone else gets 403."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not request.user.is_staff:
            raise PermissionDenied(_("The console is for staff."))
        return view(request, *args, **kwargs)

    return wrapper


def partner_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Signed in as a partner person (``request.partner``, ``request.membership`` set); staff are
    sent to the console."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if user.is_staff:
            return redirect("console:home")
        membership = user.partner_membership  # type: ignore[union-attr]
        if membership is None:
            raise Http404(_("You are not linked to a partner."))
        partner_model = apps.get_model("partners", "Partner")  # partners sits above core
        request.partner = partner_model.objects.visible_to(user).select_related("region", "tier", "cam").get()  # type: ignore[attr-defined]
        request.membership = membership  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


def safe_cell(v: Any) -> Any:
    """Neutralise spreadsheet formulas in exported text (CSV injection)."""
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return v


class Echo:
    """A file-like object for ``csv.writer`` that returns each row, for streaming responses."""

    def write(self, value: str) -> str:
        return value
