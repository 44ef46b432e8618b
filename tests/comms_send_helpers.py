"""Shared helpers of the sending tests: people in bulk, a mailing, and a raw SMTP server that keeps
envelopes and bytes (the DKIM signature is verified on what arrived) and can refuse per address."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller

from channelops.accounts.models import User
from channelops.communications.models import Mailing, MailingStatus
from channelops.partners.models import PartnerMembership


def people(
    partner: Any, n: int, *, prefix: str = "p", role: str = "user", language: str = "en"
) -> list[User]:
    """``n`` active partner people of ``partner`` (bulk: no per-person query)."""
    users = User.objects.bulk_create(
        [
            User(
                email=f"{prefix}{i}.{partner.pk}@example.test",
                full_name=f"Person{i} Tester",
                language=language,
            )
            for i in range(n)
        ]
    )
    if not users or users[0].pk is None:  # SQLite before RETURNING support
        users = list(
            User.objects.filter(email__startswith=f"{prefix}").filter(
                email__endswith=f".{partner.pk}@example.test"
            )
        )
    PartnerMembership.objects.bulk_create(
        [PartnerMembership(user=u, partner=partner, role=role) for u in users]
    )
    return users


def mailing(**kw: Any) -> Mailing:
    data: dict[str, Any] = {
        "kind": "special",
        "topic": "special",
        "title": "Partner survey",
        "subject": "Tell us what you think",
        "body": "Please [take the survey](https://survey.example/s?id=1) and read [the notes](https://example.com/notes).",
        "status": MailingStatus.SCHEDULED,
        "audience": {},
    }
    data.update(kw)
    return Mailing.objects.create(**data)


@dataclass
class Envelope:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes


@dataclass
class RawBox:
    envelopes: list[Envelope] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    refuse_rcpt: dict[str, str] = field(default_factory=dict)  # address -> reply


class _RawHandler:
    def __init__(self, box: RawBox) -> None:
        self.box = box

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        reply = self.box.refuse_rcpt.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.box.lock:
            self.box.envelopes.append(
                Envelope(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
            )
        return "250 Message accepted"


def raw_server(port: int) -> tuple[Controller, RawBox]:
    box = RawBox()
    controller = Controller(_RawHandler(box), hostname="127.0.0.1", port=port)
    controller.start()
    return controller, box
