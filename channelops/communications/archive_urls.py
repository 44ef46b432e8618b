"""URL patterns of the public Partner Flash archive (/newsletter/archive/…) and the portal's Partner Flash page."""

from django.urls import path

from . import views_archive as v

public_patterns: list = [
    path("", v.archive_list, name="archive"),
    path("image/<str:token>/", v.archive_image, name="archive_image"),
    path("<slug:slug>/", v.archive_edition, name="archive_edition"),
]
portal_patterns: list = [
    path("flash/", v.portal_flash, name="comms_flash"),
]
console_patterns: list = []
