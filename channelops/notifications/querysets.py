"""Reads for notifications: everyone sees only their own rules and notifications."""

from __future__ import annotations

from typing import Any

from django.db import models


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


class NotificationRuleQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> NotificationRuleQuerySet:
        """A person's own rules (rules are personal: nobody sets them up for someone else)."""
        return self.filter(user=user) if _signed_in(user) else self.none()


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> NotificationQuerySet:
        return self.filter(user=user) if _signed_in(user) else self.none()

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)

    def digest_due(self) -> NotificationQuerySet:
        return self.filter(how="digest", digested_at__isnull=True)
