"""Isolation rules of MDF claims (channelops/mdf/claim_*.py): the portal's claims, claim form,
claim page and proof downloads, the console's review pages (staff only) and the API.

Partner A has an approved proposal with a claim waiting for more proof (its note names partner
A) and a proof file: partner B's people never list, read, download, add proof to or review it,
and never claim partner A's funds (404 for A's proposal and claim numbers)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .base import A_LEGAL_NAME, DENIED, OWN, Probe, Rule, World, api_calls, get_post


def claims_world(w: World) -> dict[str, Any]:
    built = getattr(w, "_mdf_claims", None)
    if built is None:
        from channelops.mdf import claim_services as svc
        from channelops.mdf.models import ProposalStatus

        from ..assets_helpers import pdf
        from ..factories import StaffFactory
        from ..mdf_factories import ProposalFactory

        proposal = ProposalFactory(
            partner=w.partner_a,
            status=ProposalStatus.APPROVED,
            approved_amount=Decimal("4000"),
            title=f"Roadshow of {A_LEGAL_NAME}",
            created_by=w.admin_a,
        )
        claim = svc.claim_submit(
            proposal=proposal,
            by=w.admin_a,
            amount="1000",
            note=f"Invoices of {A_LEGAL_NAME}",
            files=[("invoice", ("a-invoice.pdf", pdf()))],
        )
        marketing = StaffFactory(email="mdf.claims.marketing@vendor.test", roles=["channel_marketing"])
        claim = svc.claim_request_proof(claim=claim, by=marketing, comment="More please")
        built = {"proposal": proposal, "claim": claim, "file": claim.proof_files.get()}
        w._mdf_claims = built  # type: ignore[attr-defined]
    return built


def _claim_url(suffix: str = "", *, area: str = "portal") -> Any:
    return lambda w: f"/{area}/mdf/claims/{claims_world(w)['claim'].number}/{suffix}"


def _file_url(area: str) -> Any:
    def url(w: World) -> str:
        c = claims_world(w)
        return f"/{area}/mdf/claims/{c['claim'].number}/files/{c['file'].pk}/"

    return url


def _portal_list(w: World) -> list[Probe]:
    claims_world(w)
    return [Probe("GET", "/portal/mdf/claims/")]


RULES: dict[str, Rule] = {
    # MDF-CLAIMS-RULES
    "portal:mdf_claims": Rule(OWN, _portal_list),
    "portal:mdf_claim_new": Rule(
        DENIED,
        get_post(
            lambda w: f"/portal/mdf/claims/new/{claims_world(w)['proposal'].number}/",
            {"amount": "10", "currency": "USD"},
        ),
    ),
    "portal:mdf_claim": Rule(DENIED, get_post(_claim_url(), {"note": "pwned"})),
    "portal:mdf_claim_file": Rule(DENIED, get_post(_file_url("portal"))),
    "console:mdf_claims": Rule(DENIED, get_post("/console/mdf/claims/")),
    "console:mdf_claim": Rule(DENIED, get_post(_claim_url(area="console"))),
    "console:mdf_claim_approve": Rule(
        DENIED, get_post(_claim_url("approve/", area="console"), {"amount": "1"})
    ),
    "console:mdf_claim_more_proof": Rule(
        DENIED, get_post(_claim_url("more-proof/", area="console"), {"comment": "pwned"})
    ),
    "console:mdf_claim_reject": Rule(
        DENIED, get_post(_claim_url("reject/", area="console"), {"reason": "pwned"})
    ),
    "console:mdf_claim_payment": Rule(
        DENIED,
        get_post(_claim_url("payment/", area="console"), {"paid_on": "2026-01-01", "reference": "pwned"}),
    ),
    "console:mdf_claim_file": Rule(DENIED, get_post(_file_url("console"))),
    "api:list_claims": Rule(
        OWN,
        lambda w: [
            *api_calls(("GET", "/api/v1/mdf/claims", None))(w),
            *api_calls(("GET", f"/api/v1/mdf/claims?proposal={claims_world(w)['proposal'].number}", None))(w),
        ],
    ),
    "api:get_claim": Rule(
        DENIED, api_calls(("GET", lambda w: f"/api/v1/mdf/claims/{claims_world(w)['claim'].number}", None))
    ),
    "api:create_claim": Rule(
        OWN,
        lambda w: [
            Probe(
                "POST",
                "/api/v1/mdf/claims",
                {"proposal": claims_world(w)["proposal"].number, "amount": "10"},
                api=True,
            )
        ],
        note="a JSON body is refused (multipart only); partner A's proposal number gives 404 (test_mdf_claims_pages)",
    ),
    # END MDF-CLAIMS-RULES
}
