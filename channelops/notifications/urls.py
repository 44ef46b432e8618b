"""Notification pages: ``console_patterns`` (under /console/) and ``portal_patterns`` (under /portal/)."""

from django.urls import path

from . import views


def _patterns(shell: str) -> list:
    s = {"shell": shell}
    return [
        path("notifications/", views.notification_list, s, name="notifications"),
        path("notifications/read/", views.notifications_read_all, s, name="notifications_read_all"),
        path("notifications/<int:pk>/read/", views.notification_read, s, name="notification_read"),
        path("notifications/rules/", views.notification_rules, s, name="notification_rules"),
        path("notifications/rules/<int:pk>/", views.notification_rule, s, name="notification_rule"),
        path(
            "notifications/rules/<int:pk>/delete/",
            views.notification_rule_remove,
            s,
            name="notification_rule_delete",
        ),
    ]


console_patterns = _patterns("console")
portal_patterns = _patterns("portal")
