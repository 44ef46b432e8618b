"""Badge pages: ``public_patterns`` (under /badges/, no sign-in), ``portal_patterns`` (under
/portal/badges/), ``console_patterns`` (under /console/)."""

from django.urls import path

from . import views

public_patterns: list = [
    path("issuer", views.issuer, name="issuer"),
    path("keys.json", views.issuer_keys, name="keys"),
    path("status/<int:list_id>", views.status_list, name="status_list"),
    path("<uuid:pk>/", views.badge_page, name="badge"),
    path("<uuid:pk>.json", views.badge_json, name="badge_json"),
]

portal_patterns: list = [
    path("", views.PortalBadges.as_view(), name="badges"),
]

console_patterns: list = [
    path("badges/", views.ConsoleBadges.as_view(), name="badges"),
    path("badges/<uuid:pk>/", views.console_badge, name="badge"),
]
