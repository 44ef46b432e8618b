"""Agreement pages: ``portal_patterns`` (under /portal/agreements/) and ``console_patterns`` (under /console/)."""

from django.urls import path

from . import views

portal_patterns = [
    path("", views.portal_agreements, name="agreements"),
    path("versions/<int:pk>/", views.portal_version, name="agreement_version"),
    path("regions/", views.portal_region_request, name="region_request"),
    path("legal/", views.portal_legal_requests, name="legal_requests"),
    path("legal/<int:pk>/", views.portal_legal_request, name="legal_request"),
    path("legal/<int:pk>/withdraw/", views.portal_legal_withdraw, name="legal_request_withdraw"),
]

console_patterns = [
    path("agreements/", views.console_templates, name="agreements"),
    path("agreements/report/", views.console_report, name="agreement_report"),
    path("agreements/<int:pk>/", views.console_template, name="agreement_template"),
    path("agreements/<int:pk>/diff/", views.console_diff, name="agreement_diff"),
    path("agreements/versions/<int:pk>/", views.console_version, name="agreement_version"),
    path(
        "agreements/versions/<int:pk>/publish/",
        views.console_version_publish,
        name="agreement_version_publish",
    ),
    path(
        "agreements/versions/<int:pk>/translation/",
        views.console_version_translation,
        name="agreement_version_translation",
    ),
    path("region-exceptions/", views.console_region_exceptions, name="region_exceptions"),
    path("region-exceptions/<int:pk>/", views.console_region_exception, name="region_exception"),
    path("legal-requests/", views.console_legal_requests, name="legal_requests"),
    path("legal-requests/<int:pk>/", views.console_legal_request, name="legal_request"),
    path("legal-requests/<int:pk>/offer/", views.console_legal_offer, name="legal_request_offer"),
    path("legal-requests/<int:pk>/withdraw/", views.console_legal_withdraw, name="legal_request_withdraw"),
]
