"""Status badges: one colour per status value, per kind of status.

``{% status_badge value label kind %}`` (core/templatetags/shell.py) shows a Tabler badge with
the colour *and* the text, so colour is never the only signal. Apps register the colours of
their status kinds with :func:`register_status_colors`; values not registered fall back to the
shared meaning of common words (approved = green, rejected = red, …).
"""

from __future__ import annotations

GREEN, YELLOW, RED, BLUE, GREY, ORANGE, PURPLE = (
    "green",
    "yellow",
    "red",
    "blue",
    "secondary",
    "orange",
    "purple",
)

DEFAULT_COLORS: dict[str, str] = {
    **dict.fromkeys(
        (
            "active",
            "approved",
            "accepted",
            "awarded",
            "delivered",
            "issued",
            "completed",
            "done",
            "closed",
            "valid",
            "verified",
            "sent",
            "published",
            "current",
            "certified",
            "met",
            "ok",
            "resolved",
            "signed",
        ),
        GREEN,
    ),
    **dict.fromkeys(
        (
            "pending",
            "submitted",
            "needs_info",
            "waiting",
            "in_review",
            "review",
            "open",
            "queued",
            "requested",
            "due",
            "overdue_soon",
            "signing",
            "scheduled",
            "in_progress",
            "returned",
        ),
        YELLOW,
    ),
    **dict.fromkeys(("overdue", "expiring", "suspended", "on_hold", "at_risk", "stale"), ORANGE),
    **dict.fromkeys(
        (
            "rejected",
            "revoked",
            "expired",
            "failed",
            "dead",
            "terminated",
            "withdrawn",
            "cancelled",
            "invalid",
            "refused",
        ),
        RED,
    ),
    **dict.fromkeys(("new", "draft", "prospect", "applied", "not_started", "todo"), BLUE),
}

_KINDS: dict[str, dict[str, str]] = {}


def register_status_colors(kind: str, colors: dict[str, str]) -> None:
    """Declare (or extend) the colours of one kind of status, e.g. ``("nfr", {"approved": GREEN})``."""
    _KINDS.setdefault(kind, {}).update(colors)


def status_color(value: object, kind: str = "") -> str:
    key = str(value or "").lower()
    return _KINDS.get(kind, {}).get(key) or DEFAULT_COLORS.get(key, GREY)
