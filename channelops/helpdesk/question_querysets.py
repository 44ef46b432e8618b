"""Reads of questions: who sees which question and message.

- partner people: their partner's questions, without internal notes;
- staff with ``helpdesk.answer_question`` (PHD specialists, channel leadership, administrators):
  every question, triage included;
- CAMs (and other staff) without it: the questions of the partners they are the CAM of;
- anyone else: nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

ANSWER_PERM = "helpdesk.answer_question"
ACTIVE = ("new", "open", "waiting")


def _signed_in(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def may_answer_questions(user: Any) -> bool:
    """Staff who work the help desk: answer, route, note, merge, close any question."""
    return bool(_signed_in(user) and user.is_staff and user.has_perm(ANSWER_PERM))


class QuestionQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> QuestionQuerySet:
        if not _signed_in(user):
            return self.none()
        if user.is_staff:
            if may_answer_questions(user):
                return self
            return self.filter(partner__cam=user)
        pid = user.partner_id
        if pid is None:
            return self.none()
        return self.filter(partner_id=pid)

    def for_partner(self, partner: Any) -> QuestionQuerySet:
        return self.filter(partner_id=getattr(partner, "pk", partner))

    def active(self) -> QuestionQuerySet:
        """New, open or waiting on the partner (not resolved, closed or merged)."""
        return self.filter(status__in=ACTIVE)

    def open_for_partner(self, partner: Any) -> QuestionQuerySet:
        """A partner's questions the help desk has not resolved yet (the review checklist's read)."""
        return self.for_partner(partner).active()

    def triage(self) -> QuestionQuerySet:
        """Active questions of unknown senders (no partner): a person sorts them out."""
        return self.active().filter(partner__isnull=True)

    def in_region(self, region: Any) -> QuestionQuerySet:
        return self.filter(region_id=getattr(region, "pk", region))

    def unassigned(self) -> QuestionQuerySet:
        return self.filter(assignee__isnull=True)

    def worked_by(self, user: Any) -> QuestionQuerySet:
        """A specialist's questions, the unassigned ones of the regions they serve and (for
        leadership and administrators) every one."""
        from channelops.accounts.roles import ADMINISTRATOR, LEADERSHIP

        if user.is_superuser or user.has_role(LEADERSHIP, ADMINISTRATOR):
            return self
        return self.filter(Q(assignee=user) | Q(assignee__isnull=True, region__routing__phd_specialist=user))

    def overdue(self, now: datetime | None = None) -> QuestionQuerySet:
        """Active questions past their first-response target (not yet answered) or their
        resolution target."""
        now = now or timezone.now()
        return self.active().filter(
            Q(first_response_at__isnull=True, first_response_due__lt=now) | Q(resolution_due__lt=now)
        )

    def for_list(self) -> QuestionQuerySet:
        return self.select_related("partner", "region", "assignee", "requester")


class QuestionMessageQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> QuestionMessageQuerySet:
        """Messages of the questions ``user`` sees; internal notes only for staff."""
        from .question_models import Question

        qs = self.filter(question__in=Question.objects.visible_to(user).values("pk"))
        if not (_signed_in(user) and user.is_staff):
            qs = qs.exclude(kind="note")
        return qs

    def public(self) -> QuestionMessageQuerySet:
        """What the partner may read (no internal notes)."""
        return self.exclude(kind="note")


class QuestionAttachmentQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> QuestionAttachmentQuerySet:
        from .question_models import QuestionMessage

        return self.filter(message__in=QuestionMessage.objects.visible_to(user).values("pk"))


class MacroQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> MacroQuerySet:
        return self if may_answer_questions(user) else self.none()

    def active(self) -> MacroQuerySet:
        return self.filter(active=True)
