"""Isolation rules of Partner Flash editions (channelops/communications editions and archive): the
console's edition pages (staff only), the public archive and the portal's Partner Flash page.

The world adds a draft edition whose subject names partner A (staff only) and a sent, public
edition mailed to partner A's people: the archive shows the edition but never a recipient's
address or name (the walker fails on partner A's people's addresses in any response).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .base import A_LEGAL_NAME, DENIED, OWN, PUBLIC, Probe, Rule, World, get_post


def editions_world(w: World) -> dict[str, Any]:
    built = getattr(w, "_comms_editions", None)
    if built is None:
        from django.utils import timezone

        from channelops.communications import hooks
        from channelops.communications.models import Mailing, Recipient

        draft = Mailing.objects.create(
            kind="flash",
            month=date(2030, 1, 1),
            title="Partner Flash draft",
            subject=f"Draft about {A_LEGAL_NAME}",
            sections={"featured": f"Internal plans of {A_LEGAL_NAME}"},
        )
        sent = Mailing.objects.create(
            kind="flash",
            month=date(2029, 12, 1),
            title="Partner Flash, December 2029",
            subject="December news",
            sections={"featured": "Public news"},
            status="sent",
            sent_at=timezone.now(),
        )
        for person in (w.admin_a, w.user_a):
            Recipient.objects.create(
                mailing=sent,
                email=person.email,
                name=A_LEGAL_NAME,
                user=person,
                partner=w.partner_a,
                status="sent",
            )
        hooks.mailing_sent.call(mailing=sent)
        sent.refresh_from_db()
        built = {"draft": draft, "sent": sent}
        w._comms_editions = built  # type: ignore[attr-defined]
    return built


def _console(suffix: str, data: dict[str, Any] | None = None, key: str = "draft") -> Any:
    return get_post(lambda w: f"/console/communications/editions/{editions_world(w)[key].pk}/{suffix}", data)


def _archive(suffix: str = "") -> Any:
    def build(w: World) -> list[Probe]:
        m = editions_world(w)
        return [Probe("GET", f"/newsletter/archive/{suffix.format(slug=m['sent'].slug)}")]

    return build


def _image(w: World) -> list[Probe]:
    editions_world(w)
    return [Probe("GET", "/newsletter/archive/image/1-0123456789abcdef/")]


CONTENT = {"subject": "pwned", "featured": "pwned"}

RULES: dict[str, Rule] = {
    # COMMS-EDITIONS-RULES
    # The console: staff only (partner people get 403, anonymous visitors the sign-in).
    "console:comms_editions": Rule(DENIED, lambda w: [Probe("GET", "/console/communications/editions/")]),
    "console:comms_edition_new": Rule(
        DENIED, get_post("/console/communications/editions/new/", {"month": "2031-01"})
    ),
    "console:comms_edition": Rule(DENIED, _console("", CONTENT)),
    "console:comms_edition_preview": Rule(DENIED, _console("preview/")),
    "console:comms_edition_preview_html": Rule(DENIED, _console("preview.html")),
    "console:comms_edition_send_date": Rule(
        DENIED, _console("send-date/", {"send_on": "2031-01-02", "reason": "x"})
    ),
    "console:comms_edition_test_send": Rule(DENIED, _console("test-send/", {"addresses": "x@evil.test"})),
    "console:comms_edition_schedule": Rule(DENIED, _console("schedule/")),
    "console:comms_edition_unschedule": Rule(DENIED, _console("unschedule/", key="sent")),
    "console:comms_edition_cancel": Rule(DENIED, _console("cancel/")),
    "console:comms_edition_unlock": Rule(DENIED, _console("unlock/", {"reason": "pwned"})),
    # The public archive: anyone; never a recipient's address or name (partner A's markers).
    "newsletter:archive": Rule(PUBLIC, _archive()),
    "newsletter:archive_edition": Rule(PUBLIC, _archive("{slug}/")),
    "newsletter:archive_image": Rule(PUBLIC, _image),
    # The portal's Partner Flash page: the same public editions for every partner person.
    "portal:comms_flash": Rule(OWN, lambda w: [Probe("GET", "/portal/communications/flash/")]),
    # END COMMS-EDITIONS-RULES
}
