"""The portal's pages of partner communications (under /portal/communications/)."""

from django.urls import include, path

from . import archive_urls, audience_urls, editions_urls, other_urls, tracking_urls

urlpatterns = [
    path("", include(audience_urls.portal_patterns)),
    path("", include(archive_urls.portal_patterns)),
    path("", include(editions_urls.portal_patterns)),
    path("", include(tracking_urls.portal_patterns)),
    path("", include(other_urls.portal_patterns)),
]
