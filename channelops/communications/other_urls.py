"""URL patterns of announcements, special notices, webcasts and portal notices (views_other.py):
the console's under /console/communications/, the portal's under /portal/communications/."""

from django.urls import path

from . import views_other as v

public_patterns: list = []

portal_patterns = [
    path("webcasts/", v.portal_webcasts, name="comms_webcasts"),
    path("webcasts/<int:pk>.ics", v.portal_webcast_ics, name="comms_webcast_ics"),
    path("notices/<int:pk>/dismiss/", v.portal_notice_dismiss, name="comms_notice_dismiss"),
]

console_patterns = [
    path("announcements/", v.console_announcements, name="comms_announcements"),
    path("announcements/new/", v.console_announcement_new, name="comms_announcement_new"),
    path("announcements/<int:pk>/", v.console_announcement, name="comms_announcement"),
    path("announcements/<int:pk>/edit/", v.console_announcement_edit, name="comms_announcement_edit"),
    path(
        "announcements/<int:pk>/schedule/",
        v.console_announcement_schedule,
        name="comms_announcement_schedule",
    ),
    path(
        "announcements/<int:pk>/unschedule/",
        v.console_announcement_unschedule,
        name="comms_announcement_unschedule",
    ),
    path("announcements/<int:pk>/cancel/", v.console_announcement_cancel, name="comms_announcement_cancel"),
    path("webcasts/", v.console_webcasts, name="comms_webcasts"),
    path("webcasts/new/", v.console_webcast_new, name="comms_webcast_new"),
    path("webcasts/<int:pk>/", v.console_webcast, name="comms_webcast"),
    path("webcasts/<int:pk>/invite/", v.console_webcast_invite, name="comms_webcast_invite"),
    path("webcasts/<int:pk>/cancel/", v.console_webcast_cancel, name="comms_webcast_cancel"),
    path("notices/", v.console_notices, name="comms_notices"),
    path("notices/new/", v.console_notice_new, name="comms_notice_new"),
    path("notices/<int:pk>/", v.console_notice, name="comms_notice"),
    path("notices/<int:pk>/delete/", v.console_notice_delete, name="comms_notice_delete"),
]
