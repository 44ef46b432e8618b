"""Writes of the portal's question pages that the agreed interface has no service for.

``question_partner_resolve``: the partner's side marks its question resolved ("my question is
answered"). Kept apart from ``question_services.py`` (helper B's) to merge cleanly; move it there
when the branches meet.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channelops.accounts.models import User
from channelops.core.exceptions import NotAllowed

from .question_models import MessageKind, Question, QuestionMessage, QuestionSource, QuestionStatus
from .question_services import may_reply_as_partner


@transaction.atomic
def question_partner_resolve(*, question: Question, by: User) -> Question:
    """The partner's side says the question is answered: resolved (no resolution e-mail: they
    said so themselves), with a line in the thread. A reply reopens it."""
    locked = Question.objects.select_for_update(of=("self",)).select_related("partner").get(pk=question.pk)
    if not may_reply_as_partner(by, locked):
        raise NotAllowed(_("You cannot change this question."))
    if locked.merged_into_id is not None:
        raise ValidationError(_("This question was merged into another one."))
    if locked.status in (QuestionStatus.RESOLVED, QuestionStatus.CLOSED):
        raise ValidationError(_("This question is already resolved."))
    now = timezone.now()
    locked.status = QuestionStatus.RESOLVED
    locked.resolved_at = now
    locked._history_user = by  # type: ignore[attr-defined]
    locked.save()
    QuestionMessage.objects.create(
        question=locked,
        author=by,
        author_email=by.email,
        kind=MessageKind.SYSTEM,
        body=_("%(name)s marked the question resolved.") % {"name": by.full_name or by.email},
        via=QuestionSource.PORTAL,
        created_at=now,
    )
    return locked
