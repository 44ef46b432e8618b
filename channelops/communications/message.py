"""One recipient's e-mail of a mailing, as the bytes handed to the SMTP server.

The mailing is rendered once (``Mailing.html`` / ``Mailing.text`` with ``{{ch:…}}`` placeholders,
``render.render_save``); ``Assembler`` prepares everything constant once per mailing (the From
address, the encoded subject, List-Id, Feedback-ID, the MIME boundary, the link positions, the
greeting's wording, the DKIM signer) and per recipient only substitutes the placeholders
(``links.personalise``), quoted-printable-encodes the two parts (C code in ``binascii``) and fills a
header template. No template is rendered and no ``email.message`` object is built per message.

Headers: From, To (name and address), Subject, Date, Message-ID (``links.message_id``: stable across
retries and restarts), List-Unsubscribe (https, and mailto when
``CHANNELOPS_COMMS_UNSUBSCRIBE_ADDRESS`` is set), List-Unsubscribe-Post (RFC 8058 one-click),
List-Id, Precedence: bulk, Feedback-ID, MIME-Version and Content-Type (multipart/alternative, text
then HTML, UTF-8). With DKIM configured the message is signed (``dkim.py``).
"""

from __future__ import annotations

import binascii
import re
import secrets
from dataclasses import dataclass
from email.header import Header
from email.utils import formataddr, formatdate, parseaddr
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from . import links
from .dkim import signer as dkim_signer
from .models import Mailing, MailingLink


@dataclass
class Person:
    """What a message needs of its recipient (a ``Recipient`` row, or a test-send reviewer)."""

    pk: int
    email: str
    name: str = ""
    subscriber_id: int | None = None


def _clean(value: str) -> str:
    """No CR/LF (header injection) and no runs of white space."""
    return " ".join(str(value).split())


def _header_value(value: str) -> str:
    value = _clean(value)
    if value.isascii():
        return value
    return Header(value, "utf-8").encode()


_BARE_LF = re.compile(rb"(?<!\r)\n")


def _qp(text: str) -> bytes:
    """Quoted-printable, CRLF line ends (binascii's C encoder: microseconds for an edition)."""
    data = text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")
    encoded = binascii.b2a_qp(data, quotetabs=False, istext=True, header=False)
    # b2a_qp ends its soft line breaks ("=") with a bare LF when the text's first line is longer
    # than a QP line: mail servers turn every bare LF into CRLF, which would break the DKIM body hash.
    return _BARE_LF.sub(b"\r\n", encoded)


def greeting_wording(language: str) -> tuple[str, str]:
    """("Hi %(name)s,", "Hello,") in the mailing's language."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return _("Hi %(name)s,"), _("Hello,")


def first_name(name: str) -> str:
    return _clean(name).split(" ")[0] if name else ""


class Assembler:
    """Builds the messages of one rendered mailing (one per thread: it holds no shared state that
    changes)."""

    def __init__(
        self,
        mailing: Mailing,
        *,
        tracking: bool = True,
        subject_prefix: str = "",
        rendered_links: list[tuple[int, str, str]] | None = None,
    ) -> None:
        """``rendered_links`` (position, url, label) when the mailing was rendered in memory (test
        sends), else its ``MailingLink`` rows."""
        self.mailing = mailing
        self.tracking = tracking
        self.html = mailing.html
        self.text = mailing.text
        if rendered_links is None:
            self.link_urls = dict(MailingLink.objects.filter(mailing=mailing).values_list("position", "url"))
        else:
            self.link_urls = {pos: url for pos, url, _label in rendered_links}
        self.positions = sorted(self.link_urls)
        self.web = links.archive_url(mailing.slug) if mailing.public and mailing.slug else ""
        self.hi, self.hello = greeting_wording(mailing.language)
        self.from_address = settings.COMMS_FROM_EMAIL
        domain = links._domain()
        self.boundary = f"=_ch{secrets.token_hex(12)}"
        subject = subject_prefix + (mailing.subject or mailing.title)
        self.head = (
            f"From: {_clean(formataddr(parseaddr(self.from_address), charset='utf-8'))}\r\n"
            f"Subject: {_header_value(subject)}\r\n"
            f"List-Id: {_header_value(mailing.get_topic_display())} <{mailing.topic}.{domain}>\r\n"
            "Precedence: bulk\r\n"
            f"Feedback-ID: {mailing.pk}:{mailing.kind}:{mailing.topic}:channelops\r\n"
            "MIME-Version: 1.0\r\n"
            f'Content-Type: multipart/alternative; boundary="{self.boundary}"\r\n'
            "\r\n"
        ).encode("ascii")
        b = self.boundary
        self.part_text = (
            f'--{b}\r\nContent-Type: text/plain; charset="utf-8"\r\n'
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        ).encode("ascii")
        self.part_html = (
            f'\r\n--{b}\r\nContent-Type: text/html; charset="utf-8"\r\n'
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        ).encode("ascii")
        self.end = f"\r\n--{b}--\r\n".encode("ascii")
        self.mailto = bool(settings.COMMS_UNSUBSCRIBE_ADDRESS)
        self.signer = dkim_signer()

    def greeting(self, name: str) -> str:
        first = first_name(name)
        return self.hi % {"name": first} if first else self.hello

    def values(self, person: Person) -> dict[str, Any]:
        values = links.recipient_values(
            recipient_id=person.pk,
            subscriber_id=person.subscriber_id,
            email=person.email,
            greeting=self.greeting(person.name),
            link_positions=self.positions if self.tracking else [],
            web=self.web,
            tracking=self.tracking,
        )
        if not self.tracking:
            for pos, url in self.link_urls.items():
                values[f"link:{pos}"] = url
        return values

    def parts(self, person: Person) -> tuple[str, str]:
        """The personal text and HTML of ``person``'s message."""
        values = self.values(person)
        return (
            links.personalise(self.text, values, html=False),
            links.personalise(self.html, values, html=True),
        )

    def headers(self, person: Person) -> dict[str, str]:
        """The per-recipient headers (in the order they are written)."""
        unsubscribe = f"<{links.unsubscribe_url(person.pk)}>"
        if self.mailto:
            unsubscribe += f", <{links.unsubscribe_mailto(person.pk)}>"
        return {
            "To": _clean(formataddr((_clean(person.name), person.email), charset="utf-8")),
            "Date": formatdate(localtime=False, usegmt=True),
            "Message-ID": links.message_id(self.mailing.pk, person.pk),
            "List-Unsubscribe": unsubscribe,
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }

    def build(self, person: Person) -> bytes:
        """The complete message (bytes with CRLF line ends, DKIM-signed when configured)."""
        text, html = self.parts(person)
        head = "".join(f"{k}: {v}\r\n" for k, v in self.headers(person).items()).encode("utf-8")
        message = b"".join((head, self.head, self.part_text, _qp(text), self.part_html, _qp(html), self.end))
        return self.signer.sign(message) if self.signer else message
