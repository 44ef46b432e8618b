"""NFR request pages: ``portal_patterns`` (under /portal/nfr/) and ``console_patterns`` (under /console/)."""

from django.urls import path

from . import views

portal_patterns = [
    path("", views.portal_nfr_requests, name="nfr_requests"),
    path("new/", views.portal_nfr_request_new, name="nfr_request_new"),
    path("<int:pk>/", views.portal_nfr_request, name="nfr_request"),
]

console_patterns = [
    path("nfr/", views.console_nfr_requests, name="nfr_requests"),
    path("nfr/export.<str:fmt>", views.console_nfr_requests_export, name="nfr_requests_export"),
    path("nfr/new/", views.console_nfr_request_new, name="nfr_request_new"),
    path("nfr/<int:pk>/", views.console_nfr_request, name="nfr_request"),
    path("nfr/<int:pk>/reject/", views.console_nfr_request_reject, name="nfr_request_reject"),
    path("nfr/<int:pk>/ask/", views.console_nfr_request_ask, name="nfr_request_ask"),
]
