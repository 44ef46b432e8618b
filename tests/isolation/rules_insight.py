"""Isolation rules of the insight app (channelops/insight): the program overview, engagement
analytics and their exports are staff pages; partner people are refused."""

from __future__ import annotations

from .base import DENIED, Probe, Rule, get_post

RULES: dict[str, Rule] = {
    "console:overview": Rule(DENIED, get_post("/console/overview/?region=EMEA")),
    "console:engagement": Rule(DENIED, get_post("/console/engagement/")),
    "console:overview_export": Rule(
        DENIED,
        lambda w: [
            Probe("GET", "/console/overview/partners-by-region.csv"),
            Probe("GET", "/console/overview/dormant-partners.xlsx"),
        ],
    ),
}
