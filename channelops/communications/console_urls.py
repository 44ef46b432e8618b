"""The console's pages of partner communications (under /console/communications/)."""

from django.urls import include, path

from . import archive_urls, audience_urls, editions_urls, other_urls, tracking_urls

urlpatterns = [
    path("", include(audience_urls.console_patterns)),
    path("", include(archive_urls.console_patterns)),
    path("", include(editions_urls.console_patterns)),
    path("", include(tracking_urls.console_patterns)),
    path("", include(other_urls.console_patterns)),
]
