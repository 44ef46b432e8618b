"""MDF proposals over the API; every query starts from ``Proposal.objects.visible_to(request.user)``.

Partner people list and read their partner's proposals, create drafts and send them to their CAM
(partner admins and people who may submit requests, of an eligible partner: the portal's rules);
staff with ``mdf.view_proposal`` read every proposal. A proposal the caller may not see is a 404.
"""

# No `from __future__ import annotations` here: django-ninja resolves a `Query[Schema]` parameter
# of a paginated endpoint only from a real annotation (vitalik/django-ninja#1424).
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from channelops.core.apischema import Error
from channelops.core.exceptions import NotAllowed
from channelops.core.pagination import Pagination

from . import services
from .models import ActivityType, ApprovalLevel, Proposal, ProposalStatus

router = Router(tags=["MDF proposals"])


class ProposalOut(Schema):
    id: int
    number: str = Field(..., description="MDF-000123")
    partner_id: int
    partner: str = Field(..., description="The partner's legal name")
    title: str
    activity_type: ActivityType
    starts_on: date
    ends_on: date
    status: ProposalStatus
    requested_amount: Decimal = Field(..., description="In the program currency")
    currency: str = Field(..., description="The program currency (MDF_CURRENCY)")
    entered_amount: Decimal
    entered_currency: str
    approved_amount: Decimal
    approval_level: ApprovalLevel | None = Field(None, description="Who approves it (set when submitted)")
    waiting_for: str = Field(..., description="The CAM's name while waiting for alignment, else empty")
    claim_deadline: date | None
    created_at: datetime
    submitted_at: datetime | None
    decided_at: datetime | None

    @staticmethod
    def resolve_partner(obj: Proposal) -> str:
        return obj.partner.legal_name

    @staticmethod
    def resolve_currency(obj: Proposal) -> str:
        return services.program_currency()

    @staticmethod
    def resolve_approval_level(obj: Proposal) -> str | None:
        return obj.approval_level or None

    @staticmethod
    def resolve_waiting_for(obj: Proposal) -> str:
        if obj.status == ProposalStatus.AWAITING_CAM and obj.cam is not None:
            return obj.cam.get_full_name()
        return ""


class ProposalDetailOut(ProposalOut):
    description: str
    audience: str
    target_accounts: str
    exchange_rate: Decimal = Field(..., description="Program-currency units per entered-currency unit")
    expected_leads: int
    expected_pipeline: Decimal
    reviewed_with_cam: bool


class ProposalIn(Schema):
    activity_type: ActivityType
    title: str = Field(..., max_length=200)
    description: str = Field("", max_length=5000)
    starts_on: date
    ends_on: date
    audience: str = Field("", max_length=2000)
    target_accounts: str = Field("", max_length=2000)
    entered_amount: Decimal = Field(..., description="The amount asked for, in entered_currency")
    entered_currency: str = Field(..., max_length=3, description="One of MDF_CURRENCIES")
    expected_leads: int = Field(0, ge=0)
    expected_pipeline: Decimal = Field(Decimal("0"), ge=0)
    reviewed_with_cam: bool = Field(False, description="Needed to send the proposal to the CAM")


class ProposalFilter(Schema):
    status: ProposalStatus | None = None


def _visible(request: Any) -> QuerySet[Proposal]:
    return Proposal.objects.visible_to(request.user).select_related("partner", "cam")


def _proposal(request: Any, proposal_id: int) -> Proposal:
    return get_object_or_404(_visible(request), pk=proposal_id)


@router.get("/mdf/proposals", response=list[ProposalOut], summary="List MDF proposals")
@paginate(Pagination)
def list_proposals(request: Any, filters: Query[ProposalFilter]) -> QuerySet[Proposal]:
    rows = _visible(request)
    if filters.status:
        rows = rows.filter(status=filters.status)
    return rows.order_by("-created_at", "-pk")


@router.get(
    "/mdf/proposals/{proposal_id}",
    response={200: ProposalDetailOut, 404: Error},
    summary="Get an MDF proposal",
)
def get_proposal(request: Any, proposal_id: int) -> Any:
    return _proposal(request, proposal_id)


@router.post(
    "/mdf/proposals",
    response={201: ProposalDetailOut, 403: Error},
    summary="Create an MDF proposal (a draft)",
)
def create_proposal(request: Any, body: ProposalIn) -> Any:
    """A partner person saves a draft for their partner (the partner must be eligible)."""
    membership = request.user.partner_membership
    if membership is None:
        raise NotAllowed(_("Only a partner's people propose MDF activities."))
    proposal = services.proposal_create(partner=membership.partner, by=request.user, data=body.dict())
    return 201, _proposal(request, proposal.pk)


@router.post(
    "/mdf/proposals/{proposal_id}/send-to-cam",
    response={200: ProposalDetailOut, 403: Error, 404: Error},
    summary="Send an MDF proposal to the partner's CAM",
)
def send_proposal(request: Any, proposal_id: int) -> Any:
    """The CAM confirms alignment in the console; then the proposal goes for approval."""
    proposal = _proposal(request, proposal_id)
    if request.user.is_staff:
        raise NotAllowed(_("Only the partner's people send a proposal to their CAM."))
    services.proposal_send_to_cam(proposal=proposal, by=request.user)
    return _proposal(request, proposal_id)
