"""MDF claims over the API: ``/api/v1/mdf/claims``; every query starts from ``visible_to(user)``.

Partner people list and read their own partner's claims and submit claims (``multipart/form-data``
with the proof files, one file field per kind: ``invoice``, ``photo``, ``attendees``,
``screenshot``, ``report``, ``other``; each may repeat) under the same rules as the portal's form;
staff with ``mdf.view_proposal`` list and read every claim.
"""

# No `from __future__ import annotations` here: django-ninja resolves the parameters' annotations.
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate

from channelops.core.apischema import Error
from channelops.core.pagination import Pagination

from . import claim_services as svc
from .models import Claim, ClaimStatus, ProofFile, Proposal

router = Router(tags=["MDF claims"])


class ProofFileOut(Schema):
    id: int
    kind: str
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime


class ClaimOut(Schema):
    id: int
    number: str
    proposal: str = Field(..., description="The proposal's number (MDF-000123)")
    partner_id: int
    amount: Decimal = Field(..., description="In the program currency")
    entered_currency: str
    entered_amount: Decimal
    exchange_rate: Decimal
    is_final: bool
    status: ClaimStatus
    note: str
    submitted_at: datetime
    reviewed_at: datetime | None
    decision_reason: str
    paid_on: date | None
    payment_reference: str

    @staticmethod
    def resolve_proposal(obj: Claim) -> str:
        return obj.proposal.number

    @staticmethod
    def resolve_partner_id(obj: Claim) -> int:
        return obj.proposal.partner_id


class ClaimDetailOut(ClaimOut):
    files: list[ProofFileOut]

    @staticmethod
    def resolve_files(obj: Claim) -> list:
        return list(obj.proof_files.all())


class ClaimFilter(Schema):
    status: ClaimStatus | None = None
    proposal: str | None = Field(None, max_length=20, description="A proposal's number")


def _claims(request) -> QuerySet:
    return Claim.objects.visible_to(request.user).select_related("proposal")


@router.get("/mdf/claims", response=list[ClaimOut], summary="List MDF claims")
@paginate(Pagination)
def list_claims(request, filters: Query[ClaimFilter]):
    """Claims the token's owner may see (partner people: their partner's), newest first."""
    qs = _claims(request)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.proposal:
        qs = qs.filter(proposal__number=filters.proposal)
    return qs.order_by("-submitted_at", "-pk")


def _detail(request, number: str) -> Claim:
    return get_object_or_404(
        _claims(request).prefetch_related(Prefetch("proof_files", queryset=ProofFile.objects.order_by("pk"))),
        number=number,
    )


@router.get("/mdf/claims/{number}", response={200: ClaimDetailOut, 404: Error}, summary="Get an MDF claim")
def get_claim(request, number: str):
    """One claim with its proof files' names, types and checksums."""
    return _detail(request, number)


@router.post(
    "/mdf/claims", response={201: ClaimDetailOut, 403: Error, 404: Error}, summary="Submit an MDF claim"
)
def create_claim(
    request,
    proposal: Form[str],
    amount: Form[Decimal],
    currency: Form[str] = "",
    is_final: Form[bool] = False,
    note: Form[str] = "",
    invoice: File[list[UploadedFile]] = None,  # type: ignore[assignment]
    photo: File[list[UploadedFile]] = None,  # type: ignore[assignment]
    attendees: File[list[UploadedFile]] = None,  # type: ignore[assignment]
    screenshot: File[list[UploadedFile]] = None,  # type: ignore[assignment]
    report: File[list[UploadedFile]] = None,  # type: ignore[assignment]
    other: File[list[UploadedFile]] = None,  # type: ignore[assignment]
):
    """Claim (part of) an approved proposal's funds with proof (``multipart/form-data``): at least
    one ``invoice`` file; every file is checked by its content; the same rules as the portal.

    ``proposal``: the approved proposal's number; ``amount`` in ``currency`` (empty: the program
    currency); ``is_final``: the last claim; ``note``: up to 3,000 characters."""
    target = get_object_or_404(Proposal.objects.visible_to(request.user), number=proposal)
    kinds = {
        "invoice": invoice,
        "photo": photo,
        "attendees": attendees,
        "screenshot": screenshot,
        "report": report,
        "other": other,
    }
    files = [(kind, f) for kind, uploads in kinds.items() for f in (uploads or [])]
    claim = svc.claim_submit(
        proposal=target,
        by=request.user,
        amount=amount,
        currency=currency,
        is_final=is_final,
        note=note,
        files=files,
    )
    return 201, _detail(request, claim.number)
