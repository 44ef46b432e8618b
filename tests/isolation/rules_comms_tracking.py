"""Isolation rules of mailing tracking and metrics (channelops/communications/tracking_urls.py).

The world adds a sent mailing with one recipient, partner A's admin (their address, partner A's
name in their feedback comment) and one link. The console's report, export and metrics pages are
staff only. The public endpoints are capability URLs: partner B's people (and anyone) probe them
with partner A's recipient id under a forged signature, and with the real signed links (what a
forwarded e-mail would give them): the answers never show partner A's reader (no address, no
name, no comment) and never redirect anywhere but the mailing's own link.
"""

from __future__ import annotations

from typing import Any

from .base import A_LEGAL_NAME, DENIED, PUBLIC, Probe, Rule, World, get_post


def comms_tracking_world(w: World) -> dict[str, Any]:
    built = getattr(w, "_comms_tracking", None)
    if built is None:
        from channelops.communications.models import Feedback

        from ..comms_factories import MailingLinkFactory, RecipientFactory, SentMailingFactory

        mailing = SentMailingFactory(title="Partner Flash — isolation edition")
        link = MailingLinkFactory(mailing=mailing, position=1, url="https://vendor.example/flash/one")
        recipient = RecipientFactory(
            mailing=mailing, email=w.admin_a.email, name="Secret Person", partner=w.partner_a, user=w.admin_a
        )
        Feedback.objects.create(
            mailing=mailing, recipient=recipient, rating=2, comment=f"Comment by {A_LEGAL_NAME}"
        )
        built = {"mailing": mailing, "link": link, "recipient": recipient}
        w._comms_tracking = built  # type: ignore[attr-defined]
    return built


def _rid(w: World) -> int:
    return comms_tracking_world(w)["recipient"].pk


def _b36(n: int) -> str:
    from channelops.communications.links import _b36 as b36

    return b36(n)


def _public(kind: str) -> Any:
    def build(w: World) -> list[Probe]:
        from channelops.communications import links

        rid = _rid(w)
        forged = f"{_b36(rid)}-{'0' * 16}"
        if kind == "open":
            urls = [f"/newsletter/o/{forged}.gif", f"/newsletter/o/{links.recipient_token(rid, 'open')}.gif"]
        elif kind == "click":
            urls = [
                f"/newsletter/c/{forged}-1/?next=https://evil.example/",
                f"/newsletter/c/{links.click_token(rid, 1)}/?next=https://evil.example/",
            ]
        else:
            urls = [f"/newsletter/f/{forged}-5/", f"/newsletter/f/{links.feedback_token(rid, 5)}/"]
        return [Probe("GET", u) for u in urls] + [Probe("POST", urls[0], {"comment": "forged"})]

    return build


def _report(suffix: str = "") -> Any:
    return get_post(
        lambda w: f"/console/communications/mailings/{comms_tracking_world(w)['mailing'].pk}/report/{suffix}"
    )


RULES: dict[str, Rule] = {
    # COMMS-TRACKING-RULES
    "newsletter:open": Rule(
        PUBLIC,
        _public("open"),
        note="the same 1×1 GIF for every token; a forged signature records nothing",
    ),
    "newsletter:click": Rule(
        PUBLIC,
        _public("click"),
        note="a signed link redirects to the mailing's own link only; a forged one gets a 400 page",
    ),
    "newsletter:feedback": Rule(
        PUBLIC,
        _public("feedback"),
        note="the thank-you page shows the mailing's title and the rating, never the reader",
    ),
    # The console's pages: staff with communications.view_mailing only.
    "console:comms_mailing_report": Rule(DENIED, _report()),
    "console:comms_mailing_report_export": Rule(DENIED, _report("recipients.csv")),
    "console:comms_metrics": Rule(DENIED, get_post("/console/communications/metrics/")),
}
