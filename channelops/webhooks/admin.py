"""The data console shows webhooks read-only: endpoints are managed on /console/webhooks/, where
the services validate the URL and keep the secret; deliveries are written by the worker."""

from django.contrib import admin

from channelops.core.admin import ReadOnlyAdmin

from .models import WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ["url", "is_active", "consecutive_failures", "owner", "created_at"]
    exclude = ["secret"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["kind", "endpoint", "status", "attempts", "response_code", "created_at"]
    list_filter = ["status", "kind"]
