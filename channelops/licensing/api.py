"""NFR license requests over the API; every query starts from ``visible_to(request.user)``.

Partner admins (and partner users allowed to submit requests) request licenses for their own
partner; staff with the permission request for any partner and review (reject, ask for information).
"""

# No `from __future__ import annotations` here: django-ninja cannot resolve a `Query[Schema]`
# parameter of a paginated endpoint from a string annotation (vitalik/django-ninja#1424).
from datetime import date, datetime
from uuid import UUID

from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from channelops.core.apischema import ID_MAX, Error, InSchema
from channelops.core.exceptions import NotAllowed
from channelops.core.pagination import Pagination
from channelops.partners.models import Partner

from .models import License, NfrRequest, Plan, RequestStatus
from .services import (
    AMENDABLE,
    SEATS_MAX,
    SEATS_MIN,
    TERM_MAX,
    TERM_MIN,
    may_download,
    nfr_request_answer,
    nfr_request_approve,
    nfr_request_ask,
    nfr_request_correct,
    nfr_request_reject,
    nfr_request_submit,
    nfr_request_withdraw,
)

router = Router(tags=["NFR requests"])


class NfrRequestIn(InSchema):
    partner_id: int | None = Field(
        None, ge=1, le=ID_MAX, description="Staff: the partner. Partner people: ignored (their own partner)."
    )
    contact_name: str = Field(..., min_length=1, max_length=150)
    contact_email: str = Field(..., min_length=3, max_length=254)
    plan: Plan = Plan.ULTIMATE
    seats: int = Field(..., ge=SEATS_MIN, le=SEATS_MAX)
    term_months: int = Field(12, ge=TERM_MIN, le=TERM_MAX)
    purpose: str = Field(..., min_length=1, max_length=5000)
    is_renewal: bool = False


class EventOut(Schema):
    kind: str
    at: datetime
    detail: str
    by_email: str | None = Field(None, alias="by.email")


class NfrRequestOut(Schema):
    id: int
    reference: str
    partner_id: int
    partner: str = Field(..., alias="partner.legal_name")
    contact_name: str
    contact_email: str
    plan: Plan
    seats: int
    term_months: int
    purpose: str
    is_renewal: bool
    status: RequestStatus
    requested_by_email: str | None = Field(None, alias="requested_by.email")
    created_at: datetime
    updated_at: datetime
    question: str
    answer: str
    rejection_reason: str
    decided_at: datetime | None
    encouraged: bool
    license_id: UUID | None = Field(None, description="The license issued on approval")

    @staticmethod
    def resolve_license_id(obj: NfrRequest) -> UUID | None:
        lic = getattr(obj, "license", None) if obj.status == RequestStatus.APPROVED else None
        return lic.id if lic is not None else None


class NfrRequestDetailOut(NfrRequestOut):
    events: list[EventOut]

    @staticmethod
    def resolve_events(obj: NfrRequest) -> list:
        return list(obj.events.select_related("by").order_by("at", "pk"))


class RejectIn(InSchema):
    reason: str = Field(..., min_length=1, max_length=5000)


class QuestionIn(InSchema):
    question: str = Field(..., min_length=1, max_length=5000)


class AmendIn(InSchema):
    """The request's fields a partner amends with an answer, or a reviewer corrects (issue 14);
    left out: unchanged. Validated like a new request."""

    seats: int | None = Field(None, ge=SEATS_MIN, le=SEATS_MAX)
    term_months: int | None = Field(None, ge=TERM_MIN, le=TERM_MAX)
    contact_name: str | None = Field(None, min_length=1, max_length=150)
    contact_email: str | None = Field(None, min_length=3, max_length=254)

    def amend(self) -> dict:
        return {f: getattr(self, f) for f in AMENDABLE if getattr(self, f, None) is not None}


class AnswerIn(AmendIn):
    answer: str = Field(..., min_length=1, max_length=5000)


class CorrectIn(AmendIn):
    reason: str = Field(..., min_length=1, max_length=1000)


class LicenseOut(Schema):
    id: UUID
    request_id: int
    partner_id: int
    contact_email: str
    plan: Plan
    users: int
    starts: date
    expires: date
    key_id: str
    note: str = Field(..., alias="payload.note")
    issued_at: datetime
    revoked_at: datetime | None
    revocation_reason: str


class NfrFilter(Schema):
    status: RequestStatus | None = None
    open: bool | None = Field(None, description="Only open requests (submitted or needing information)")
    partner_id: int | None = Field(None, ge=1, le=ID_MAX)
    plan: Plan | None = None


def _requests(request) -> QuerySet:
    return NfrRequest.objects.visible_to(request.user).select_related("partner", "requested_by", "license")


def _act(request, request_id: int, step):
    """One review step on a request the caller may see (404 otherwise); the request as it is now."""
    req = get_object_or_404(_requests(request), pk=request_id)
    step(req)
    return _requests(request).get(pk=req.pk)


@router.get("/nfr-requests", response=list[NfrRequestOut])
@paginate(Pagination)
def list_nfr_requests(request, filters: Query[NfrFilter]):
    qs = _requests(request)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.open:
        qs = qs.open()  # type: ignore[attr-defined]
    if filters.partner_id is not None:
        qs = qs.filter(partner_id=filters.partner_id)
    if filters.plan:
        qs = qs.filter(plan=filters.plan)
    return qs.order_by("-created_at", "-pk")


@router.get("/nfr-requests/{request_id}", response={200: NfrRequestDetailOut, 404: Error})
def get_nfr_request(request, request_id: int):
    return get_object_or_404(_requests(request), pk=request_id)


@router.post(
    "/nfr-requests",
    response={201: NfrRequestDetailOut, 403: Error, 404: Error},
)
def create_nfr_request(request, body: NfrRequestIn):
    """Request NFR licenses: a second open request for the same contact and plan is refused (422)."""
    user = request.user
    if user.is_staff:
        if body.partner_id is None:
            from django.core.exceptions import ValidationError

            raise ValidationError({"partner_id": _("Staff name the partner the licenses are for.")})
        partner = get_object_or_404(Partner.objects.visible_to(user), pk=body.partner_id)
    else:
        membership = user.partner_membership
        if membership is None:
            raise NotAllowed(_("Only a partner's people may request NFR licenses."))
        partner = membership.partner
    req = nfr_request_submit(
        partner=partner,
        contact_name=body.contact_name,
        contact_email=body.contact_email,
        plan=body.plan,
        seats=body.seats,
        term_months=body.term_months,
        purpose=body.purpose,
        is_renewal=body.is_renewal,
        by=user,
    )
    return 201, _requests(request).get(pk=req.pk)


@router.post(
    "/nfr-requests/{request_id}/reject",
    response={200: NfrRequestDetailOut, 403: Error, 404: Error},
)
def reject_nfr_request(request, request_id: int, body: RejectIn):
    return _act(
        request, request_id, lambda req: nfr_request_reject(request=req, by=request.user, reason=body.reason)
    )


@router.post(
    "/nfr-requests/{request_id}/request-info",
    response={200: NfrRequestDetailOut, 403: Error, 404: Error},
)
def request_info_nfr_request(request, request_id: int, body: QuestionIn):
    """Ask the partner for more information: the request waits for their answer (in the portal)."""
    return _act(
        request, request_id, lambda req: nfr_request_ask(request=req, by=request.user, question=body.question)
    )


@router.post(
    "/nfr-requests/{request_id}/answer",
    response={200: NfrRequestDetailOut, 403: Error, 404: Error},
)
def answer_nfr_request(request, request_id: int, body: AnswerIn):
    """The partner answers the reviewer's question, and may amend the seats, term and license contact
    with it (each change on the timeline, the eligibility re-run): the request is back in the queue."""
    return _act(
        request,
        request_id,
        lambda req: nfr_request_answer(request=req, by=request.user, answer=body.answer, amend=body.amend()),
    )


@router.post(
    "/nfr-requests/{request_id}/withdraw",
    response={200: NfrRequestDetailOut, 403: Error, 404: Error},
)
def withdraw_nfr_request(request, request_id: int):
    """The partner takes back an undecided request (submitted or needing information): *withdrawn*,
    never decided; the region's help desk is e-mailed. A decided request is refused (422)."""
    return _act(request, request_id, lambda req: nfr_request_withdraw(request=req, by=request.user))


@router.post(
    "/nfr-requests/{request_id}/correct",
    response={200: NfrRequestDetailOut, 403: Error, 404: Error},
)
def correct_nfr_request(request, request_id: int, body: CorrectIn):
    """A reviewer corrects an open request's seats, term or license contact with a reason (on the
    timeline the partner sees, and in the audit history)."""
    return _act(
        request,
        request_id,
        lambda req: nfr_request_correct(request=req, by=request.user, reason=body.reason, amend=body.amend()),
    )


@router.post(
    "/nfr-requests/{request_id}/approve",
    response={200: NfrRequestDetailOut, 403: Error, 404: Error},
)
def approve_nfr_request(request, request_id: int):
    """Approve: sign the license and queue its delivery (the e-mail with the file, the CRM
    activity, the encouragement where it applies, the requester informed). Approving an approved
    request returns it unchanged (one license, one e-mail). Needs the issuing privilege (403)."""
    return _act(request, request_id, lambda req: nfr_request_approve(request=req, by=request.user))


license_router = Router(tags=["Licenses"])


def _licenses(request) -> QuerySet:
    return License.objects.visible_to(request.user)


def _license(request, license_id: UUID) -> License:
    return get_object_or_404(_licenses(request), pk=license_id)


@license_router.get("/licenses/{license_id}", response={200: LicenseOut, 404: Error})
def get_license(request, license_id: UUID):
    return _license(request, license_id)


@license_router.get(
    "/licenses/{license_id}/file",
    response={200: str, 403: Error, 404: Error},
    openapi_extra={
        "responses": {
            200: {
                "description": "The signed license file (armoured text)",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            },
        },
    },
)
def get_license_file(request, license_id: UUID):
    """The signed license file, as an attachment (partner people who may request NFR licenses; staff)."""
    lic = _license(request, license_id)
    if not may_download(request.user, lic):
        raise NotAllowed(_("Only the partner's people who may request NFR licenses can download them."))
    response = HttpResponse(lic.file_text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{lic.filename}"'
    return response
