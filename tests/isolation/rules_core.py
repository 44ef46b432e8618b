"""Isolation rules of the site itself: home, health checks, favicon, CSP reports (channelops/core)."""

from __future__ import annotations

from .base import PUBLIC, Rule, get_post

RULES: dict[str, Rule] = {
    # --- site ---
    ":home": Rule(PUBLIC, get_post("/")),
    ":healthz": Rule(PUBLIC, get_post("/healthz")),
    ":favicon": Rule(PUBLIC, get_post("/favicon.ico")),
    # browsers' CSP violation reports: logged, nothing stored or shown
    ":csp_report": Rule(PUBLIC, get_post("/csp-report")),
    ":readyz": Rule(PUBLIC, get_post("/readyz")),
}
