"""The console work queue of reviews: open account reviews due today or earlier."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from channelops.accounts.roles import ADMINISTRATOR, LEADERSHIP, PHD
from channelops.core.queues import WorkQueue, register_queue


def register() -> None:
    from .models import AccountReview

    register_queue(
        WorkQueue(
            key="reviews_due",
            title=_("Account reviews due"),
            description=_("Your open account reviews (and unassigned ones) due today or overdue."),
            items=lambda user: (
                AccountReview.objects.visible_to(user).worked_by(user).due(timezone.localdate())
            ),
            url=lambda: reverse("console:reviews") + "#due",
            roles=frozenset({PHD, LEADERSHIP, ADMINISTRATOR}),
        )
    )
