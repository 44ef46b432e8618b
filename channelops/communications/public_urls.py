"""The public pages of partner communications under /newsletter/ (no sign-in): each part adds its own
module's patterns (``links.py`` lists the addresses mailings link to)."""

from django.urls import include, path

from . import archive_urls, audience_urls, tracking_urls

urlpatterns = [
    path("", include(audience_urls.public_patterns)),  # sign-up, confirm, preferences, unsubscribe
    path("", include(tracking_urls.public_patterns)),  # open pixel, clicks, feedback
    path("archive/", include(archive_urls.public_patterns)),  # the public archive
]
