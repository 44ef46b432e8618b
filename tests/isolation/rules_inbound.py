"""Isolation rules of inbound e-mail (channelops/inbound): staff pages only (partner people and
visitors are refused before any message is looked up); the provider webhook accepts only posts
signed with the provider's key (none is configured in the walk: 404)."""

from __future__ import annotations

from .base import DENIED, Probe, Rule, get_post

RULES: dict[str, Rule] = {
    "console:inbound_messages": Rule(DENIED, get_post("/console/inbound/?status=dead")),
    "console:inbound_message": Rule(DENIED, get_post("/console/inbound/1/")),
    "console:inbound_retry": Rule(DENIED, get_post("/console/inbound/1/retry/")),
    "console:inbound_discard": Rule(DENIED, get_post("/console/inbound/1/discard/")),
    "inbound:mailgun": Rule(
        DENIED,
        lambda w: [
            Probe("GET", "/inbound/mailgun/"),
            Probe("POST", "/inbound/mailgun/", {"body-mime": "From: intruder@evil.example\r\n\r\nhi"}),
            Probe(
                "POST", "/inbound/mailgun/inbound_mime/", {"timestamp": "1", "token": "t", "signature": "x"}
            ),
        ],
    ),
}
