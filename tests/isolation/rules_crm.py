"""Isolation rules of the CRM sync (channelops/crm): staff pages only; partner people and visitors
are refused before any record is looked up."""

from __future__ import annotations

from .base import DENIED, Rule, get_post

RULES: dict[str, Rule] = {
    "console:crm": Rule(DENIED, get_post("/console/crm/")),
    "console:crm_conflict_resolve": Rule(
        DENIED, get_post("/console/crm/conflicts/1/resolve/", {"side": "crm"})
    ),
}
