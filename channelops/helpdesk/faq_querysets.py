"""Reads of the FAQ: who sees which article.

- anonymous visitors (and anyone not signed in): published public articles;
- partner people: published public and partner-only articles;
- staff: every published article; staff with ``helpdesk.manage_faq`` also drafts.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

MANAGE_PERM = "helpdesk.manage_faq"


def may_manage_faq(user: Any) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and user.is_staff
        and user.has_perm(MANAGE_PERM)
    )


def is_partner_person(user: Any) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and not user.is_staff
        and user.partner_membership is not None
    )


class FaqArticleQuerySet(models.QuerySet):
    def published(self) -> FaqArticleQuerySet:
        return self.filter(status="published")

    def public(self) -> FaqArticleQuerySet:
        """What an anonymous visitor sees (the public FAQ page)."""
        return self.published().filter(visibility="public")

    def visible_to(self, user: Any) -> FaqArticleQuerySet:
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.public()
        if user.is_staff:
            return self if may_manage_faq(user) else self.published()
        if is_partner_person(user):
            return self.published()
        return self.public()

    def stale(self, today: date | None = None) -> FaqArticleQuerySet:
        """Articles whose last review is older than ``CHANNELOPS_FAQ_REVIEW_DAYS``."""
        days = int(getattr(settings, "FAQ_REVIEW_DAYS", 180))
        return self.filter(last_reviewed__lt=(today or timezone.localdate()) - timedelta(days=days))
