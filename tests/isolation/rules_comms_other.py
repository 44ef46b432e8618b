"""Isolation rules of announcements, special notices, webcasts and portal notices
(channelops/communications/other_urls.py).

The world adds an announcement whose title names partner A (console only), a webcast for a region
partner B is not in (AMER) whose title names partner A, and a portal notice addressed to partner A
only whose title names partner A. Partner B's people see their own webcasts page, never the AMER
session nor its calendar file; dismissing partner A's notice gives 404; every console page is
staff only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from .base import A_LEGAL_NAME, DENIED, OWN, Probe, Rule, World, get_post


def other_world(w: World) -> dict[str, Any]:
    built = getattr(w, "_comms_other", None)
    if built is None:
        from channelops.communications.models import Mailing, PortalNotice, Webcast
        from channelops.partners.models import Region

        today = timezone.localdate()
        mailing = Mailing.objects.create(
            kind="announcement",
            topic="announcements",
            title=f"Pricing for {A_LEGAL_NAME}",
            change_kind="pricing",
            effective_on=today + dt.timedelta(days=60),
            send_on=today + dt.timedelta(days=20),
            audience={"partners": [w.partner_a.pk]},
        )
        webcast = Webcast.objects.create(
            title=f"Session for {A_LEGAL_NAME}",
            region=Region.objects.get(code="AMER"),
            starts_at=timezone.now() + dt.timedelta(days=10),
            time_zone="America/New_York",
        )
        notice = PortalNotice.objects.create(
            title=f"Notice for {A_LEGAL_NAME}",
            audience={"partners": [w.partner_a.pk]},
            starts_on=today - dt.timedelta(days=1),
            ends_on=today + dt.timedelta(days=10),
        )
        built = {"mailing": mailing, "webcast": webcast, "notice": notice}
        w._comms_other = built  # type: ignore[attr-defined]
    return built


def _console(kind: str, suffix: str = "", data: dict[str, Any] | None = None) -> Any:
    base = {"mailing": "announcements", "webcast": "webcasts", "notice": "notices"}[kind]
    return get_post(
        lambda w: f"/console/communications/{base}/{other_world(w)[kind].pk}/{suffix}",
        data or {"title": "pwned"},
    )


def _page(url: str) -> Any:
    def build(w: World) -> list[Probe]:
        other_world(w)
        return [Probe("GET", url), Probe("POST", url, {"title": "pwned"})]

    return build


RULES: dict[str, Rule] = {
    # COMMS-OTHER-RULES
    # The portal: partner B's own webcasts page; another region's session and its .ics are 404; a
    # notice addressed to partner A cannot be dismissed (nor seen) by partner B.
    "portal:comms_webcasts": Rule(
        OWN, lambda w: [Probe("GET", "/portal/communications/webcasts/")] if other_world(w) else []
    ),
    "portal:comms_webcast_ics": Rule(
        DENIED,
        lambda w: [Probe("GET", f"/portal/communications/webcasts/{other_world(w)['webcast'].pk}.ics")],
    ),
    "portal:comms_notice_dismiss": Rule(
        DENIED,
        lambda w: [
            Probe("POST", f"/portal/communications/notices/{other_world(w)['notice'].pk}/dismiss/", {}),
            Probe("GET", f"/portal/communications/notices/{other_world(w)['notice'].pk}/dismiss/"),
        ],
    ),
    # The console: staff only.
    "console:comms_announcements": Rule(DENIED, _page("/console/communications/announcements/")),
    "console:comms_announcement_new": Rule(DENIED, _page("/console/communications/announcements/new/")),
    "console:comms_announcement": Rule(DENIED, _console("mailing")),
    "console:comms_announcement_edit": Rule(DENIED, _console("mailing", "edit/")),
    "console:comms_announcement_schedule": Rule(DENIED, _console("mailing", "schedule/")),
    "console:comms_announcement_unschedule": Rule(DENIED, _console("mailing", "unschedule/")),
    "console:comms_announcement_cancel": Rule(DENIED, _console("mailing", "cancel/")),
    "console:comms_webcasts": Rule(DENIED, _page("/console/communications/webcasts/")),
    "console:comms_webcast_new": Rule(DENIED, _page("/console/communications/webcasts/new/")),
    "console:comms_webcast": Rule(DENIED, _console("webcast")),
    "console:comms_webcast_invite": Rule(DENIED, _console("webcast", "invite/")),
    "console:comms_webcast_cancel": Rule(DENIED, _console("webcast", "cancel/")),
    "console:comms_notices": Rule(DENIED, _page("/console/communications/notices/")),
    "console:comms_notice_new": Rule(DENIED, _page("/console/communications/notices/new/")),
    "console:comms_notice": Rule(DENIED, _console("notice")),
    "console:comms_notice_delete": Rule(DENIED, _console("notice", "delete/")),
    # END COMMS-OTHER-RULES
}
