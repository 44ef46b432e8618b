"""DKIM signing of partner communications sent directly over SMTP (dkimpy).

Configured by ``CHANNELOPS_COMMS_DKIM_PRIVATE_KEY`` (the PEM key itself), ``…_DKIM_SELECTOR`` and
``…_DKIM_DOMAIN``; when any is empty nothing is signed (a provider that signs for you, or no DKIM).
The public key is published as a TXT record at ``<selector>._domainkey.<domain>``
(docs/communications-sending.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import dkim as dkimpy
from django.conf import settings

#: The headers the signature covers (those a receiver shows or acts on, and the MIME structure).
SIGNED_HEADERS = (
    b"From",
    b"To",
    b"Subject",
    b"Date",
    b"Message-ID",
    b"List-Unsubscribe",
    b"List-Unsubscribe-Post",
    b"List-Id",
    b"MIME-Version",
    b"Content-Type",
)


@dataclass(frozen=True)
class Signer:
    selector: bytes
    domain: bytes
    key: bytes

    def header(self, message: bytes) -> bytes:
        """The ``DKIM-Signature:`` header line(s) (CRLF-terminated) to put in front of ``message``."""
        sig = dkimpy.sign(
            message,
            self.selector,
            self.domain,
            self.key,
            include_headers=list(SIGNED_HEADERS),
            canonicalize=(b"relaxed", b"relaxed"),
            linesep=b"\r\n",
        )
        return sig if sig.endswith(b"\r\n") else sig + b"\r\n"

    def sign(self, message: bytes) -> bytes:
        return self.header(message) + message


def signer() -> Signer | None:
    """The configured signer, or None when DKIM signing is off."""
    key = settings.COMMS_DKIM_PRIVATE_KEY.strip()
    if not (key and settings.COMMS_DKIM_SELECTOR and settings.COMMS_DKIM_DOMAIN):
        return None
    return Signer(
        selector=settings.COMMS_DKIM_SELECTOR.encode(),
        domain=settings.COMMS_DKIM_DOMAIN.encode(),
        key=key.replace("\\n", "\n").encode(),
    )
