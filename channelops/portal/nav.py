"""The portal's navigation (channelops/core/navigation.py): groups and entries."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from channelops.core.navigation import PORTAL, NavItem, register_nav, register_nav_group


def _unread(user: Any) -> Any:
    from channelops.notifications.models import Notification

    return Notification.objects.filter(user=user, read_at__isnull=True)


def register() -> None:
    for key, label in (
        ("home", _("Home")),
        ("business", _("Your business")),
        ("enablement", _("Enablement")),
        ("company", _("Company")),
    ):
        register_nav_group(PORTAL, key, label)
    entries = [
        ("home", "dashboard", _("Dashboard"), "portal:dashboard", "home"),
        ("home", "notifications", _("Notifications"), "portal:notifications", "bell"),
        ("home", "work", _("Collaboration"), "portal:work_items", "checklist"),
        ("business", "agreements", _("Agreements"), "portal:agreements", "signature"),
        ("business", "nfr", _("NFR licenses"), "portal:nfr_requests", "clipboard-list"),
        ("business", "licenses", _("Licenses"), "portal:licenses", "key"),
        ("enablement", "enablement", _("Enablement"), "portal:enablement_home", "school"),
        ("enablement", "badges", _("Badges"), "portal:badges", "id-badge-2"),
        ("company", "company", _("Company profile"), "portal:company", "building"),
        ("company", "users", _("Users"), "portal:users", "users"),
    ]
    for order, (group, key, label, url_name, icon) in enumerate(entries):
        register_nav(
            NavItem(
                area=PORTAL,
                group=group,
                key=key,
                label=label,
                url_name=url_name,
                icon=icon,
                badge=_unread if key == "notifications" else None,
                order=order * 10,
            )
        )
