"""URL patterns of one part of partner communications (public, portal and console), filled by that part.

Tracking and metrics (docs/communications-tracking.md): the public open pixel, click redirect and
feedback (``links.py`` fixes their addresses), the console's mailing report and metrics pages.
"""

from django.urls import path

from . import views_metrics, views_tracking

public_patterns: list = [
    path("o/<str:token>.gif", views_tracking.open_pixel, name="open"),
    path("c/<str:token>/", views_tracking.click, name="click"),
    path("f/<str:token>/", views_tracking.feedback, name="feedback"),
]
portal_patterns: list = []
console_patterns: list = [
    path("mailings/<int:pk>/report/", views_metrics.mailing_report, name="comms_mailing_report"),
    path(
        "mailings/<int:pk>/report/recipients.<str:fmt>",
        views_metrics.mailing_report_export,
        name="comms_mailing_report_export",
    ),
    path("metrics/", views_metrics.over_time, name="comms_metrics"),
]
