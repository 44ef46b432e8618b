"""The console's navigation (channelops/core/navigation.py): groups and entries.

Each entry states what its page checks, so nobody sees a link that answers 403.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from channelops.core.navigation import CONSOLE, NavItem, register_nav, register_nav_group


def _unread(user: Any) -> Any:
    from channelops.notifications.models import Notification

    return Notification.objects.filter(user=user, read_at__isnull=True)


def _may_view_plans(user: Any) -> bool:
    from channelops.enablement.services.plans import may_view_plans

    return may_view_plans(user)


def _administrator(user: Any) -> bool:
    return bool(user.is_superuser or user.has_role("administrator"))


def register() -> None:
    for key, label in (
        ("work", _("Work")),
        ("partners", _("Partners")),
        ("requests", _("Requests and licenses")),
        ("enablement", _("Enablement")),
        ("communications", _("Communications")),
        ("admin", _("Administration")),
    ):
        register_nav_group(CONSOLE, key, label)
    entries = [
        ("work", "queues", _("Work queues"), "console:queues", "inbox", None, None),
        ("work", "work", _("My work"), "console:my_work", "checklist", None, None),
        ("work", "reviews", _("Account reviews"), "console:reviews", "calendar", None, None),
        ("partners", "directory", _("Partners"), "console:directory", "building", None, None),
        ("partners", "applications", _("Applications"), "console:applications", "user-check", None, None),
        ("partners", "agreements", _("Agreements"), "console:agreements", "signature", None, None),
        ("partners", "legal", _("Legal requests"), "console:legal_requests", "file-text", None, None),
        (
            "requests",
            "nfr",
            _("NFR requests"),
            "console:nfr_requests",
            "clipboard-list",
            "licensing.view_nfrrequest",
            None,
        ),
        ("requests", "licenses", _("Licenses"), "console:licenses", "key", "licensing.view_license", None),
        (
            "enablement",
            "certifications",
            _("Certifications"),
            "console:certifications",
            "certificate",
            "enablement.view_certification",
            None,
        ),
        (
            "enablement",
            "partner_certifications",
            _("Partner certifications"),
            "console:partner_certifications",
            "award",
            None,
            None,
        ),
        ("enablement", "badges", _("Badges"), "console:badges", "id-badge-2", "badges.view_badge", None),
        ("enablement", "plans", _("Plans"), "console:plans", "target", None, _may_view_plans),
        ("admin", "access", _("Access"), "console:access", "shield-check", None, None),
        ("admin", "data", _("Data console"), "admin:index", "database", None, _administrator),
    ]
    for order, (group, key, label, url_name, icon, perm, visible) in enumerate(entries):
        register_nav(
            NavItem(
                area=CONSOLE,
                group=group,
                key=key,
                label=label,
                url_name=url_name,
                icon=icon,
                perm=perm,
                visible=visible,
                order=order * 10,
            )
        )
    register_nav(
        NavItem(
            area=CONSOLE,
            group="work",
            key="notifications",
            label=_("Notifications"),
            url_name="console:notifications",
            icon="bell",
            badge=_unread,
            order=15,
        )
    )
