from django.urls import path, re_path

from channelops.core.pages import staff_required

from . import views, webhooks

# Under /console/ (included by channelops/console/urls.py).
console_patterns = [
    path("inbound/", views.inbound_messages, name="inbound_messages"),
    path("inbound/<int:pk>/", views.inbound_message, name="inbound_message"),
    path("inbound/<int:pk>/retry/", staff_required(views.retry.view), name="inbound_retry"),
    path("inbound/<int:pk>/discard/", staff_required(views.discard.view), name="inbound_discard"),
]

# Under /inbound/ (channelops/urls.py): provider webhooks, signature-verified (webhooks.py).
public_patterns = [
    re_path(r"^mailgun/(?:(?P<mime>inbound_mime)/)?$", webhooks.mailgun_inbound, name="mailgun"),
]
