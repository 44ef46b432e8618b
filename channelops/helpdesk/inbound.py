"""The help desk's inbound e-mail handler (docs/inbound-email.md, docs/helpdesk-questions.md).

Registered on the inbound registry in ``HelpdeskConfig.ready``. It takes every message addressed
to the help-desk address (``CHANNELOPS_HELPDESK_ADDRESS``) or one of its ``help+<token>@`` reply
addresses — in To or Cc, or in the envelope headers a mailbox adds when the address was Bcc'd or
an alias forwarded it (Delivered-To, X-Original-To, Envelope-To) — and hands it to
``question_from_email``, which threads it or opens a question (triage for unknown senders).
Auto-replies and bounces are not taken: a bounce handler may want them, and the router drops
the rest without answering (no mail loops).
"""

from __future__ import annotations

from email.utils import getaddresses
from typing import Any

from .question_emails import helpdesk_address
from .question_services import question_from_email

NAME = "helpdesk"
ENVELOPE_HEADERS = {"delivered-to", "x-original-to", "envelope-to", "x-envelope-to"}


def _is_helpdesk(address: str) -> bool:
    local, _at, domain = helpdesk_address().lower().rpartition("@")
    box, _at2, dom = address.strip().lower().rpartition("@")
    return dom == domain and (box == local or box.startswith(local + "+"))


def addressed_to_helpdesk(parsed: Any) -> list[str]:
    """The help-desk addresses a message was sent to ([] when it was not sent to the help desk)."""
    candidates = list(parsed.to) + list(parsed.cc)
    candidates += [
        addr for _n, addr in getaddresses([v for k, v in parsed.headers if k.lower() in ENVELOPE_HEADERS])
    ]
    return [a for a in candidates if a and _is_helpdesk(a)]


def helpdesk_inbound(parsed: Any, record: Any) -> bool:
    """Take a message for the help desk; False for anything else (the next handler, or a dead letter)."""
    if parsed.automated:
        return False
    ours = addressed_to_helpdesk(parsed)
    if not ours:
        return False
    question_from_email(
        sender=parsed.sender,
        to=list(dict.fromkeys(list(parsed.to) + list(parsed.cc) + ours)),
        subject=parsed.subject,
        text=parsed.text,
        html=parsed.html,
        message_id=parsed.message_id or f"<inbound-{record.sha256[:32]}@channelops>",
        in_reply_to=parsed.in_reply_to,
        references=list(parsed.references),
        attachments=list(parsed.attachments),
        automated=False,
    )
    return True


def register() -> None:
    from channelops.inbound.registry import register_handler

    register_handler(NAME, helpdesk_inbound, order=100)
