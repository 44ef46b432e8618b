"""Outgoing webhooks (SPEC S13, docs/webhooks.md): endpoints staff register and each delivery to them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .querysets import WebhookDeliveryQuerySet, WebhookEndpointQuerySet


class WebhookEndpoint(models.Model):
    """A URL that receives the chosen event kinds, signed with its own secret (Standard Webhooks).

    An endpoint that keeps failing is disabled (``disabled_at``, ``disabled_reason``) and its owner
    is told by e-mail; staff enable it again once the receiver is fixed.
    """

    url = models.URLField(_("URL"), max_length=2000)
    description = models.CharField(_("description"), max_length=200, blank=True)
    secret = models.CharField(_("signing secret"), max_length=100)
    event_kinds = models.JSONField(_("events"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="webhook_endpoints"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WebhookEndpointQuerySet.as_manager()

    class Meta:
        ordering = ["url", "pk"]
        verbose_name = _("webhook endpoint")

    def __str__(self) -> str:
        return self.url

    @property
    def status(self) -> str:
        return "active" if self.is_active else "disabled"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RETRYING = "retrying", _("Failed, will retry")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not sent (endpoint disabled)")


class WebhookDelivery(models.Model):
    """One event sent (or to be sent) to one endpoint; a replay is a new delivery of the same message.

    ``message_id`` is the ``webhook-id`` header: the same for every attempt and replay of an event,
    so a receiver can drop duplicates.
    """

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    message_id = models.CharField(max_length=64, db_index=True)
    kind = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    response_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    replay_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["endpoint", "-created_at"])]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self) -> str:
        return f"{self.kind} → {self.endpoint_id} ({self.status})"
