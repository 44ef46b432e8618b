"""Questions over the API (issue 16); every query starts from ``visible_to(request.user)``.

Partner people list, read, ask and reply in their own partner's questions (a partner's API token
sees only its partner's questions, never internal notes); a CAM asks and replies for the
partners they manage; the help desk (``helpdesk.answer_question``) sees every question, answers
(e-mailed to the requester, threaded) and writes internal notes.
"""

# No `from __future__ import annotations` here: django-ninja cannot resolve a `Query[Schema]`
# parameter of a paginated endpoint from a string annotation (vitalik/django-ninja#1424).
import base64
import binascii
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from channelops.core.apischema import ID_MAX, Error, InSchema
from channelops.core.exceptions import NotAllowed
from channelops.core.pagination import Pagination
from channelops.partners.models import Partner

from .question_models import (
    MessageKind,
    Question,
    QuestionAttachment,
    QuestionCategory,
    QuestionMessage,
    QuestionPriority,
    QuestionSource,
    QuestionStatus,
)
from .question_querysets import may_answer_questions
from .question_services import may_reply_as_partner, question_partner_reply, question_reply, question_submit

router = Router(tags=["Questions"])


class AttachmentIn(InSchema):
    filename: str = Field(..., min_length=1, max_length=200)
    content_base64: str = Field(..., min_length=1, description="The file's bytes, base64-encoded")


class QuestionIn(InSchema):
    partner_id: int | None = Field(
        None,
        ge=1,
        le=ID_MAX,
        description="Staff (the partner's CAM, the help desk): the partner. Partner people: ignored (their own).",
    )
    category: QuestionCategory
    subject: str = Field(..., min_length=1, max_length=200)
    body: str = Field(..., min_length=1, max_length=50_000)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=10)


class ReplyIn(InSchema):
    body: str = Field(..., min_length=1, max_length=50_000)
    internal: bool = Field(
        False, description="The help desk only: an internal note (never e-mailed nor shown to partner people)"
    )
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=10)


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int


class MessageOut(Schema):
    id: int
    kind: MessageKind
    author: str | None = None
    author_email: str
    body: str = Field(
        ..., description="The message as written or received (quoted text and signatures trimmed)"
    )
    via: QuestionSource
    created_at: datetime
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_author(obj: QuestionMessage) -> str | None:
        return obj.author.get_full_name() if obj.author is not None else None

    @staticmethod
    def resolve_body(obj: QuestionMessage) -> str:
        return obj.text

    @staticmethod
    def resolve_attachments(obj: QuestionMessage) -> list:
        return list(obj.attachments.all())


class QuestionOut(Schema):
    id: int
    number: str
    partner_id: int | None
    partner: str | None = Field(None, alias="partner.legal_name")
    requester_email: str
    category: QuestionCategory
    subject: str
    status: QuestionStatus
    priority: QuestionPriority
    region: str | None = Field(None, alias="region.code")
    assignee: str | None = None
    source: QuestionSource
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    first_response_due: datetime | None
    resolution_due: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    merged_into: str | None = Field(
        None, alias="merged_into.number", description="The question it was merged into"
    )
    rating: str

    @staticmethod
    def resolve_assignee(obj: Question) -> str | None:
        return obj.assignee.get_full_name() if obj.assignee is not None else None


class QuestionDetailOut(QuestionOut):
    messages: list[MessageOut]

    @staticmethod
    def resolve_messages(obj: Question) -> list:
        return list(getattr(obj, "visible_messages", []))


class QuestionFilter(Schema):
    status: QuestionStatus | None = None
    active: bool | None = Field(
        None, description="Only questions not yet resolved (new, open, waiting on partner)"
    )
    partner_id: int | None = Field(None, ge=1, le=ID_MAX)
    category: QuestionCategory | None = None


def _questions(request) -> QuerySet:
    return Question.objects.visible_to(request.user).select_related(
        "partner", "region", "assignee", "merged_into"
    )


def _detail(request, question_id: int) -> Question:
    messages = (
        QuestionMessage.objects.visible_to(request.user)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=QuestionAttachment.objects.order_by("pk")))
        .order_by("created_at", "pk")
    )
    return get_object_or_404(
        _questions(request).prefetch_related(
            Prefetch("messages", queryset=messages, to_attr="visible_messages")
        ),
        pk=question_id,
    )


def _files(attachments: list[AttachmentIn]) -> list[tuple[str, bytes, str]]:
    out = []
    for att in attachments:
        try:
            content = base64.b64decode(att.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError(
                {"attachments": [_("%(name)s is not base64-encoded.") % {"name": att.filename}]}
            ) from None
        out.append((att.filename, content, ""))
    return out


@router.get("/questions", response=list[QuestionOut])
@paginate(Pagination)
def list_questions(request, filters: Query[QuestionFilter]):
    """Questions the token's owner may see, newest first."""
    qs = _questions(request)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.active:
        qs = qs.active()  # type: ignore[attr-defined]
    if filters.partner_id is not None:
        qs = qs.filter(partner_id=filters.partner_id)
    if filters.category:
        qs = qs.filter(category=filters.category)
    return qs.order_by("-created_at", "-pk")


@router.get("/questions/{question_id}", response={200: QuestionDetailOut, 404: Error})
def get_question(request, question_id: int):
    """One question with its thread (partner people never see internal notes)."""
    return _detail(request, question_id)


@router.post("/questions", response={201: QuestionDetailOut, 403: Error, 404: Error})
def create_question(request, body: QuestionIn):
    """Ask a question: routed to the partner's region and its PHD specialist; the requester gets
    an acknowledgement e-mail (replying to it adds to the question)."""
    user = request.user
    if user.is_staff:
        if body.partner_id is None:
            raise ValidationError({"partner_id": _("Staff name the partner the question is for.")})
        partner = get_object_or_404(Partner.objects.visible_to(user), pk=body.partner_id)
    else:
        membership = user.partner_membership
        if membership is None:
            raise NotAllowed(_("Only a partner's people ask questions."))
        partner = membership.partner
    question = question_submit(
        by=user,
        partner=partner,
        category=body.category,
        subject=body.subject,
        body=body.body,
        attachments=_files(body.attachments),
        via=QuestionSource.API,
    )
    return 201, _detail(request, question.pk)


@router.post("/questions/{question_id}/replies", response={201: MessageOut, 403: Error, 404: Error})
def reply_to_question(request, question_id: int, body: ReplyIn):
    """Reply in a question's thread. The help desk answers (e-mailed to the requester with
    threading headers; the question waits on the partner) or, with ``internal``, writes a note;
    the partner's side (its people, its CAM) replies and the question is open again."""
    user = request.user
    question = get_object_or_404(_questions(request), pk=question_id)
    files = _files(body.attachments)
    if may_answer_questions(user) and not may_reply_as_partner(user, question):
        message = question_reply(
            question=question,
            by=user,
            body=body.body,
            attachments=files,
            internal=body.internal,
            via=QuestionSource.API,
        )
    else:
        if body.internal:
            raise NotAllowed(_("Only the Partner Help Desk writes internal notes."))
        message = question_partner_reply(
            question=question, by=user, body=body.body, attachments=files, via=QuestionSource.API
        )
    return 201, QuestionMessage.objects.select_related("author").get(pk=message.pk)
