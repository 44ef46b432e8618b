"""Isolation rules of the console's own pages (channelops/console).

Home, partner directory, partner pages, queues, dead letters.
"""

from __future__ import annotations

from channelops.console.partner360 import SECTIONS

from .base import DENIED, Probe, Rule, get_post

RULES: dict[str, Rule] = {
    # --- staff console ---
    "console:home": Rule(DENIED, get_post("/console/")),
    "console:directory": Rule(DENIED, get_post("/console/partners/?q=Acme")),
    "console:directory_export": Rule(
        DENIED,
        lambda w: [
            Probe("GET", "/console/partners/export.csv?q=Acme"),
            Probe("GET", "/console/partners/export.xlsx"),
        ],
    ),
    # every tab of the partner page (channelops/console/partner360/), GET and POST
    "console:partner_detail": Rule(
        DENIED,
        lambda w: [
            probe
            for tab in ("", *(f"?tab={s.key}" for s in SECTIONS))
            for probe in get_post(f"/console/partners/{w.partner_a.pk}/{tab}")(w)
        ],
    ),
    "console:partner_edit": Rule(
        DENIED,
        get_post(
            lambda w: f"/console/partners/{w.partner_a.pk}/edit/", {"status": "terminated", "reason": "x"}
        ),
    ),
    "console:partner_search": Rule(DENIED, get_post("/console/partners/search?q=Acme")),
    "console:queues": Rule(DENIED, get_post("/console/queues/")),
    "console:queue_detail": Rule(DENIED, get_post("/console/queues/partners_applied/")),
    "console:dead_letters": Rule(DENIED, get_post("/console/outbox/dead/")),
    "console:dead_letter_retry": Rule(
        DENIED, get_post(lambda w: f"/console/outbox/dead/{w.dead_letter_a.pk}/retry/")
    ),
}
