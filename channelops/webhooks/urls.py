from django.urls import path

from channelops.core.pages import staff_required

from . import views

# Under /console/ (included by channelops/console/urls.py).
console_patterns = [
    path("webhooks/", staff_required(views.endpoints), name="webhooks"),
    path("webhooks/new/", staff_required(views.endpoint_new), name="webhook_new"),
    path("webhooks/<int:pk>/", staff_required(views.endpoint_detail), name="webhook"),
    path("webhooks/<int:pk>/change/", staff_required(views.change.view), name="webhook_change"),
    path("webhooks/<int:pk>/enable/", staff_required(views.enable.view), name="webhook_enable"),
    path("webhooks/<int:pk>/disable/", staff_required(views.disable.view), name="webhook_disable"),
    path("webhooks/<int:pk>/rotate/", staff_required(views.rotate.view), name="webhook_rotate"),
    path("webhooks/<int:pk>/deliveries/", staff_required(views.deliveries), name="webhook_deliveries"),
    path(
        "webhooks/<int:pk>/deliveries/<int:delivery_pk>/replay/",
        staff_required(views.replay.view),
        name="webhook_replay",
    ),
]
