"""URL patterns of Partner Flash editions: the console's editor pages (/console/communications/editions/…)."""

from django.urls import path

from . import views_editions as v

public_patterns: list = []
portal_patterns: list = []
console_patterns: list = [
    path("editions/", v.console_editions, name="comms_editions"),
    path("editions/new/", v.console_edition_new, name="comms_edition_new"),
    path("editions/<int:pk>/", v.console_edition, name="comms_edition"),
    path("editions/<int:pk>/preview/", v.console_edition_preview, name="comms_edition_preview"),
    path("editions/<int:pk>/preview.html", v.console_edition_preview_html, name="comms_edition_preview_html"),
    path("editions/<int:pk>/send-date/", v.console_edition_send_date, name="comms_edition_send_date"),
    path("editions/<int:pk>/test-send/", v.console_edition_test_send, name="comms_edition_test_send"),
    path("editions/<int:pk>/schedule/", v.console_edition_schedule, name="comms_edition_schedule"),
    path("editions/<int:pk>/unschedule/", v.console_edition_unschedule, name="comms_edition_unschedule"),
    path("editions/<int:pk>/cancel/", v.console_edition_cancel, name="comms_edition_cancel"),
    path("editions/<int:pk>/unlock/", v.console_edition_unlock, name="comms_edition_unlock"),
]
