"""Reads for work items: staff see every item; partner people only items shared with their partner."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import models
from django.utils import timezone

from channelops.partners.querysets import _partner_scope


class WorkItemQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> WorkItemQuerySet:
        scope, pid = _partner_scope(user)
        if scope == "all":
            return self
        if scope == "partner":
            return self.filter(partner_id=pid, shared_with_partner=True)
        return self.none()

    def open(self) -> WorkItemQuerySet:
        return self.exclude(status__in=("done", "cancelled"))


class TaskQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> TaskQuerySet:
        scope, pid = _partner_scope(user)
        if scope == "all":
            return self
        if scope == "partner":
            return self.filter(item__partner_id=pid, item__shared_with_partner=True)
        return self.none()

    def open(self) -> TaskQuerySet:
        return self.filter(done_at__isnull=True).exclude(item__status__in=("done", "cancelled"))

    def overdue(self, today: date | None = None) -> TaskQuerySet:
        return self.open().filter(due_on__lt=today or timezone.localdate())
