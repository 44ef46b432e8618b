"""Isolation rules of notifications (channelops/notifications).

The portal's and the console's notifications and notification rules.
"""

from __future__ import annotations

from .base import DENIED, OWN, Rule, get_post, notification_a, rule_a

NOTIFY_RULE = {"watch": "work_items", "when": "new_submission", "how": "immediate"}

RULES: dict[str, Rule] = {
    # --- notifications ---
    # NOTIFICATIONS-RULES
    # Partner B's own notifications and rules (B's POSTs act on B's person only); A's are 404.
    "portal:notifications": Rule(OWN, get_post("/portal/notifications/"), own_page=True),
    "portal:notifications_read_all": Rule(OWN, get_post("/portal/notifications/read/")),
    "portal:notification_read": Rule(
        DENIED, get_post(lambda w: f"/portal/notifications/{notification_a(w).pk}/read/", {"open": "1"})
    ),
    "portal:notification_rules": Rule(
        OWN, get_post("/portal/notifications/rules/", NOTIFY_RULE), own_page=True
    ),
    "portal:notification_rule": Rule(
        DENIED, get_post(lambda w: f"/portal/notifications/rules/{rule_a(w).pk}/", NOTIFY_RULE)
    ),
    "portal:notification_rule_delete": Rule(
        DENIED, get_post(lambda w: f"/portal/notifications/rules/{rule_a(w).pk}/delete/")
    ),
    "console:notifications": Rule(DENIED, get_post("/console/notifications/")),
    "console:notifications_read_all": Rule(DENIED, get_post("/console/notifications/read/")),
    "console:notification_read": Rule(
        DENIED, get_post(lambda w: f"/console/notifications/{notification_a(w).pk}/read/", {"open": "1"})
    ),
    "console:notification_rules": Rule(DENIED, get_post("/console/notifications/rules/", NOTIFY_RULE)),
    "console:notification_rule": Rule(
        DENIED, get_post(lambda w: f"/console/notifications/rules/{rule_a(w).pk}/", NOTIFY_RULE)
    ),
    "console:notification_rule_delete": Rule(
        DENIED, get_post(lambda w: f"/console/notifications/rules/{rule_a(w).pk}/delete/")
    ),
}
