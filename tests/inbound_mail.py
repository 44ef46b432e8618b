"""Raw test messages for the inbound e-mail tests and the benchmark."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def mail(
    *,
    sender: str = "Pat Partner <pat@acme.test>",
    to: str = "help@channelops.test",
    subject: str = "Where is my NFR licence?",
    text: str | None = "Hello,\nmy licence has not arrived.\n\nPat",
    html: str | None = None,
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, bytes, str]] = (),  # type: ignore[assignment]
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime(2026, 12, 1, 9, 30, tzinfo=UTC))
    msg["Message-ID"] = message_id or make_msgid(domain="acme.test")
    for name, value in (headers or {}).items():
        msg[name] = value
    if text is not None:
        msg.set_content(text)
    if html is not None:
        if text is None:
            msg.set_content(html, subtype="html")
        else:
            msg.add_alternative(html, subtype="html")
    for filename, data, ctype in attachments:
        maintype, subtype = ctype.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return bytes(msg)


def dsn(*, recipient: str = "gone@acme.test", original_id: str = "<newsletter-1@channelops.test>") -> bytes:
    """A delivery status notification (RFC 3464) for a message to ``recipient``."""
    boundary = "dsn-boundary-1"
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.acme.test>\r\n"
        "To: news@channelops.test\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Date: Tue, 01 Dec 2026 09:30:00 +0000\r\n"
        "Message-ID: <dsn-1@mx.acme.test>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"\r\n'
        "\r\n"
        f"--{boundary}\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
        "I'm sorry to have to inform you that your message could not be delivered.\r\n\r\n"
        f"--{boundary}\r\n"
        "Content-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.acme.test\r\n"
        "Arrival-Date: Tue, 01 Dec 2026 09:29:58 +0000\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\n"
        "Original-Recipient: rfc822;" + recipient + "\r\n"
        "Action: failed\r\n"
        "Status: 5.1.1\r\n"
        "Remote-MTA: dns; mx2.acme.test\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 <"
        + recipient
        + ">: Recipient address rejected: User unknown\r\n\r\n"
        f"--{boundary}\r\n"
        "Content-Type: text/rfc822-headers\r\n\r\n"
        "From: news@channelops.test\r\n"
        f"To: {recipient}\r\n"
        "Subject: December news\r\n"
        f"Message-ID: {original_id}\r\n\r\n"
        f"--{boundary}--\r\n"
    ).encode()
