"""Template context every page gets: demo flag, the shell's navigation, the person's name."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from .navigation import CONSOLE, PORTAL, nav_for


def nav_area(request: HttpRequest) -> str | None:
    """The shell a page belongs to: the console for staff, the portal for partner people."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if user.is_staff:
        return CONSOLE
    return PORTAL if getattr(user, "partner_membership", None) is not None else None


def _initials(name: str) -> str:
    parts = [p for p in name.replace("@", " ").replace(".", " ").split() if p]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


def channelops(request: HttpRequest) -> dict[str, Any]:
    area = nav_area(request)
    context: dict[str, Any] = {
        "DEMO_MODE": settings.DEMO_MODE,
        "PRODUCTION": settings.PRODUCTION,
        "nav_area": area,
        # Error pages and pages used by both kinds of people extend this.
        "shell_template": "layouts/app.html" if area else "base.html",
    }
    user = getattr(request, "user", None)
    if area:
        context["nav_groups"] = SimpleLazyObject(lambda: nav_for(area, user))
        context["nav_home_url"] = reverse("console:home" if area == CONSOLE else "portal:dashboard")
        context["search_url"] = reverse("console:search" if area == CONSOLE else "portal:search")
    if user is not None and user.is_authenticated:
        name = str(user)
        context["user_display_name"] = name
        context["user_initials"] = _initials(name)
        if area == PORTAL:
            # partner_required has loaded request.partner (with one query) by the time a page renders
            context["user_subtitle"] = SimpleLazyObject(
                lambda: str(getattr(request, "partner", None) or user.partner_membership.partner)
            )
        else:
            context["user_subtitle"] = _("Staff") if user.is_staff else ""
    return context
