"""NFR request pages: ``portal_patterns`` (under /portal/nfr/) and ``console_patterns`` (under /console/)."""

from django.urls import path

from . import views

portal_patterns = [
    path("", views.portal_nfr_requests, name="nfr_requests"),
    path("new/", views.portal_nfr_request_new, name="nfr_request_new"),
    path("<int:pk>/", views.portal_nfr_request, name="nfr_request"),
    path("<int:pk>/withdraw/", views.portal_nfr_request_withdraw, name="nfr_request_withdraw"),
]

console_patterns = [
    path("nfr/", views.console_nfr_requests, name="nfr_requests"),
    path("nfr/export.<str:fmt>", views.console_nfr_requests_export, name="nfr_requests_export"),
    path("nfr/new/", views.console_nfr_request_new, name="nfr_request_new"),
    path("nfr/<int:pk>/", views.console_nfr_request, name="nfr_request"),
    path("nfr/<int:pk>/reject/", views.console_nfr_request_reject, name="nfr_request_reject"),
    path("nfr/<int:pk>/ask/", views.console_nfr_request_ask, name="nfr_request_ask"),
    path("nfr/<int:pk>/approve/", views.console_nfr_request_approve, name="nfr_request_approve"),
    path("nfr/<int:pk>/correct/", views.console_nfr_request_correct, name="nfr_request_correct"),
    path("nfr/templates/", views.console_message_templates, name="nfr_message_templates"),
    path("nfr/templates/<slug:key>/", views.console_message_template, name="nfr_message_template"),
]

# License pages (channelops/licensing/views/licenses.py): under /portal/licenses/ and /console/.
license_portal_patterns = [
    path("", views.portal_licenses, name="licenses"),
    path("<uuid:pk>/", views.portal_license, name="license"),
    path("<uuid:pk>/file", views.portal_license_file, name="license_file"),
]

license_console_patterns = [
    path("licenses/", views.console_licenses, name="licenses"),
    path("licenses/<uuid:pk>/", views.console_license, name="license"),
    path("licenses/<uuid:pk>/file", views.console_license_file, name="license_file"),
    path("licenses/<uuid:pk>/revoke/", views.console_license_revoke, name="license_revoke"),
]
