"""E-mails of questions: reply tokens, threading headers and the messages sent through the outbox.

Every e-mail about a question goes to its requester through ``core.outbox.email_enqueue`` with

- ``Message-ID`` = ``message_id_for(key)`` (stored on the :class:`QuestionMessage` it carries),
- ``In-Reply-To`` = the previous message's Message-ID and ``References`` = the thread's chain,
- ``Reply-To`` = the help-desk address plus-addressed with the question's signed reply token
  (``help+<token>@example.com``), and ``[Q-000123 #<token>]`` in the subject,

so a reply lands in the same question (``question_services.question_from_email`` matches the
headers first, then the token). Internal notes are never e-mailed.
"""

from __future__ import annotations

import re
import secrets
import string
from email.utils import getaddresses
from typing import Any

from django.conf import settings
from django.core import signing
from django.urls import NoReverseMatch, reverse
from django.utils.crypto import constant_time_compare

from channelops.core.links import absolute_url
from channelops.core.outbox import email_enqueue, message_id_for

from .question_models import MessageKind, Question, QuestionMessage

TOKEN_SALT = "channelops.helpdesk.question.reply"
RATING_SALT = "channelops.helpdesk.question.rating"
RATING_MAX_AGE = 180 * 24 * 3600  # a rating link works for about half a year
_TOKEN_CHARS = string.ascii_lowercase + string.digits
MAX_REFERENCES = 20

#: ``<random>-<signature>`` as it appears in a plus address or a subject.
TOKEN_RE = re.compile(r"([a-z0-9]{12,24}-[A-Za-z0-9_-]{16})")
SUBJECT_TOKEN_RE = re.compile(r"\[Q-\d+\s+#" + TOKEN_RE.pattern + r"\]")
NUMBER_RE = re.compile(r"\[(Q-\d{6,})\b")


def new_reply_token() -> str:
    return "".join(secrets.choice(_TOKEN_CHARS) for _ in range(16))


def _signature(raw: str) -> str:
    return signing.Signer(salt=TOKEN_SALT).signature(raw)[:16]


def reply_token_for(question: Question) -> str:
    """The signed reply token of ``question``: ``<reply_token>-<signature>``."""
    return f"{question.reply_token}-{_signature(question.reply_token)}"


def question_for_token(token: str) -> Question | None:
    """The question a signed reply token names, or None when the signature does not verify.

    Compared without regard to case (some mail systems lower-case the local part of addresses).
    """
    raw, sep, sig = (token or "").partition("-")
    if not sep or not raw or not sig:
        return None
    if not constant_time_compare(_signature(raw).lower(), sig.lower()):
        return None
    return Question.objects.filter(reply_token=raw).first()


def helpdesk_address() -> str:
    return str(getattr(settings, "HELPDESK_ADDRESS", "") or "help@channelops.localhost")


def reply_address(question: Question) -> str:
    """``help+<token>@domain`` for the help-desk address ``help@domain``."""
    local, _at, domain = helpdesk_address().rpartition("@")
    return f"{local}+{reply_token_for(question)}@{domain}"


def tokens_in(addresses: list[str], subject: str) -> list[str]:
    """The reply tokens of the plus addresses among ``addresses`` (to the help-desk mailbox), then
    of ``[Q-… #token]`` in the subject."""
    local = helpdesk_address().rpartition("@")[0].lower()
    found = []
    for _name, addr in getaddresses([a for a in addresses if a]):
        box = addr.strip().lower().rpartition("@")[0]
        if box.startswith(local + "+"):
            found.append(box[len(local) + 1 :])
    found += SUBJECT_TOKEN_RE.findall(subject or "")
    return found


def rating_token(question: Question, rating: str) -> str:
    return signing.dumps({"q": question.pk, "r": rating}, salt=RATING_SALT, compress=False)


def rating_from_token(token: str) -> tuple[int, str] | None:
    """(question id, rating) of a rating link's token, or None (forged, altered or expired)."""
    try:
        data = signing.loads(token, salt=RATING_SALT, max_age=RATING_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("q"), int) or not isinstance(data.get("r"), str):
        return None
    return data["q"], data["r"]


def rating_links(question: Question) -> dict[str, str]:
    return {
        rating: absolute_url("help:question_rate", rating_token(question, rating))
        for rating in ("good", "bad")
    }


def portal_link(question: Question) -> str:
    """The question's page in the portal (helper pages), else the portal's help page."""
    for name, args in (("portal:question", (question.pk,)), ("portal:help", ())):
        try:
            return absolute_url(reverse(name, args=args))
        except NoReverseMatch:
            continue
    return absolute_url("/portal/")


def thread_ids(question: Question, *, before: QuestionMessage | None = None) -> list[str]:
    """The Message-IDs of the question's thread (notes excluded), oldest first."""
    qs = (
        QuestionMessage.objects.filter(question=question)
        .exclude(kind=MessageKind.NOTE)
        .exclude(message_id="")
    )
    if before is not None and before.pk:
        qs = qs.exclude(pk=before.pk).filter(created_at__lte=before.created_at)
    return list(qs.order_by("created_at", "pk").values_list("message_id", flat=True))


def _threading(chain: list[str]) -> dict[str, str]:
    if not chain:
        return {}
    refs = chain[:1] + chain[1:][-(MAX_REFERENCES - 1) :]
    return {"In-Reply-To": chain[-1], "References": " ".join(refs)}


def _subject_tag(question: Question) -> str:
    return f"[{question.number} #{reply_token_for(question)}]"


def _send(
    *,
    question: Question,
    message: QuestionMessage | None,
    template: str,
    key: str,
    chain: list[str] | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> str:
    """Queue one e-mail about ``question`` to its requester; returns its Message-ID."""
    to = question.requester.email if question.requester is not None else question.requester_email
    if not to:
        return ""
    context = {
        "question": question,
        "message": message,
        "number": question.number,
        "subject_tag": _subject_tag(question),
        "subject": question.subject,
        "link": portal_link(question),
        **(extra or {}),
    }
    all_headers = dict(headers or {})
    all_headers.update(_threading(chain or []))
    email_enqueue(
        to=[to],
        template=template,
        context=context,
        key=key,
        topic=f"question:{question.pk}",
        reply_to=reply_address(question),
        headers=all_headers,
    )
    return message_id_for(key)


def send_acknowledgement(question: Question, first: QuestionMessage) -> str:
    """ "We received your question" to the requester (Auto-Submitted: it is not answered by
    autoresponders). Returns the e-mail's Message-ID."""
    key = f"question:{question.pk}:ack"
    headers = {"Auto-Submitted": "auto-replied"}
    if first.message_id:
        headers.update({"In-Reply-To": first.message_id, "References": first.message_id})
    return _send(
        question=question,
        message=None,
        template="helpdesk/email/question_received",
        key=key,
        extra={"first": first},
        headers=headers,
    )


def send_staff_reply(question: Question, message: QuestionMessage) -> str:
    """The help desk's reply to the requester, threaded. Returns the Message-ID (the caller
    stores it on ``message``)."""
    assert message.kind == MessageKind.STAFF, "internal notes are never e-mailed"
    return _send(
        question=question,
        message=message,
        template="helpdesk/email/question_reply",
        key=f"question:{question.pk}:message:{message.pk}",
        chain=thread_ids(question, before=message),
    )


def send_resolution(question: Question) -> str:
    """ "Your question is resolved", with one-click rating links (good / bad); threaded after the
    thread's last message."""
    stamp = f"{question.resolved_at:%Y%m%d%H%M%S%f}" if question.resolved_at else "0"
    return _send(
        question=question,
        message=None,
        template="helpdesk/email/question_resolved",
        key=f"question:{question.pk}:resolved:{stamp}",
        chain=thread_ids(question),
        extra={"rating": rating_links(question)},
    )


def send_overdue(question: Question, *, to: list[str], target: str) -> None:
    """Escalation of an overdue question to its assignee and the help desk's lead."""
    if not to:
        return
    due = question.first_response_due if target == "first_response" else question.resolution_due
    link = question_console_link(question)
    email_enqueue(
        to=sorted(set(to)),
        template="helpdesk/email/question_overdue",
        context={"question": question, "target": target, "due": due, "link": link},
        key=f"question-overdue:{question.pk}:{target}:{due:%Y%m%d%H%M}"
        if due
        else f"question-overdue:{question.pk}:{target}",
        topic=f"question:{question.pk}",
    )


def question_console_link(question: Question) -> str:
    for name, args in (("console:question", (question.pk,)), ("console:questions", ())):
        try:
            return absolute_url(reverse(name, args=args))
        except NoReverseMatch:
            continue
    return absolute_url("/console/")
