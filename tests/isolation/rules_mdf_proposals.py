"""Isolation rules of MDF proposals (channelops/mdf): the portal's Marketing funds pages, the
console's proposal pages (staff only) and the proposals API.

The world adds two proposals of partner A whose titles name partner A — a draft and one waiting
for approval, with an internal comment — none may reach partner B's people by list, page, action
or API; guessing their ids gives 404.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .base import A_LEGAL_NAME, DENIED, OWN, Probe, Rule, World, api_calls, get_post


def mdf_world(w: World) -> dict[str, Any]:
    built = getattr(w, "_mdf_proposals", None)
    if built is None:
        from channelops.mdf.services import event_add

        from ..mdf_factories import BudgetFactory, ProposalFactory

        budget = BudgetFactory(amount=Decimal("50000"))
        draft = ProposalFactory(
            number="MDF-500001",
            partner=w.partner_a,
            budget=None,
            status="draft",
            title=f"Draft plan of {A_LEGAL_NAME}",
            created_by=w.admin_a,
        )
        waiting = ProposalFactory(
            number="MDF-500002",
            partner=w.partner_a,
            budget=budget,
            status="submitted",
            approval_level="cam",
            title=f"Launch of {A_LEGAL_NAME}",
            created_by=w.admin_a,
        )
        event_add(waiting, "comment", actor=None, comment=f"Internal about {A_LEGAL_NAME}", internal=True)
        built = {"draft": draft, "waiting": waiting}
        w._mdf_proposals = built  # type: ignore[attr-defined]
    return built


def _portal(suffix: str, data: dict[str, Any] | None = None) -> Any:
    def build(w: World) -> list[Probe]:
        m = mdf_world(w)
        return [
            p for key in ("draft", "waiting") for p in get_post(f"/portal/mdf/{m[key].pk}/{suffix}", data)(w)
        ]

    return build


def _console(suffix: str, data: dict[str, Any] | None = None) -> Any:
    return get_post(lambda w: f"/console/mdf/{mdf_world(w)['waiting'].pk}/{suffix}", data)


def _list(base: str) -> Any:
    def build(w: World) -> list[Probe]:
        mdf_world(w)
        return [Probe("GET", base), Probe("GET", f"{base}?view=mine"), Probe("GET", f"{base}?q=acme")]

    return build


FORM = {
    "activity_type": "event",
    "title": "pwned",
    "starts_on": "2026-12-10",
    "ends_on": "2026-12-10",
    "entered_amount": "10",
    "entered_currency": "USD",
    "reviewed_with_cam": "on",
    "send": "1",
}


def _api(suffix: str, method: str = "GET") -> Any:
    def build(w: World) -> list[Probe]:
        m = mdf_world(w)
        return [
            p
            for key in ("draft", "waiting")
            for p in api_calls((method, f"/api/v1/mdf/proposals/{m[key].pk}{suffix}", None))(w)
        ]

    return build


RULES: dict[str, Rule] = {
    # MDF-PROPOSALS-RULES
    # The portal: partner B's people see their own (empty) list and form, never partner A's proposals.
    "portal:mdf": Rule(OWN, _list("/portal/mdf/")),
    "portal:mdf_proposal_new": Rule(OWN, lambda w: [Probe("GET", "/portal/mdf/new/")]),
    "portal:mdf_proposal": Rule(DENIED, _portal("")),
    "portal:mdf_proposal_edit": Rule(DENIED, _portal("edit/", FORM)),
    "portal:mdf_proposal_send": Rule(DENIED, _portal("send/")),
    "portal:mdf_proposal_withdraw": Rule(DENIED, _portal("withdraw/")),
    # The console: staff only.
    "console:mdf": Rule(DENIED, _list("/console/mdf/")),
    "console:mdf_proposal": Rule(DENIED, _console("")),
    "console:mdf_proposal_align": Rule(DENIED, _console("align/")),
    "console:mdf_proposal_cam_return": Rule(DENIED, _console("cam-changes/", {"comment": "pwned"})),
    "console:mdf_proposal_comment": Rule(DENIED, _console("comment/", {"comment": "pwned"})),
    "console:mdf_proposal_changes": Rule(DENIED, _console("changes/", {"comment": "pwned"})),
    "console:mdf_proposal_approve": Rule(DENIED, _console("approve/")),
    "console:mdf_proposal_reject": Rule(DENIED, _console("reject/", {"reason": "pwned"})),
    # The API: partner-scoped like the portal.
    "api:list_proposals": Rule(
        OWN,
        api_calls(
            ("GET", "/api/v1/mdf/proposals", None), ("GET", "/api/v1/mdf/proposals?status=draft", None)
        ),
    ),
    "api:get_proposal": Rule(DENIED, _api("")),
    "api:create_proposal": Rule(OWN, api_calls(("POST", "/api/v1/mdf/proposals", None))),
    "api:send_proposal": Rule(DENIED, _api("/send-to-cam", "POST")),
    # END MDF-PROPOSALS-RULES
}
