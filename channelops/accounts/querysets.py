"""Reads for people and tokens."""

from __future__ import annotations

from typing import Any

from django.db import models


class UserQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> UserQuerySet:
        """Staff see everyone; a partner person sees the people of their own partner."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.is_staff:
            return self
        if user.partner_id is None:
            return self.filter(pk=user.pk)
        return self.filter(membership__partner_id=user.partner_id)

    def staff(self) -> UserQuerySet:
        return self.filter(is_staff=True, is_active=True)

    def with_role(self, role: str) -> UserQuerySet:
        return self.filter(is_staff=True, is_active=True, groups__name=role)


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, user__is_active=True)

    def visible_to(self, user: Any) -> ApiTokenQuerySet:
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.is_superuser or user.has_role("administrator"):
            return self
        return self.filter(user=user)
