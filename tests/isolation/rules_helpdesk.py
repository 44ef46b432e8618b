"""Isolation rules of helpdesk: account reviews (console, staff only; channelops/helpdesk)."""

from __future__ import annotations

from .base import DENIED, Rule, get_post

RULES: dict[str, Rule] = {
    # --- account reviews ---
    # REVIEWS-RULES
    "console:reviews": Rule(DENIED, get_post("/console/reviews/?specialist=all")),
    "console:review": Rule(DENIED, get_post(lambda w: f"/console/reviews/{w.review_a.pk}/")),
    "console:review_item_check": Rule(
        DENIED,
        get_post(
            lambda w: f"/console/reviews/{w.review_a.pk}/items/{w.review_a.items.get().pk}/check/",
            {"checked": "1"},
        ),
    ),
    "console:review_item_remind": Rule(
        DENIED,
        get_post(lambda w: f"/console/reviews/{w.review_a.pk}/items/{w.review_a.items.get().pk}/remind/"),
    ),
    "console:review_complete": Rule(
        DENIED, get_post(lambda w: f"/console/reviews/{w.review_a.pk}/complete/", {"notes": "pwned"})
    ),
}
