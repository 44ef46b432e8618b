"""The console work queues of the help desk: account reviews due, and the questions' queues (the
regions' shared queues, your questions, triage, overdue)."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse
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
    register_question_queues()


def questions_url(queue: str) -> str:
    """The console's questions list filtered to ``queue`` (the questions pages; their list page is
    ``console:questions``), or the work-queues page while that page does not exist."""
    try:
        return reverse("console:questions") + f"?queue={queue}"
    except NoReverseMatch:
        return reverse("console:queues")


def region_questions(user: Any) -> Any:
    """The shared queue of the regions ``user`` serves (routing table): their active questions,
    assigned or not; leadership and administrators: every region's."""
    from .models import Question

    qs = Question.objects.visible_to(user).active().filter(region__isnull=False)
    if user.is_superuser or user.has_role(LEADERSHIP, ADMINISTRATOR):
        return qs
    return qs.filter(region__routing__phd_specialist=user)


def register_question_queues() -> None:
    from .models import Question

    roles = frozenset({PHD, LEADERSHIP, ADMINISTRATOR})
    register_queue(
        WorkQueue(
            key="questions_region",
            title=_("Questions of your regions"),
            description=_(
                "The shared queue of the regions you serve: open questions of their partners, "
                "assigned or not. Take the unassigned ones."
            ),
            items=region_questions,
            url=lambda: questions_url("region"),
            roles=roles,
        )
    )
    register_queue(
        WorkQueue(
            key="questions_mine",
            title=_("Your questions"),
            description=_("Open questions assigned to you."),
            items=lambda user: Question.objects.visible_to(user).active().filter(assignee=user),
            url=lambda: questions_url("mine"),
            roles=roles,
        )
    )
    register_queue(
        WorkQueue(
            key="questions_triage",
            title=_("Questions to triage"),
            description=_(
                "E-mails from senders we could not match to a partner (or that named another "
                "partner's question): find the partner, or answer them."
            ),
            items=lambda user: Question.objects.visible_to(user).triage(),
            url=lambda: questions_url("triage"),
            roles=roles,
        )
    )
    register_queue(
        WorkQueue(
            key="questions_overdue",
            title=_("Overdue questions"),
            description=_("Open questions past their first-response or resolution target."),
            items=lambda user: Question.objects.visible_to(user).overdue(),
            url=lambda: questions_url("overdue"),
            roles=roles,
        )
    )
