"""Isolation rules of the question pages (channelops/helpdesk/question_views.py): the portal's
My questions, Ask a question, a question's thread, reply, resolve and attachment download; the
console's queue, question page and its actions, and saved replies.

Partner A has a resolved question with a help-desk reply, an internal note and (added here) an
attachment. Partner B's people see their own (empty) list and form, and get 404 on everything of
partner A's question; the console is staff only (403). Nothing of partner A's changes.
"""

from __future__ import annotations

from typing import Any

from .base import DENIED, OWN, Probe, Rule, World, get_post


def _attachment(w: World) -> Any:
    """An attachment on partner A's first message (created once, straight in the table: the
    message itself stays as the snapshot knows it)."""
    from django.core.files.base import ContentFile

    from channelops.helpdesk.models import QuestionAttachment

    found = getattr(w, "_question_attachment", None)
    if found is None:
        message = w.question_a.messages.order_by("pk").first()
        found = QuestionAttachment(message=message, filename="secret.txt", content_type="text/plain", size=6)
        found.file.save("secret.txt", ContentFile(b"secret"), save=False)
        found.save()
        w._question_attachment = found  # type: ignore[attr-defined]
    return found


def _portal(suffix: str, data: dict[str, Any] | None = None) -> Any:
    return get_post(lambda w: f"/portal/help/questions/{w.question_a.pk}/{suffix}", data)


def _console(suffix: str, data: dict[str, Any] | None = None) -> Any:
    return get_post(lambda w: f"/console/questions/{w.question_a.pk}/{suffix}", data)


def _macro(w: World) -> Any:
    from channelops.helpdesk.models import Macro

    found = getattr(w, "_macro", None)
    if found is None:
        found = Macro.objects.create(title="Secretmacro", body="Secretmacro text")
        w._macro = found  # type: ignore[attr-defined]
    return found


RULES: dict[str, Rule] = {
    # QUESTION-PAGES-RULES
    # Portal: partner B's own list and form; partner A's question is a 404 (read, reply, resolve, files).
    "portal:questions": Rule(OWN, get_post("/portal/help/questions/")),
    "portal:question_new": Rule(
        OWN,
        lambda w: [
            Probe("GET", "/portal/help/questions/ask/"),
            Probe(
                "POST",
                "/portal/help/questions/ask/",
                {"category": "data", "subject": "Secretquestion", "body": "x", "suggest": "1"},
            ),
        ],
    ),
    "portal:question": Rule(DENIED, _portal("", {"body": "pwned"})),
    "portal:question_resolve": Rule(DENIED, _portal("resolve/")),
    "portal:question_attachment": Rule(
        DENIED,
        lambda w: [
            Probe("GET", f"/portal/help/questions/{w.question_a.pk}/attachments/{_attachment(w).pk}/")
        ],
    ),
    # Console: staff only.
    "console:questions": Rule(DENIED, get_post("/console/questions/?queue=triage")),
    "console:question": Rule(DENIED, _console("", {"body": "pwned", "note": "1"})),
    "console:question_new": Rule(
        DENIED,
        get_post(
            "/console/questions/ask/", {"partner": "1", "category": "data", "subject": "x", "body": "y"}
        ),
    ),
    "console:question_side_reply": Rule(DENIED, _console("reply/", {"body": "pwned"})),
    "console:question_assign": Rule(DENIED, _console("assign/", {"assignee": ""})),
    "console:question_status": Rule(DENIED, _console("status/", {"status": "open"})),
    "console:question_priority": Rule(DENIED, _console("priority/", {"priority": "urgent"})),
    "console:question_merge": Rule(DENIED, _console("merge/", {"into": "Q-000001"})),
    "console:question_triage": Rule(DENIED, _console("triage/", {"partner": "1"})),
    "console:question_attachment": Rule(
        DENIED,
        lambda w: [Probe("GET", f"/console/questions/{w.question_a.pk}/attachments/{_attachment(w).pk}/")],
    ),
    "console:question_macros": Rule(
        DENIED, get_post("/console/questions/saved-replies/", {"title": "x", "body": "y"})
    ),
    "console:question_macro": Rule(
        DENIED,
        get_post(lambda w: f"/console/questions/saved-replies/{_macro(w).pk}/", {"title": "x", "body": "y"}),
    ),
    # END QUESTION-PAGES-RULES
}
