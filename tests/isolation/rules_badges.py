"""Isolation rules of badges (channelops/badges).

Public verification material, the portal's and the console's badge pages, the badges API.
"""

from __future__ import annotations

from .base import DENIED, OWN, PUBLIC, Rule, api_calls, get_post

RULES: dict[str, Rule] = {
    # BADGES-RULES
    # Public verification material: anyone opens a badge's page and JSON (holder name, achievement,
    # issuer, dates: never the e-mail or the partner), the issuer profile, keys and status list.
    "badges:issuer": Rule(PUBLIC, get_post("/badges/issuer")),
    "badges:keys": Rule(PUBLIC, get_post("/badges/keys.json")),
    "badges:status_list": Rule(PUBLIC, get_post(lambda w: f"/badges/status/{w.badge_a.status_list_id}")),
    "badges:badge": Rule(PUBLIC, get_post(lambda w: f"/badges/{w.badge_a.pk}/")),
    "badges:badge_json": Rule(PUBLIC, get_post(lambda w: f"/badges/{w.badge_a.pk}.json")),
    # Partner B's people see their own partner's badges only; the console and the staff API: denied.
    "portal:badges": Rule(OWN, get_post("/portal/badges/"), own_page=True),
    "console:badges": Rule(DENIED, get_post("/console/badges/")),
    "console:badge": Rule(
        DENIED,
        get_post(lambda w: f"/console/badges/{w.badge_a.pk}/", {"action": "revoke", "reason": "pwned"}),
    ),
    "api:list_badges": Rule(OWN, api_calls(("GET", "/api/v1/badges", None))),
    "api:get_badge": Rule(DENIED, api_calls(("GET", lambda w: f"/api/v1/badges/{w.badge_a.pk}", None))),
    "api:approve_badge": Rule(
        DENIED, api_calls(("POST", lambda w: f"/api/v1/badges/{w.badge_a.pk}/approve", None))
    ),
    "api:revoke_badge": Rule(
        DENIED, api_calls(("POST", lambda w: f"/api/v1/badges/{w.badge_a.pk}/revoke", {"reason": "pwned"}))
    ),
    # END BADGES-RULES
}
