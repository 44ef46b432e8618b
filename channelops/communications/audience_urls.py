"""URL patterns of the audience part (docs/communications-audience.md): the public sign-up,
confirmation, preferences, unsubscribe and provider webhooks under /newsletter/, the portal's
preferences, the console's subscribers and suppression list."""

from django.urls import path

from . import views_console_audience as console
from . import views_portal_audience as portal
from . import views_public_audience as public

public_patterns: list = [
    path("signup/", public.signup, name="signup"),
    path("signup/sent/", public.signup_sent, name="signup_sent"),
    path("confirm/<str:token>/", public.confirm, name="confirm"),
    path("p/<str:token>/", public.preferences, name="preferences"),
    path("u/<str:token>/", public.unsubscribe, name="unsubscribe"),
    path("webhooks/<slug:esp>/", public.provider_webhook, name="provider_webhook"),
]
portal_patterns: list = [
    path("preferences/", portal.portal_preferences, name="comms_preferences"),
]
console_patterns: list = [
    path("subscribers/", console.console_subscribers, name="comms_subscribers"),
    path("subscribers/<int:pk>/", console.console_subscriber, name="comms_subscriber"),
    path("suppression/", console.console_suppressions, name="comms_suppressions"),
    path("suppression/add/", console.console_suppression_add, name="comms_suppression_add"),
    path("suppression/<int:pk>/remove/", console.console_suppression_remove, name="comms_suppression_remove"),
]
