"""Isolation rules of outgoing webhooks (channelops/webhooks): staff pages only; partner people and
visitors are refused before any endpoint is looked up (so an id that may or may not exist is fine)."""

from __future__ import annotations

from .base import DENIED, Rule, get_post

HOOK = {"url": "https://attacker.example/x", "event_kinds": ["partner.changed"]}

RULES: dict[str, Rule] = {
    "console:webhooks": Rule(DENIED, get_post("/console/webhooks/")),
    "console:webhook_new": Rule(DENIED, get_post("/console/webhooks/new/", HOOK)),
    "console:webhook": Rule(DENIED, get_post("/console/webhooks/1/")),
    "console:webhook_change": Rule(DENIED, get_post("/console/webhooks/1/change/", HOOK)),
    "console:webhook_enable": Rule(DENIED, get_post("/console/webhooks/1/enable/")),
    "console:webhook_disable": Rule(DENIED, get_post("/console/webhooks/1/disable/")),
    "console:webhook_rotate": Rule(DENIED, get_post("/console/webhooks/1/rotate/")),
    "console:webhook_deliveries": Rule(DENIED, get_post("/console/webhooks/1/deliveries/")),
    "console:webhook_replay": Rule(DENIED, get_post("/console/webhooks/1/deliveries/1/replay/")),
}
