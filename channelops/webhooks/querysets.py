"""Reads for webhooks: staff only (webhooks.view_webhookendpoint); partner people see nothing."""

from __future__ import annotations

from typing import Any

from django.db import models

VIEW_PERM = "webhooks.view_webhookendpoint"
CHANGE_PERM = "webhooks.change_webhookendpoint"


def may_view(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_staff and user.has_perm(VIEW_PERM))


class WebhookEndpointQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> WebhookEndpointQuerySet:
        return self if may_view(user) else self.none()

    def subscribed_to(self, kind: str) -> WebhookEndpointQuerySet:
        # JSON containment is not on SQLite: the list is short, filter the active ones in Python.
        ids = [
            pk for pk, kinds in self.filter(is_active=True).values_list("pk", "event_kinds") if kind in kinds
        ]
        return self.filter(pk__in=ids)


class WebhookDeliveryQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> WebhookDeliveryQuerySet:
        return self if may_view(user) else self.none()
