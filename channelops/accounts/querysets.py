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


def _sees_all_access(user: Any) -> bool:
    return bool(user.is_superuser or user.has_role("administrator", "channel_leadership"))


def _access_scope(user: Any, field: str) -> models.Q:
    """Own rows, plus the rows of the people in the teams ``user`` leads (their manager)."""
    from .models import StaffTeam

    led_members = StaffTeam.members.through.objects.filter(staffteam__lead_id=user.pk).values("user_id")
    return models.Q(**{f"{field}_id": user.pk}) | models.Q(**{f"{field}_id__in": led_members})


class AccessRequestQuerySet(models.QuerySet):
    def active_grants(self) -> AccessRequestQuerySet:
        """Approved requests whose grant has not run out (``granted_until`` is today or later)."""
        from django.utils import timezone

        return self.filter(status="approved", granted_until__gte=timezone.localdate())

    def visible_to(self, user: Any) -> AccessRequestQuerySet:
        """Staff only: leadership and administrators see every request; a manager sees their team
        members' requests; everyone sees their own. Partner people see none."""
        if not getattr(user, "is_authenticated", False) or not user.is_active or not user.is_staff:
            return self.none()
        if _sees_all_access(user):
            return self
        return self.filter(_access_scope(user, "user"))

    def awaiting(self, user: Any) -> AccessRequestQuerySet:
        """Open requests ``user`` may decide (never their own)."""
        return self.visible_to(user).filter(status="requested").exclude(user_id=user.pk)


class AccessEventQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> AccessEventQuerySet:
        """The audit trail, scoped like access requests."""
        if not getattr(user, "is_authenticated", False) or not user.is_active or not user.is_staff:
            return self.none()
        if _sees_all_access(user):
            return self
        return self.filter(_access_scope(user, "user"))

    def update(self, **kwargs):
        raise ValueError("Access events are an audit trail: they cannot be changed.")

    def delete(self):
        raise ValueError("Access events are an audit trail: they cannot be deleted.")
