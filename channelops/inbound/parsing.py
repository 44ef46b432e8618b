"""Parsing a raw RFC 5322 message into a :class:`ParsedMessage` (the standard library's parser with
``policy.default``): addresses, threading headers, a text body (from the HTML part when there is no
plain one), the HTML body sanitised with nh3, attachments whose type is checked by their content
(``filetype``, magic bytes), and whether the message is automated (auto-reply, bounce, DSN).

See docs/inbound-email.md for the rules; a handler registered on the registry receives the result.
"""

from __future__ import annotations

import email
import email.policy
import html as html_lib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.header import decode_header, make_header
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from typing import Any

import filetype
import nh3
from django.conf import settings

AUTOMATED_PRECEDENCE = {"bulk", "junk", "list", "auto_reply", "auto-reply"}
_MSGID = re.compile(r"<[^<>\s]+>")


class ParseError(ValueError):
    """The message cannot be read as e-mail (it becomes a dead letter with this reason)."""


@dataclass(frozen=True)
class DeliveryStatus:
    """One recipient of a delivery status notification (RFC 3464)."""

    recipient: str
    action: str  # failed, delayed, delivered, relayed, expanded
    status: str  # e.g. 5.1.1
    diagnostic: str

    @property
    def permanent(self) -> bool:
        return self.action == "failed" or self.status.startswith("5")


@dataclass
class ParsedMessage:
    sender: str  # the From address, lower-case ("" when there is none)
    sender_name: str
    to: list[str]
    cc: list[str]
    subject: str
    message_id: str  # "<id@host>" ("" when the message has none)
    in_reply_to: str
    references: list[str]
    date: datetime | None
    text: str
    html: str  # sanitised with nh3; "" when the message has no HTML part
    attachments: list[tuple[str, bytes, str]]  # (filename, content, content type checked by content)
    dropped: list[str] = field(default_factory=list)  # attachments refused, with the reason
    automated: bool = False  # auto-reply, bounce, DSN, bulk: never answer it
    automated_reason: str = ""
    is_bounce: bool = False
    bounces: list[DeliveryStatus] = field(default_factory=list)
    original_message_id: str = ""  # of the message a bounce reports on
    mailing_list: str = ""  # List-Id (not "automated" on its own: people write through lists)
    headers: list[tuple[str, str]] = field(default_factory=list)
    size: int = 0


def message_ids(value: Any) -> list[str]:
    """The ``<id>`` tokens of a Message-ID, In-Reply-To or References header."""
    text = str(value or "")
    found = _MSGID.findall(text)
    if not found and text.strip() and " " not in text.strip():
        found = [f"<{text.strip().strip('<>')}>"]
    return found


def _header(msg: Message, name: str) -> str:
    try:
        value = msg.get(name)
    except Exception:  # a header the policy cannot parse: its raw text
        value = None
        for key, raw in msg.raw_items():
            if key.lower() == name.lower():
                value = raw
                break
    return " ".join(str(value).split()) if value is not None else ""


def _addresses(msg: Message, name: str) -> list[str]:
    values = []
    for raw in msg.get_all(name, []) or []:
        try:
            values.append(str(raw))
        except Exception:  # noqa: S112 (an unreadable address header: skipped)
            continue
    return [addr.lower() for _name, addr in getaddresses(values) if "@" in addr]


def _sender(msg: Message) -> tuple[str, str]:
    raw = _header(msg, "From")
    try:
        header = msg["From"]
        addresses = getattr(header, "addresses", ()) if header is not None else ()
        if addresses:
            first: Address = addresses[0]
            if first.addr_spec and "@" in first.addr_spec:
                return first.addr_spec.lower(), first.display_name
    except Exception:  # noqa: S110 (fall back to the plain parser)
        pass
    name, addr = parseaddr(raw)
    return (addr.lower() if "@" in addr else ""), name


def html_to_text(value: str) -> str:
    """Readable text of an HTML body: block ends become line breaks, scripts and styles go."""
    value = re.sub(r"(?i)<br\s*/?>", "\n", value)
    value = re.sub(r"(?i)</(p|div|li|tr|h[1-6]|blockquote|table|ul|ol)\s*>", "\n", value)
    value = re.sub(r"(?i)<li[^>]*>", "- ", value)
    text = html_lib.unescape(nh3.clean(value, tags=set()))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _content(part: Message) -> str:
    try:
        value = part.get_content()  # type: ignore[attr-defined]
        return value if isinstance(value, str) else value.decode("utf-8", "replace")
    except (LookupError, UnicodeError, AssertionError, KeyError):  # unknown charset and the like
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)


def allowed_types() -> set[str]:
    return {t.strip().lower() for t in settings.INBOUND_ATTACHMENT_TYPES if t.strip()}


def sniff(data: bytes, declared: str) -> str:
    """The content type of ``data`` by its magic bytes; text without magic keeps a declared text type."""
    kind = filetype.guess(data)
    if kind is not None:
        return str(kind.mime)
    if declared.startswith("text/") and b"\x00" not in data[:4096]:
        try:
            data[:4096].decode("utf-8")
            return declared
        except UnicodeDecodeError:
            try:
                data[:4096].decode("latin-1")
                return declared
            except UnicodeDecodeError:
                pass
    return "application/octet-stream"


_REPORT_PARTS = {"message/delivery-status", "text/rfc822-headers", "message/disposition-notification"}


def _attachments(msg: EmailMessage, body_parts: set[int]) -> tuple[list[tuple[str, bytes, str]], list[str]]:
    kept: list[tuple[str, bytes, str]] = []
    dropped: list[str] = []
    allowed = allowed_types()
    for part in msg.walk():
        if part.is_multipart() or id(part) in body_parts:
            continue
        ctype = part.get_content_type()
        if ctype in _REPORT_PARTS:
            continue
        disposition = (part.get_content_disposition() or "").lower()
        filename = part.get_filename() or ""
        if not filename and disposition != "attachment":
            continue
        if ctype == "message/rfc822":
            dropped.append(f"{filename or 'message.eml'}: attached e-mail messages are not kept")
            continue
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            continue
        filename = filename or "attachment"
        actual = sniff(data, ctype)
        if actual not in allowed:
            dropped.append(f"{filename}: type {actual} is not allowed (declared {ctype})")
            continue
        kept.append((filename, data, actual))
    return kept, dropped


def _delivery_status(msg: EmailMessage) -> tuple[list[DeliveryStatus], str]:  # noqa: C901
    statuses: list[DeliveryStatus] = []
    original = ""
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            blocks: Any = part.get_payload()
            if not isinstance(blocks, list):  # not parsed into header blocks: parse the text
                text = _content(part) if isinstance(blocks, str) else ""
                blocks = [email.message_from_string(b.strip() + "\n") for b in re.split(r"\n\s*\n", text)]
            for block in blocks[1:] if len(blocks) > 1 else blocks:
                recipient = str(block.get("Final-Recipient") or block.get("Original-Recipient") or "")
                if not recipient:
                    continue
                statuses.append(
                    DeliveryStatus(
                        recipient=recipient.split(";", 1)[-1].strip().lower(),
                        action=str(block.get("Action", "")).strip().lower(),
                        status=str(block.get("Status", "")).strip(),
                        diagnostic=" ".join(str(block.get("Diagnostic-Code", "")).split()),
                    )
                )
        elif ctype in ("message/rfc822", "text/rfc822-headers") and not original:
            payload = part.get_payload()
            inner: Any = payload[0] if isinstance(payload, list) and payload else None
            if inner is None:
                inner = email.message_from_string(_content(part))
            ids = message_ids(inner.get("Message-ID", ""))
            original = ids[0] if ids else ""
    return statuses, original


def _automated(msg: EmailMessage, sender: str) -> str:
    """Why the message is automated (RFC 3834 and common practice), or "" for a person's mail."""
    auto = _header(msg, "Auto-Submitted").lower()
    if auto and auto.split(";", 1)[0].strip() != "no":
        return f"Auto-Submitted: {auto}"
    precedence = _header(msg, "Precedence").lower()
    if precedence in AUTOMATED_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if msg.get(name) is not None:
            return name
    if _header(msg, "X-Auto-Response-Suppress") and _header(msg, "X-MS-Exchange-Inbox-Rules-Loop"):
        return "Exchange inbox rule"
    if msg.get_content_type() == "multipart/report":
        return "multipart/report (" + str(msg.get_param("report-type") or "report") + ")"
    return_path = _header(msg, "Return-Path")
    if return_path and return_path.replace(" ", "") == "<>":
        return "empty Return-Path"
    local = sender.split("@", 1)[0]
    if local in {"mailer-daemon", "mailerdaemon"}:
        return "MAILER-DAEMON sender"
    if msg.get("X-Failed-Recipients") is not None:
        return "X-Failed-Recipients"
    return ""


def parse(raw: bytes) -> ParsedMessage:
    """Read ``raw``; raises :class:`ParseError` when it is not an e-mail message."""
    if not raw or not raw.strip():
        raise ParseError("The message is empty.")
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        if not list(msg.keys()):
            raise ParseError("The message has no headers: it is not an e-mail message.")
        if not msg.get("From") and not msg.get("Message-ID") and not msg.get("Subject"):
            raise ParseError("The message has no From, Subject or Message-ID header.")
        sender, sender_name = _sender(msg)
        body_parts: set[int] = set()
        text = html = ""
        plain_part = msg.get_body(preferencelist=("plain",))
        html_part = msg.get_body(preferencelist=("html",))
        if html_part is not None:
            body_parts.add(id(html_part))
            html = nh3.clean(_content(html_part))
        if plain_part is not None:
            body_parts.add(id(plain_part))
            text = _content(plain_part)
        elif html_part is not None:
            text = html_to_text(_content(html_part))
        attachments, dropped = _attachments(msg, body_parts)
        reason = _automated(msg, sender)
        bounces, original = (
            _delivery_status(msg) if msg.get_content_type() == "multipart/report" else ([], "")
        )
        is_bounce = bool(bounces) or (
            bool(reason) and ("mailer-daemon" in sender or msg.get("X-Failed-Recipients") is not None)
        )
        date = None
        if msg.get("Date"):
            try:
                date = parsedate_to_datetime(_header(msg, "Date"))
            except (TypeError, ValueError, IndexError):
                date = None
        mids = message_ids(_header(msg, "Message-ID"))
        reply = message_ids(_header(msg, "In-Reply-To"))
        headers = []
        for key, value in msg.raw_items():
            headers.append((key, " ".join(str(value).split())))
        return ParsedMessage(
            sender=sender,
            sender_name=str(sender_name or ""),
            to=_addresses(msg, "To"),
            cc=_addresses(msg, "Cc"),
            subject=_header(msg, "Subject"),
            message_id=mids[0] if mids else "",
            in_reply_to=reply[0] if reply else "",
            references=message_ids(_header(msg, "References")),
            date=date,
            text=text,
            html=html,
            attachments=attachments,
            dropped=dropped,
            automated=bool(reason),
            automated_reason=reason,
            is_bounce=is_bounce,
            bounces=bounces,
            original_message_id=original,
            mailing_list=_header(msg, "List-Id"),
            headers=headers,
            size=len(raw),
        )
    except ParseError:
        raise
    except Exception as exc:  # the parser gave up on something: a dead letter, never a crash
        raise ParseError(f"The message could not be parsed: {type(exc).__name__}: {exc}") from exc


def summary_headers(raw: bytes) -> tuple[str, str, str]:
    """(Message-ID, sender, subject) from the headers alone — what de-duplication compares and the
    list shows; blanks when the headers cannot be read. The fast compat32 header parser: this runs
    for every message fetched, before any de-duplication."""
    try:
        msg = BytesHeaderParser().parsebytes(raw)

        def text(name: str) -> str:
            value = msg.get(name)
            if value is None:
                return ""
            return " ".join(str(make_header(decode_header(str(value)))).split())

        mids = message_ids(msg.get("Message-ID", ""))
        sender = parseaddr(text("From"))[1].lower()
        return (mids[0] if mids else "")[:998], (sender if "@" in sender else "")[:320], text("Subject")[:500]
    except Exception:
        return "", "", ""
