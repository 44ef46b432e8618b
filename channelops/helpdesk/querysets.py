"""Reads for reviews: staff see every review; partner people never see any."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

from channelops.accounts.roles import ADMINISTRATOR, LEADERSHIP


def sees_every_review(user: Any) -> bool:
    return bool(user.is_superuser or user.has_role(LEADERSHIP, ADMINISTRATOR))


class AccountReviewQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> AccountReviewQuerySet:
        """Reviews are internal: staff see them all, anyone else none."""
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        return self if user.is_staff else self.none()

    def open(self) -> AccountReviewQuerySet:
        return self.filter(status="open")

    def for_partner(self, partner: Any) -> AccountReviewQuerySet:
        """The reviews of one partner (a ``Partner`` or its id); chain after ``visible_to(user)``."""
        return self.filter(partner_id=getattr(partner, "pk", partner))

    def due(self, today: date | None = None) -> AccountReviewQuerySet:
        """Open reviews due today or earlier."""
        return self.open().filter(due_date__lte=today or timezone.localdate())

    def overdue(self, today: date | None = None) -> AccountReviewQuerySet:
        return self.open().filter(due_date__lt=today or timezone.localdate())

    def worked_by(self, user: Any) -> AccountReviewQuerySet:
        """A specialist's reviews and the unassigned ones; leadership and administrators: all."""
        if sees_every_review(user):
            return self
        return self.filter(Q(specialist=user) | Q(specialist__isnull=True))


class ReviewItemQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> ReviewItemQuerySet:
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        return self if user.is_staff else self.none()
