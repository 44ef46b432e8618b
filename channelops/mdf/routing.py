"""Approval routing of MDF proposals by amount and region (``settings.MDF_APPROVAL_ROUTE``).

A route is ``level:upper bound`` pairs from the smallest, the last level without a bound::

    cam:5000,channel_marketing:25000,channel_leadership

reads: up to 5,000 (program currency) the partner's CAM approves; above that up to 25,000 channel
marketing; above 25,000 channel leadership. A region can have its own route
(``CHANNELOPS_MDF_APPROVAL_ROUTE_<REGION CODE>``, e.g. ``..._APAC=cam:2000,channel_leadership``).
The routes are checked when the app starts (a Django system check) and on first use; a bad one
raises ``ImproperlyConfigured`` naming the setting and what is wrong.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .models import ApprovalLevel

Route = list[tuple[str, Decimal | None]]


def parse_route(text: str, *, name: str = "MDF_APPROVAL_ROUTE") -> Route:
    """``"cam:5000,channel_marketing:25000,channel_leadership"`` → [(level, upper bound or None)]."""
    parts = [p.strip() for p in (text or "").split(",") if p.strip()]
    if not parts:
        raise ImproperlyConfigured(
            f"{name} is empty; e.g. cam:5000,channel_marketing:25000,channel_leadership"
        )
    route: Route = []
    previous = Decimal("0")
    for i, part in enumerate(parts):
        level, _sep, bound = part.partition(":")
        level = level.strip()
        if level not in ApprovalLevel.values:
            raise ImproperlyConfigured(
                f"{name}: unknown approval level {level!r}; use {', '.join(ApprovalLevel.values)}"
            )
        last = i == len(parts) - 1
        if not bound.strip():
            if not last:
                raise ImproperlyConfigured(
                    f"{name}: {level} needs an upper bound (only the last level has none)"
                )
            route.append((level, None))
            continue
        if last:
            raise ImproperlyConfigured(f"{name}: the last level ({level}) has no upper bound")
        try:
            amount = Decimal(bound.strip())
        except InvalidOperation:
            raise ImproperlyConfigured(f"{name}: {bound.strip()!r} is not an amount") from None
        if not amount.is_finite() or amount <= previous:
            raise ImproperlyConfigured(f"{name}: the bounds must be positive and increasing ({part})")
        previous = amount
        route.append((level, amount))
    return route


def routes() -> tuple[Route, dict[str, Route]]:
    """(the default route, region code → its route), validated."""
    default = parse_route(getattr(settings, "MDF_APPROVAL_ROUTE", ""), name="MDF_APPROVAL_ROUTE")
    by_region = {
        str(code).upper(): parse_route(text, name=f"CHANNELOPS_MDF_APPROVAL_ROUTE_{str(code).upper()}")
        for code, text in (getattr(settings, "MDF_APPROVAL_ROUTES_BY_REGION", {}) or {}).items()
    }
    return default, by_region


def route_for(region_code: str | None) -> Route:
    default, by_region = routes()
    return by_region.get((region_code or "").upper(), default)


def approval_level(amount: Decimal, region_code: str | None) -> str:
    """The level that approves ``amount`` (program currency) in the region."""
    for level, bound in route_for(region_code):
        if bound is None or amount <= bound:
            return level
    return route_for(region_code)[-1][0]  # pragma: no cover - the last level has no bound


def check_routes(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """Django system check (registered in apps.py): the routes parse."""
    from django.core.checks import Error

    try:
        routes()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="mdf.E001")]
    return []
