"""Writes of questions (S9, issue 16): submit, reply, note, route, prioritise, resolve, merge, rate;
questions and replies that arrive by e-mail; the escalation of overdue questions.

Every service is keyword-only, runs in one transaction and raises ``ValidationError`` (bad input)
or ``NotAllowed`` (not this person's to do) before changing anything. Changes of a question are
recorded in its history (``simple_history``, with the acting person); the thread itself is the
record of what was said, by whom and when.

Who does what:

- partner people ask questions for their own partner and reply in their partner's questions;
- a CAM asks questions for the partners they manage (and replies in them);
- staff with ``helpdesk.answer_question`` (PHD specialists, channel leadership, administrators)
  answer, write internal notes, assign, set status and priority, merge, and ask on a partner's
  behalf from the console.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from channelops.accounts.models import StaffTeam, TeamKind, User
from channelops.core.exceptions import NotAllowed
from channelops.core.files import CheckedUpload, check_upload, removed_if_failed, store_upload
from channelops.partners.models import EngagementKind, Partner, RegionRouting
from channelops.partners.services import engagement_record

from . import question_emails as emails
from .business_hours import add_business_hours
from .question_models import (
    ACTIVE_STATUSES,
    Macro,
    MessageKind,
    Question,
    QuestionAttachment,
    QuestionCategory,
    QuestionMessage,
    QuestionPriority,
    QuestionRating,
    QuestionSource,
    QuestionStatus,
)
from .question_querysets import may_answer_questions

log = logging.getLogger(__name__)

MAX_BODY = 50_000
MAX_SUBJECT = 200

#: The upload kind of question attachments (``channelops.core.files``: images, PDF, office
#: documents, text; size limit ``CHANNELOPS_UPLOAD_LIMITS_MB["attachment"]``).
UPLOAD_KIND = "attachment"


# --- permissions ---------------------------------------------------------------------------------


def _active(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def may_ask_for(user: Any, partner: Partner | None) -> bool:
    """Whether ``user`` may ask a question for ``partner``: its people, its CAM, the help desk."""
    if not _active(user) or partner is None:
        return False
    if user.is_staff:
        return partner.cam_id == user.pk or may_answer_questions(user)
    return user.partner_id == partner.pk


def may_reply_as_partner(user: Any, question: Question) -> bool:
    """The partner's side of a question: its partner's people, its requester, the partner's CAM."""
    if not _active(user):
        return False
    if question.requester_id == user.pk:
        return True
    if question.partner_id is None:
        return False
    if user.is_staff:
        return question.partner is not None and question.partner.cam_id == user.pk
    return user.partner_id == question.partner_id


def _require_answerer(by: Any) -> None:
    if not may_answer_questions(by):
        raise NotAllowed(_("Only the Partner Help Desk, channel leadership and administrators do this."))


# --- input ---------------------------------------------------------------------------------------


def _read_attachment(att: Any) -> tuple[str, bytes]:
    if isinstance(att, tuple | list):
        name, content = att[0], att[1]
        return str(name or ""), bytes(content)
    name = getattr(att, "name", "") or ""
    if hasattr(att, "seek"):
        att.seek(0)
    return str(name), att.read()


def clean_attachments(attachments: Iterable[Any]) -> list[CheckedUpload]:
    """Check attachments (count; each file's size, name and type by content, images re-encoded:
    ``core.files.check_upload``); a ValidationError names every bad file, nothing is stored."""
    files = list(attachments or ())
    limit = int(getattr(settings, "QUESTION_ATTACHMENTS_MAX", 10))
    if len(files) > limit:
        raise ValidationError({"attachments": [_("Attach at most %(n)d files.") % {"n": limit}]})
    out, errors = [], []
    for att in files:
        name, content = _read_attachment(att)
        try:
            out.append(check_upload(content, name, kind=UPLOAD_KIND))
        except ValidationError as exc:
            errors.append(f"{name or '?'}: {' '.join(exc.messages)}")
    if errors:
        raise ValidationError({"attachments": errors})
    return out


def _clean_body(body: str, field: str = "body") -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise ValidationError({field: [_("Write your message.")]})
    if len(body) > MAX_BODY:
        raise ValidationError({field: [_("A message is at most %(n)d characters long.") % {"n": MAX_BODY}]})
    return body


def _clean_question(*, category: str, subject: str, body: str) -> tuple[str, str, str]:
    errors: dict[str, list[str]] = {}
    subject = " ".join((subject or "").split())
    if not subject:
        errors["subject"] = [_("Write a subject: what your question is about.")]
    elif len(subject) > MAX_SUBJECT:
        errors["subject"] = [_("A subject is at most %(n)d characters long.") % {"n": MAX_SUBJECT}]
    if category not in QuestionCategory.values:
        errors["category"] = [_("Choose a category.")]
    try:
        body = _clean_body(body)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return category, subject, body


def _store_attachments(message: QuestionMessage, files: list[CheckedUpload]) -> None:
    with removed_if_failed():  # a failure half-way removes the files already written
        for f in files:
            att = QuestionAttachment(
                message=message, filename=f.filename, content_type=f.content_type, size=f.size
            )
            att.file.name = store_upload(f)
            att.save()


# --- routing and targets -------------------------------------------------------------------------


def _next_number() -> str:
    last = Question.objects.aggregate(m=Max("number"))["m"] or "Q-000000"
    return f"Q-{int(last.split('-', 1)[1]) + 1:06d}"


def _route(partner: Partner | None) -> tuple[Any, User | None]:
    """(region, assignee): the partner's region and that region's PHD specialist."""
    if partner is None:
        return None, None
    routing = (
        RegionRouting.objects.filter(region_id=partner.region_id).select_related("phd_specialist").first()
    )
    specialist = routing.phd_specialist if routing else None
    if specialist is not None and not (specialist.is_active and specialist.is_staff):
        specialist = None
    return partner.region, specialist


def target_hours(kind: str, priority: str) -> float:
    table = (
        getattr(settings, "QUESTION_FIRST_RESPONSE_HOURS", {})
        if kind == "first_response"
        else getattr(settings, "QUESTION_RESOLUTION_HOURS", {})
    )
    defaults = (
        {"urgent": 1, "high": 4, "normal": 8, "low": 16}
        if kind == "first_response"
        else {"urgent": 8, "high": 16, "normal": 40, "low": 80}
    )
    return float(table.get(priority, defaults.get(priority, defaults["normal"])))


def _region_code(question: Question) -> str:
    return question.region.code if question.region is not None else ""


def _set_targets(question: Question) -> None:
    """The first-response and resolution targets from ``created_at``, in the region's business hours."""
    code = _region_code(question)
    start = question.created_at
    question.first_response_due = add_business_hours(
        start, target_hours("first_response", question.priority), region_code=code
    )
    question.resolution_due = add_business_hours(
        start, target_hours("resolution", question.priority), region_code=code
    )


def _save(question: Question, by: Any) -> None:
    question._history_user = by if isinstance(by, User) else None  # type: ignore[attr-defined]
    question.save()


# --- submitting ----------------------------------------------------------------------------------


def _create_question(
    *,
    partner: Partner | None,
    requester: User | None,
    requester_email: str,
    category: str,
    subject: str,
    source: str,
    by: Any,
) -> Question:
    region, assignee = _route(partner)
    question = Question(
        partner=partner,
        requester=requester,
        requester_email=requester_email,
        category=category,
        subject=subject,
        region=region,
        assignee=assignee,
        source=source,
        reply_token=emails.new_reply_token(),
        created_at=timezone.now(),
    )
    _set_targets(question)
    for _attempt in range(5):
        question.number = _next_number()
        try:
            with transaction.atomic():
                _save(question, by)
            break
        except IntegrityError:  # a concurrent question took the number (or token): take the next
            question.pk = None
            question.reply_token = emails.new_reply_token()
    else:  # pragma: no cover - five collisions in a row
        raise ValidationError(_("The question could not be saved; try again."))
    if partner is not None:
        engagement_record(
            partner=partner, kind=EngagementKind.QUESTION, user=requester, detail=question.number
        )
    return question


@transaction.atomic
def question_submit(
    *,
    by: User,
    partner: Partner,
    category: str,
    subject: str,
    body: str,
    attachments: Iterable[Any] = (),
    via: str = QuestionSource.PORTAL,
) -> Question:
    """Ask a question for ``partner`` (its people, its CAM, or the help desk on its behalf).

    Routed to the partner's region and that region's PHD specialist, with targets for the first
    response and the resolution; the requester gets an acknowledgement e-mail (threaded: replying
    to it adds to the question).
    """
    if via not in QuestionSource.values:
        raise ValidationError({"via": [_("Unknown source.")]})
    if not may_ask_for(by, partner):
        raise NotAllowed(_("You can ask questions only for your own partner."))
    category, subject, body = _clean_question(category=category, subject=subject, body=body)
    files = clean_attachments(attachments)
    question = _create_question(
        partner=partner,
        requester=by,
        requester_email=by.email,
        category=category,
        subject=subject,
        source=via,
        by=by,
    )
    first = _create_partner_message(
        question, author=by, author_email=by.email, body=body, files=files, via=via, at=question.created_at
    )
    # The acknowledgement is the e-mail form of the first message: its Message-ID threads replies.
    first.message_id = emails.send_acknowledgement(question, first)
    first.save(update_fields=["message_id"])
    return question


# --- the thread ----------------------------------------------------------------------------------


def _merged_number(question: Question) -> str:
    return question.merged_into.number if question.merged_into is not None else ""


def _lock(question: Question) -> Question:
    return (
        Question.objects.select_for_update(of=("self",))
        .select_related("partner", "region")
        .get(pk=question.pk)
    )


@transaction.atomic
def question_reply(
    *,
    question: Question,
    by: User,
    body: str,
    attachments: Iterable[Any] = (),
    internal: bool = False,
    via: str = QuestionSource.CONSOLE,
) -> QuestionMessage:
    """The help desk answers (e-mailed to the requester, threaded; new/open → waiting on the
    partner; the first answer stops the first-response clock) or, with ``internal=True``, writes
    an internal note (never e-mailed nor shown to partner people; changes nothing else)."""
    _require_answerer(by)
    body = _clean_body(body)
    files = clean_attachments(attachments)
    locked = _lock(question)
    if locked.merged_into_id is not None:
        raise ValidationError(
            _("This question was merged into %(n)s: answer there.") % {"n": _merged_number(locked)}
        )
    if not internal and locked.status == QuestionStatus.CLOSED:
        raise ValidationError(_("This question is closed. Reopen it to answer."))
    if not internal and not (locked.requester_id or locked.requester_email):
        raise ValidationError(_("This question has nobody to answer to."))
    now = timezone.now()
    message = QuestionMessage.objects.create(
        question=locked,
        author=by,
        author_email=by.email,
        kind=MessageKind.NOTE if internal else MessageKind.STAFF,
        body=body,
        via=via,
        created_at=now,
    )
    _store_attachments(message, files)
    if internal:
        return message
    message.message_id = emails.send_staff_reply(locked, message)
    thread = emails.thread_ids(locked, before=message)
    message.in_reply_to = thread[-1] if thread else ""
    message.save(update_fields=["message_id", "in_reply_to"])
    if locked.first_response_at is None:
        locked.first_response_at = now
    if locked.status in (QuestionStatus.NEW, QuestionStatus.OPEN):
        locked.status = QuestionStatus.WAITING
    if locked.assignee_id is None:
        locked.assignee = by
    _save(locked, by)
    return message


def _create_partner_message(
    question: Question,
    *,
    author: User | None,
    author_email: str,
    body: str,
    files: list[CheckedUpload],
    via: str,
    at: Any,
    body_display: str = "",
    body_html: str = "",
    message_id: str = "",
    in_reply_to: str = "",
) -> QuestionMessage:
    """A message from the partner's side (portal, API, e-mail) with its checked attachments."""
    message = QuestionMessage.objects.create(
        question=question,
        author=author,
        author_email=author_email,
        kind=MessageKind.PARTNER,
        body=body,
        body_display=body_display,
        body_html=body_html,
        message_id=message_id,
        in_reply_to=in_reply_to,
        via=via,
        created_at=at,
    )
    _store_attachments(message, files)
    return message


def _partner_message(
    question: Question,
    *,
    author: User | None,
    author_email: str,
    body: str,
    body_display: str = "",
    body_html: str = "",
    message_id: str = "",
    in_reply_to: str = "",
    files: list[CheckedUpload],
    via: str,
    by: Any,
) -> QuestionMessage:
    """Add the partner's message to a locked question; waiting/resolved → open."""
    message = _create_partner_message(
        question,
        author=author,
        author_email=author_email,
        body=body,
        body_display=body_display,
        body_html=body_html,
        message_id=message_id,
        in_reply_to=in_reply_to,
        files=files,
        via=via,
        at=timezone.now(),
    )
    if question.status in (QuestionStatus.WAITING, QuestionStatus.RESOLVED):
        question.status = QuestionStatus.OPEN
        question.resolved_at = None
        _save(question, by)
    return message


@transaction.atomic
def question_partner_reply(
    *,
    question: Question,
    by: User,
    body: str,
    attachments: Iterable[Any] = (),
    via: str = QuestionSource.PORTAL,
) -> QuestionMessage:
    """The partner's side replies (a partner person of the question's partner, its requester or
    the partner's CAM). The question is open again (a resolved one reopens); a closed question
    takes no more replies (ask a new question)."""
    locked = _lock(question)
    if not may_reply_as_partner(by, locked):
        raise NotAllowed(_("You cannot reply to this question."))
    body = _clean_body(body)
    files = clean_attachments(attachments)
    if locked.merged_into_id is not None:
        raise ValidationError(
            _("This question was merged into %(n)s: reply there.") % {"n": _merged_number(locked)}
        )
    if locked.status == QuestionStatus.CLOSED:
        raise ValidationError(_("This question is closed. Ask a new question if you need more help."))
    return _partner_message(locked, author=by, author_email=by.email, body=body, files=files, via=via, by=by)


# --- routing, status, priority -------------------------------------------------------------------


@transaction.atomic
def question_assign(*, question: Question, to: User | None, by: User) -> Question:
    """Give the question to a help-desk person (``to=None``: back to the region's shared queue)."""
    _require_answerer(by)
    if to is not None and not may_answer_questions(to):
        raise ValidationError({"assignee": [_("Assign the question to someone who answers questions.")]})
    locked = _lock(question)
    if locked.assignee_id == (to.pk if to else None):
        return locked
    locked.assignee = to
    _save(locked, by)
    return locked


@transaction.atomic
def question_set_status(*, question: Question, status: str, by: User) -> Question:
    """Set the status. Resolving e-mails the requester with one-click rating links; reopening a
    resolved or closed question clears its resolution."""
    _require_answerer(by)
    if status not in QuestionStatus.values:
        raise ValidationError({"status": [_("Choose a status.")]})
    locked = _lock(question)
    if locked.merged_into_id is not None:
        raise ValidationError(_("This question was merged into %(n)s.") % {"n": _merged_number(locked)})
    if locked.status == status:
        return locked
    now = timezone.now()
    locked.status = status
    if status == QuestionStatus.RESOLVED:
        locked.resolved_at = now
        locked.closed_at = None
    elif status == QuestionStatus.CLOSED:
        locked.closed_at = now
        locked.resolved_at = locked.resolved_at or now
    else:
        locked.resolved_at = None
        locked.closed_at = None
    _save(locked, by)
    if status == QuestionStatus.RESOLVED:
        emails.send_resolution(locked)
    return locked


@transaction.atomic
def question_set_priority(*, question: Question, priority: str, by: User) -> Question:
    """Set the priority; the targets are recomputed from when the question was asked."""
    _require_answerer(by)
    if priority not in QuestionPriority.values:
        raise ValidationError({"priority": [_("Choose a priority.")]})
    locked = _lock(question)
    if locked.priority == priority:
        return locked
    locked.priority = priority
    _set_targets(locked)
    locked.escalated_at = None  # new targets: escalate again when these pass
    _save(locked, by)
    return locked


@transaction.atomic
def question_set_partner(*, question: Question, partner: Partner, by: User) -> Question:
    """Sort a triage question (unknown sender) to a partner: routed to its region and specialist."""
    _require_answerer(by)
    locked = _lock(question)
    if locked.partner_id is not None:
        raise ValidationError(_("This question already belongs to a partner."))
    locked.partner = partner
    locked.region, locked.assignee = _route(partner)
    _set_targets(locked)
    if locked.requester_id is None and locked.requester_email:
        person = User.objects.filter(email__iexact=locked.requester_email, is_active=True).first()
        if person is not None and may_reply_as_partner(person, locked):
            locked.requester = person
    _save(locked, by)
    engagement_record(
        partner=partner, kind=EngagementKind.QUESTION, user=locked.requester, detail=locked.number
    )
    return locked


@transaction.atomic
def question_merge(*, source: Question, into: Question, by: User) -> Question:
    """Merge a duplicate: ``source``'s messages move into ``into`` (in time order), ``source`` is
    closed with ``merged_into`` set (replies to it land in ``into``). Only questions of the same
    partner (or a triage question into a partner's) merge."""
    _require_answerer(by)
    if source.pk == into.pk:
        raise ValidationError(_("A question is not merged into itself."))
    first, second = sorted([source.pk, into.pk])
    locked = {q.pk: q for q in Question.objects.select_for_update().filter(pk__in=[first, second])}
    src, dst = locked[source.pk], locked[into.pk]
    if src.merged_into_id is not None:
        raise ValidationError(_("This question was already merged."))
    if dst.merged_into_id is not None:
        raise ValidationError(_("Merge into the question it was merged into."))
    if src.partner_id is not None and src.partner_id != dst.partner_id:
        raise ValidationError(_("Only questions of the same partner are merged."))
    now = timezone.now()
    QuestionMessage.objects.filter(question=src).update(question=dst)
    Question.objects.filter(merged_into=src).update(merged_into=dst)
    QuestionMessage.objects.create(
        question=dst,
        author=by,
        author_email=by.email,
        kind=MessageKind.SYSTEM,
        body=_("%(n)s (%(subject)s) was merged into this question.")
        % {"n": src.number, "subject": src.subject},
        via=QuestionSource.CONSOLE,
        created_at=now,
    )
    src.merged_into = dst
    src.status = QuestionStatus.CLOSED
    src.closed_at = now
    _save(src, by)
    if dst.status in (QuestionStatus.RESOLVED, QuestionStatus.CLOSED) and src.status in ACTIVE_STATUSES:
        dst.status = QuestionStatus.OPEN
    if dst.first_response_at is None and src.first_response_at is not None:
        dst.first_response_at = src.first_response_at
    _save(dst, by)
    return dst


@transaction.atomic
def question_rate(*, question: Question, rating: str, token: str) -> Question:
    """The requester's one click in the resolution e-mail: ``good`` or ``bad``. The signed token
    names the question and the rating; clicking again is harmless (the latest click counts)."""
    decoded = emails.rating_from_token(token)
    if decoded is None or decoded != (question.pk, rating) or rating not in QuestionRating.values:
        raise ValidationError(_("This rating link is not valid. Open the newest e-mail about your question."))
    locked = _lock(question)
    if locked.resolved_at is None and locked.status not in (QuestionStatus.RESOLVED, QuestionStatus.CLOSED):
        raise ValidationError(_("This question is not resolved yet."))
    if locked.rating == rating:
        return locked
    locked.rating = rating
    locked.rated_at = timezone.now()
    _save(locked, None)
    return locked


# --- saved replies -------------------------------------------------------------------------------


@transaction.atomic
def macro_save(*, by: User, title: str, body: str, active: bool = True, macro: Macro | None = None) -> Macro:
    """Create (``macro=None``) or change a saved reply."""
    _require_answerer(by)
    errors: dict[str, list[str]] = {}
    title = " ".join((title or "").split())
    body = (body or "").strip()
    if not title:
        errors["title"] = [_("Give the saved reply a title.")]
    elif len(title) > 120:
        errors["title"] = [_("A title is at most 120 characters long.")]
    if not body:
        errors["body"] = [_("Write the saved reply.")]
    if errors:
        raise ValidationError(errors)
    obj = macro or Macro(created_by=by)
    obj.title, obj.body, obj.active = title, body, active
    obj._history_user = by  # type: ignore[attr-defined]
    obj.save()
    return obj


# --- e-mail in -----------------------------------------------------------------------------------

_ANGLE_RE = re.compile(r"<[^<>\s]+>")


def _ids(values: Iterable[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        bare = [f"<{v}>" for v in (value or "").split() if "@" in v and "<" not in v]
        for found in _ANGLE_RE.findall(value or "") or bare:
            if found not in out:
                out.append(found)
    return out


def _address(sender: str) -> str:
    from email.utils import parseaddr

    return parseaddr(sender or "")[1].strip().lower()


_SIGNATURE_RE = re.compile(r"^(--\s*|_{3,}\s*|Sent from my .*|Von meinem .* gesendet)$")


def trim_reply(text: str) -> str:
    """The new part of an e-mailed reply: quoted text and the signature removed."""
    from email_reply_parser import EmailReplyParser

    try:
        trimmed = EmailReplyParser.parse_reply(text or "")
    except Exception:  # never lose a message over the trimming
        log.warning("could not trim a reply", exc_info=True)
        return (text or "").strip()
    lines = (trimmed or "").strip().split("\n")
    for i, line in enumerate(lines):
        if i and _SIGNATURE_RE.match(line):
            lines = lines[:i]
            break
    return "\n".join(lines).strip() or (text or "").strip()


def _sender_fits(question: Question, address: str, person: User | None) -> bool:
    """Whether the sender of an e-mail may add to ``question``'s thread."""
    if question.requester_email and question.requester_email.lower() == address:
        return True
    if person is None:
        return False
    return may_reply_as_partner(person, question)


def _thread_for(
    *, in_reply_to: str, references: list[str], to: list[str], subject: str
) -> tuple[Question | None, bool]:
    """(the question an e-mail replies to, whether it carried a reply token at all). Headers
    first (In-Reply-To, then References: the newest known message), then a verified token."""
    ids = _ids([in_reply_to, *references])
    if ids:
        found = (
            QuestionMessage.objects.filter(message_id__in=ids)
            .exclude(kind=MessageKind.NOTE)
            .select_related("question")
            .order_by("-created_at", "-pk")
            .first()
        )
        if found is not None:
            return found.question, True
    tokens = emails.tokens_in(to, subject)
    for token in tokens:
        question = emails.question_for_token(token)
        if question is not None:
            return question, True
    return None, bool(tokens)


def _follow_merges(question: Question) -> Question:
    seen = set()
    while question.merged_into_id is not None and question.pk not in seen:
        seen.add(question.pk)
        question = question.merged_into  # type: ignore[assignment]
    return question


def _display(text: str, html: str) -> tuple[str, str, str]:
    body = (text or "").replace("\r\n", "\n").strip()
    clean_html = nh3.clean(html) if html else ""
    if not body and clean_html:
        body = nh3.clean(html, tags=set()).strip()
    return body[:MAX_BODY], trim_reply(body)[:MAX_BODY], clean_html[: MAX_BODY * 4]


def _email_files(attachments: Iterable[tuple[str, bytes, str]]) -> list[CheckedUpload]:
    """Attachments of an e-mail: the acceptable ones kept, the others dropped (logged)."""
    kept = []
    for att in attachments or ():
        try:
            kept += clean_attachments([att])
        except ValidationError:
            log.info("dropped an e-mailed attachment: %s", att[0] if att else "?")
    limit = int(getattr(settings, "QUESTION_ATTACHMENTS_MAX", 10))
    return kept[:limit]


def question_from_email(
    *,
    sender: str,
    to: list[str],
    subject: str,
    text: str,
    html: str,
    message_id: str,
    in_reply_to: str,
    references: list[str],
    attachments: list[tuple[str, bytes, str]],
    automated: bool,
) -> QuestionMessage | None:
    """An e-mail to the help-desk address (the inbound e-mail handler calls this).

    A reply threads into its question — matched by In-Reply-To/References against the thread's
    Message-IDs, then by the signed reply token in a ``help+<token>@`` address or ``[Q-… #token]``
    in the subject — only when the sender belongs to the question's partner (or is its requester
    or the partner's CAM). Anything else is a new question: routed to the sender's partner when
    the sender is one of its people, else (unknown sender, or a thread of another partner) in
    triage. Auto-replies and bounces (``automated``) create nothing and return None. The same
    Message-ID twice creates one message.
    """
    if automated:
        return None
    message_id = (_ids([message_id]) or [""])[0][:300]
    if message_id:
        existing = QuestionMessage.objects.filter(message_id=message_id).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            return _from_email(
                sender=sender,
                to=to,
                subject=subject,
                text=text,
                html=html,
                message_id=message_id,
                in_reply_to=in_reply_to,
                references=references,
                attachments=attachments,
            )
    except IntegrityError:
        if message_id:  # the same message delivered twice at once
            existing = QuestionMessage.objects.filter(message_id=message_id).first()
            if existing is not None:
                return existing
        raise


def _from_email(
    *,
    sender: str,
    to: list[str],
    subject: str,
    text: str,
    html: str,
    message_id: str,
    in_reply_to: str,
    references: list[str],
    attachments: list[tuple[str, bytes, str]],
) -> QuestionMessage:
    address = _address(sender)
    person = User.objects.filter(email__iexact=address, is_active=True).first() if address else None
    body, display, body_html = _display(text, html)
    if not body:
        body = display = _("(The e-mail had no text.)")
    files = _email_files(attachments)
    reply_to_id = (_ids([in_reply_to]) or [""])[0][:300]
    thread, hinted = _thread_for(
        in_reply_to=in_reply_to, references=references or [], to=to or [], subject=subject
    )
    partner: Partner | None = None
    if thread is not None:
        thread = _follow_merges(thread)
        if _sender_fits(thread, address, person) and thread.status != QuestionStatus.CLOSED:
            locked = _lock(thread)
            return _partner_message(
                locked,
                author=person,
                author_email=address,
                body=body,
                body_display=display,
                body_html=body_html,
                message_id=message_id,
                in_reply_to=reply_to_id,
                files=files,
                via=QuestionSource.EMAIL,
                by=person,
            )
        if _sender_fits(thread, address, person):
            partner = thread.partner  # a reply to a closed question: a new question of the partner
        else:  # never into another partner's thread: triage
            log.info("e-mail from %s named question %s of another partner: triage", address, thread.number)
    elif hinted:
        log.info("e-mail from %s carried a reply token that does not verify: triage", address)
    elif person is not None and not person.is_staff and person.partner_membership is not None:
        partner = person.partner_membership.partner  # a new question from one of a partner's people
    clean_subject = " ".join(emails.SUBJECT_TOKEN_RE.sub("", subject or "").split())[:MAX_SUBJECT]
    question = _create_question(
        partner=partner,
        requester=person,
        requester_email=address,
        category=QuestionCategory.OTHER,
        subject=clean_subject or _("(no subject)"),
        source=QuestionSource.EMAIL,
        by=person,
    )
    first = _create_partner_message(
        question,
        author=person,
        author_email=address,
        body=body,
        body_display=display,
        body_html=body_html,
        message_id=message_id,
        in_reply_to=reply_to_id,
        files=files,
        via=QuestionSource.EMAIL,
        at=question.created_at,
    )
    if (
        partner is not None
    ):  # a known partner's question: acknowledged (unknown senders are not: no backscatter)
        emails.send_acknowledgement(question, first)
    return first


# --- overdue questions ---------------------------------------------------------------------------


def _help_desk_lead() -> User | None:
    team = StaffTeam.objects.filter(kind=TeamKind.HELP_DESK).select_related("lead").first()
    lead = team.lead if team else None
    return lead if lead is not None and lead.is_active else None


def questions_escalate_overdue(*, now: datetime | None = None) -> dict[str, int]:
    """Questions past a target (first response or resolution) are escalated once per target: the
    assignee (or the region's specialist) and the Partner Help Desk team's lead are e-mailed and
    ``escalated_at`` is set. Idempotent (outbox keys); run by the work escalation job."""
    now = now or timezone.now()
    counts = {"questions": 0}
    lead = _help_desk_lead()
    overdue = (
        Question.objects.overdue(now)
        .filter(
            Q(escalated_at__isnull=True) | Q(resolution_due__lt=now, escalated_at__lt=F("resolution_due"))
        )
        .select_related("assignee", "region__routing__phd_specialist")
    )
    for question in overdue.iterator(chunk_size=200):
        first_late = bool(
            question.first_response_at is None
            and question.first_response_due is not None
            and question.first_response_due < now
        )
        target = "first_response" if first_late and question.escalated_at is None else "resolution"
        to = []
        owner = question.assignee
        if owner is None and question.region_id is not None:
            routing = getattr(question.region, "routing", None)
            owner = routing.phd_specialist if routing else None
        for person in (owner, lead):
            if person is not None and person.is_active and person.email:
                to.append(person.email)
        with transaction.atomic():
            claimed = Question.objects.filter(pk=question.pk, escalated_at=question.escalated_at).update(
                escalated_at=now
            )
            if not claimed:
                continue
            emails.send_overdue(question, to=to, target=target)
        counts["questions"] += 1
    return counts
