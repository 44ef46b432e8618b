"""``{% claims_summary proposal claims as summary %}``: what the claims section of a proposal page
shows — the totals, what is left to claim, the deadline and which buttons the viewer may use."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.conf import settings

from channelops.mdf import claim_services as svc
from channelops.mdf.models import ClaimStatus, ProposalStatus

register = template.Library()


@register.simple_tag(takes_context=True)
def claims_summary(context: Any, proposal: Any, claims: Any = None) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    rows = list(claims if claims is not None else proposal.claims.all())

    def total(*statuses: str) -> Decimal:
        return sum((c.amount for c in rows if c.status in statuses), Decimal("0"))

    open_ = total(ClaimStatus.SUBMITTED, ClaimStatus.MORE_PROOF)
    approved = total(ClaimStatus.APPROVED)
    paid = total(ClaimStatus.PAID)
    left = Decimal("0")
    if proposal.status == ProposalStatus.APPROVED:
        left = max(
            proposal.approved_amount - proposal.released_amount - open_ - approved - paid, Decimal("0")
        )
    deadline_passed = svc.deadline_passed(proposal)
    final_sent = any(c.is_final and c.status not in (ClaimStatus.REJECTED,) for c in rows)
    staff = bool(user is not None and user.is_staff)
    may_claim = (
        not staff
        and user is not None
        and proposal.status == ProposalStatus.APPROVED
        and not deadline_passed
        and left > 0
        and not final_sent
        and svc.may_submit_claims(user, proposal.partner_id)
    )
    return {
        "claims": rows,
        "staff": staff,
        "open": open_,
        "approved": approved,
        "paid": paid,
        "left": left,
        "released": proposal.released_amount,
        "deadline": proposal.claim_deadline,
        "deadline_passed": deadline_passed,
        "may_claim": may_claim,
        "claimable_status": proposal.status == ProposalStatus.APPROVED,
        "currency": settings.MDF_CURRENCY,
    }
