"""Asset library pages: the console's under /console/assets/ (``console_patterns``), the portal's
under /portal/assets/ (``portal_patterns``)."""

from django.urls import path

from . import views

console_patterns = [
    path("assets/", views.console_list, name="assets"),
    path("assets/new/", views.console_new, name="asset_new"),
    path("assets/downloads/", views.console_downloads, name="asset_downloads"),
    path("assets/<int:pk>/", views.console_asset, name="asset"),
    path("assets/<int:pk>/versions/", views.console_version_new, name="asset_version_new"),
    path(
        "assets/<int:pk>/versions/<int:number>/download/",
        views.console_version_download,
        name="asset_version_download",
    ),
    path("assets/<int:pk>/publish/", views.console_publish, name="asset_publish"),
    path("assets/<int:pk>/archive/", views.console_archive, name="asset_archive"),
]

portal_patterns = [
    path("", views.portal_list, name="assets"),
    path("<int:pk>/", views.portal_asset, name="asset"),
    path("<int:pk>/download/", views.portal_download, name="asset_download"),
]
