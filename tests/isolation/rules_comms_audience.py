"""Isolation rules of the audience of partner communications (channelops/communications audience
part): the public sign-up, confirmation, preferences and unsubscribe pages are capability URLs (the
signed token in the e-mail is the only credential; probed here with tokens that are not valid —
tests/test_comms_audience.py proves a token for one address never works for another); the provider
webhooks are signature-verified (none is configured in the walk: 404); the portal's preferences page
shows only the signed-in person's own subscription; the console's subscriber and suppression pages
are for staff with the communications permissions.

Partner A's admin is a subscriber (with a consent record) and partner A's contact address is on the
suppression list: partner B's people never see or change them."""

from __future__ import annotations

from typing import Any

from .base import A_CONTACT_EMAIL, DENIED, OWN, PUBLIC, Probe, Rule, World, get_post


def audience_world(w: World) -> dict[str, Any]:
    built = getattr(w, "_comms_audience", None)
    if built is None:
        from channelops.communications import consent
        from channelops.communications.models import ConsentMethod, Suppression, SuppressionReason

        sub = consent.portal_subscriber(w.admin_a)
        consent.preferences_save(
            subscriber=sub, topics=["flash"], language="en", method=ConsentMethod.PORTAL, by=w.admin_a
        )
        suppression = Suppression.objects.create(
            email=A_CONTACT_EMAIL, reason=SuppressionReason.HARD_BOUNCE, detail="550 user unknown"
        )
        built = {"subscriber": sub, "suppression": suppression}
        w._comms_audience = built  # type: ignore[attr-defined]
    return built


def _sub_url(suffix: str = "") -> Any:
    return lambda w: f"/console/communications/subscribers/{audience_world(w)['subscriber'].pk}/{suffix}"


def _suppression_url(w: World) -> str:
    return f"/console/communications/suppression/{audience_world(w)['suppression'].pk}/remove/"


_NOT_A_TOKEN = "1-0000000000000000"

RULES: dict[str, Rule] = {
    # COMMS-AUDIENCE-RULES
    "newsletter:signup": Rule(PUBLIC, get_post("/newsletter/signup/")),
    "newsletter:signup_sent": Rule(PUBLIC, lambda w: [Probe("GET", "/newsletter/signup/sent/")]),
    "newsletter:confirm": Rule(
        PUBLIC,
        get_post(f"/newsletter/confirm/{_NOT_A_TOKEN}/"),
        note="a capability URL (signed, expiring; only in the confirmation e-mail); probed with an invalid one",
    ),
    "newsletter:preferences": Rule(
        PUBLIC,
        get_post(f"/newsletter/p/{_NOT_A_TOKEN}/", {"action": "unsubscribe"}),
        note="signed with the subscriber's id and address; test_comms_audience proves another address is refused",
    ),
    "newsletter:unsubscribe": Rule(
        PUBLIC,
        get_post(f"/newsletter/u/{_NOT_A_TOKEN}/", {"List-Unsubscribe": "One-Click"}),
        note="signed recipient token (RFC 8058 POST without cookies); probed with an invalid one",
    ),
    "newsletter:provider_webhook": Rule(
        DENIED,
        lambda w: [
            Probe("GET", "/newsletter/webhooks/mailgun/"),
            Probe(
                "POST", "/newsletter/webhooks/mailgun/", {"timestamp": "1", "token": "t", "signature": "x"}
            ),
            Probe("POST", "/newsletter/webhooks/postmark/", {"RecordType": "Bounce"}),
            Probe("POST", "/newsletter/webhooks/sendgrid/", {}),
        ],
        note="signature-verified provider webhooks; not configured in the walk (404)",
    ),
    "portal:comms_preferences": Rule(
        OWN,
        get_post(
            "/portal/communications/preferences/", {"action": "save", "topics": ["flash"], "language": "en"}
        ),
        own_page=True,
    ),
    "console:comms_subscribers": Rule(DENIED, get_post("/console/communications/subscribers/?q=a.test")),
    "console:comms_subscriber": Rule(DENIED, get_post(_sub_url())),
    "console:comms_suppressions": Rule(DENIED, get_post("/console/communications/suppression/")),
    "console:comms_suppression_add": Rule(
        DENIED,
        get_post("/console/communications/suppression/add/", {"email": "x@evil.test", "reason": "manual"}),
    ),
    "console:comms_suppression_remove": Rule(
        DENIED, get_post(_suppression_url, {"why": "pwned", "confirm_bounce": "on"})
    ),
    # END COMMS-AUDIENCE-RULES
}
