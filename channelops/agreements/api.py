"""Agreements, acceptances and legal requests over the API; every query starts from ``visible_to(request.user)``.

Read-only for agreements and acceptance evidence (accepting happens in the portal, where the
text is shown); partner admins can open, discuss and withdraw legal requests.
"""

# No `from __future__ import annotations` here: django-ninja cannot resolve a `Query[Schema]`
# parameter of a paginated endpoint from a string annotation (vitalik/django-ninja#1424).
from datetime import date, datetime
from typing import Any, Literal

from django.db.models import OuterRef, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from channelops.core.apischema import ID_MAX, Error, InSchema
from channelops.core.exceptions import NotAllowed
from channelops.core.pagination import Pagination
from channelops.partners.models import Partner
from channelops.partners.querysets import _partner_scope

from .models import (
    Acceptance,
    AgreementKind,
    AgreementTemplate,
    AgreementVersion,
    LegalComment,
    LegalRequest,
    LegalStatus,
    VersionStatus,
)
from .querysets import partner_agreement_rows
from .services import legal_comment_add, legal_request_open, legal_request_withdraw

router = Router(tags=["agreements"])
LEGAL = ["legal requests"]


def _templates(user: Any) -> QuerySet:
    """Templates are not partner data: staff see all, partner people the active ones, others none."""
    scope, _pid = _partner_scope(user)
    qs = AgreementTemplate.objects.all()
    if scope == "all":
        return qs
    if scope == "partner":
        return qs.filter(active=True)
    return qs.none()


def _templates_with_current(user: Any) -> QuerySet:
    """Visible templates annotated with their current published general version (one SQL query)."""
    current = (
        AgreementVersion.objects.visible_to(user)
        .filter(template=OuterRef("pk"), status=VersionStatus.PUBLISHED, partner__isnull=True)
        .order_by("-number")
    )
    return (
        _templates(user)
        .annotate(
            current_version_id=Subquery(current.values("pk")[:1]),
            current_version=Subquery(current.values("number")[:1]),
            current_content_hash=Subquery(current.values("content_hash")[:1]),
            current_published_at=Subquery(current.values("published_at")[:1]),
        )
        .prefetch_related("programs", "regions")
    )


# --- schemas -------------------------------------------------------------------------------------


class TemplateOut(Schema):
    id: int
    slug: str
    name: str
    kind: AgreementKind
    summary: str
    required_for_all: bool
    programs: list[str] = Field(..., description="Partner type slugs it is required for")
    regions: list[str] = Field(..., description="Region codes it applies to; empty: every region")
    active: bool
    current_version_id: int | None = Field(None, description="Current published general version")
    current_version: int | None = Field(None, description="Its number")
    current_content_hash: str | None = Field(None, description="SHA-256 of its text")
    current_published_at: datetime | None = None

    @staticmethod
    def resolve_programs(obj: AgreementTemplate) -> list[str]:
        return [p.slug for p in obj.programs.all()]

    @staticmethod
    def resolve_regions(obj: AgreementTemplate) -> list[str]:
        return [r.code for r in obj.regions.all()]


class VersionOut(Schema):
    id: int
    template_id: int
    number: int
    status: VersionStatus
    content_hash: str
    change_summary: str
    published_at: datetime | None
    reaccept_by: date | None
    partner_id: int | None = Field(
        None, description="Custom version for this partner; null: the general text"
    )


class TemplateDetailOut(TemplateOut):
    versions: list[VersionOut] = Field(
        ..., alias="versions_visible", description="The versions you can see, newest first"
    )


class VersionDetailOut(VersionOut):
    template: str = Field(..., alias="template.slug")
    body: str = Field(..., description="The agreement text (Markdown)")
    created_at: datetime


class AcceptanceOut(Schema):
    id: int
    partner_id: int
    template_id: int
    template: str = Field(..., alias="template.slug")
    version_id: int
    version: int = Field(..., alias="version.number")
    content_hash: str = Field(..., description="SHA-256 of the text accepted")
    accepted_by_name: str
    accepted_by_email: str
    accepted_at: datetime
    ip_address: str | None
    user_agent: str
    regions: list[str] = Field(..., description="Region codes the acceptance covers")

    @staticmethod
    def resolve_regions(obj: Acceptance) -> list[str]:
        return [c for c in obj.regions.split(",") if c]


class VersionRef(Schema):
    id: int
    number: int
    content_hash: str
    published_at: datetime | None
    reaccept_by: date | None
    partner_id: int | None


class AcceptedRef(Schema):
    id: int
    version_id: int
    version: int = Field(..., alias="version.number")
    content_hash: str
    accepted_by_email: str
    accepted_at: datetime


class PartnerAgreementOut(Schema):
    template_id: int = Field(..., alias="template.pk")
    template: str = Field(..., alias="template.slug")
    name: str = Field(..., alias="template.name")
    kind: AgreementKind = Field(..., alias="template.kind")
    state: Literal["accepted", "due", "overdue", "required", "negotiating"]
    state_label: str
    deadline: date | None = Field(None, description="Re-accept by (for due, overdue, negotiating)")
    current: VersionRef | None = Field(None, description="The version to accept (null: none published)")
    accepted: AcceptedRef | None = Field(None, description="The latest acceptance of this agreement")
    legal_request_id: int | None = Field(None, alias="legal_request.pk")


class CommentOut(Schema):
    id: int
    author_name: str | None = Field(None, alias="author.full_name")
    author_email: str | None = Field(None, alias="author.email")
    author_is_staff: bool = False
    body: str
    created_at: datetime

    @staticmethod
    def resolve_author_is_staff(obj: LegalComment) -> bool:
        return bool(obj.author is not None and obj.author.is_staff)


class LegalRequestOut(Schema):
    id: int
    partner_id: int
    template_id: int
    template: str = Field(..., alias="template.slug")
    version_id: int = Field(..., description="The version discussed")
    version: int = Field(..., alias="version.number")
    status: LegalStatus
    proposed_changes: str
    opened_by_email: str | None = Field(None, alias="opened_by.email")
    opened_at: datetime
    closed_at: datetime | None
    outcome_note: str


class LegalRequestDetailOut(LegalRequestOut):
    comments: list[CommentOut]

    @staticmethod
    def resolve_comments(obj: LegalRequest) -> list[LegalComment]:
        return list(obj.comments.select_related("author").order_by("created_at", "pk"))


class LegalRequestIn(InSchema):
    template_id: int = Field(..., ge=1, le=ID_MAX, description="The agreement template to negotiate")
    proposed_changes: str = Field(..., min_length=1, max_length=20_000)


class CommentIn(InSchema):
    body: str = Field(..., min_length=1, max_length=20_000)


class WithdrawIn(InSchema):
    note: str = Field("", max_length=5000, description="Why the request is withdrawn (optional)")


# --- templates and versions ----------------------------------------------------------------------


@router.get("/agreement-templates", response=list[TemplateOut])
@paginate(Pagination)
def list_agreement_templates(request, active: bool | None = None):
    qs = _templates_with_current(request.user)
    if active is not None:
        qs = qs.filter(active=active)
    return qs.order_by("position", "name", "pk")


@router.get(
    "/agreement-templates/{template_id}",
    response={200: TemplateDetailOut, 404: Error},
)
def get_agreement_template(request, template_id: int):
    template = get_object_or_404(_templates_with_current(request.user), pk=template_id)
    template.versions_visible = list(
        AgreementVersion.objects.visible_to(request.user)
        .filter(template=template)
        .defer("body")
        .order_by("-number", "-pk")
    )
    return template


@router.get("/agreement-versions/{version_id}", response={200: VersionDetailOut, 404: Error})
def get_agreement_version(request, version_id: int):
    return get_object_or_404(
        AgreementVersion.objects.visible_to(request.user).select_related("template"), pk=version_id
    )


# --- acceptances (read only: the evidence never changes) -----------------------------------------


def _acceptances(request):
    return (
        Acceptance.objects.visible_to(request.user)
        .select_related("template", "version")
        .defer("version__body")
    )


@router.get("/acceptances", response=list[AcceptanceOut])
@paginate(Pagination)
def list_acceptances(
    request,
    partner_id: int | None = Query(None, ge=1, le=ID_MAX),
    template_id: int | None = Query(None, ge=1, le=ID_MAX),
):
    qs = _acceptances(request)
    if partner_id is not None:
        qs = qs.filter(partner_id=partner_id)
    if template_id is not None:
        qs = qs.filter(template_id=template_id)
    return qs.order_by("-accepted_at", "-pk")


@router.get("/acceptances/{acceptance_id}", response={200: AcceptanceOut, 404: Error})
def get_acceptance(request, acceptance_id: int):
    return get_object_or_404(_acceptances(request), pk=acceptance_id)


@router.get(
    "/partners/{partner_id}/agreements",
    response={200: list[PartnerAgreementOut], 404: Error},
)
def list_partner_agreements(request, partner_id: int):
    """What the partner must accept and the state of each (accepted, due, overdue, required, negotiating)."""
    partner = get_object_or_404(Partner.objects.visible_to(request.user), pk=partner_id)
    return partner_agreement_rows(partner)


# --- legal requests ------------------------------------------------------------------------------


def _legal_requests(request):
    return (
        LegalRequest.objects.visible_to(request.user)
        .select_related("template", "version", "opened_by")
        .defer("version__body")
    )


@router.get("/legal-requests", response=list[LegalRequestOut], tags=LEGAL)
@paginate(Pagination)
def list_legal_requests(
    request,
    status: LegalStatus | None = None,
    partner_id: int | None = Query(None, ge=1, le=ID_MAX),
    template_id: int | None = Query(None, ge=1, le=ID_MAX),
):
    qs = _legal_requests(request)
    if status:
        qs = qs.filter(status=status)
    if partner_id is not None:
        qs = qs.filter(partner_id=partner_id)
    if template_id is not None:
        qs = qs.filter(template_id=template_id)
    return qs.order_by("-opened_at", "-pk")


@router.get(
    "/legal-requests/{request_id}",
    response={200: LegalRequestDetailOut, 404: Error},
    tags=LEGAL,
)
def get_legal_request(request, request_id: int):
    return get_object_or_404(_legal_requests(request), pk=request_id)


@router.post(
    "/legal-requests",
    response={201: LegalRequestDetailOut, 403: Error, 404: Error},
    tags=LEGAL,
)
def create_legal_request(request, body: LegalRequestIn):
    """A partner admin proposes changes to an agreement that applies to their company."""
    membership = request.user.partner_membership
    if membership is None:
        raise NotAllowed(_("Only a partner's admins may open legal requests."))
    template = get_object_or_404(_templates(request.user), pk=body.template_id)
    lr = legal_request_open(
        partner=membership.partner,
        template=template,
        proposed_changes=body.proposed_changes,
        by=request.user,
    )
    return 201, _legal_requests(request).get(pk=lr.pk)


@router.post(
    "/legal-requests/{request_id}/comments",
    response={201: CommentOut, 403: Error, 404: Error},
    tags=LEGAL,
)
def add_legal_comment(request, request_id: int, body: CommentIn):
    lr = get_object_or_404(LegalRequest.objects.visible_to(request.user), pk=request_id)
    comment = legal_comment_add(request=lr, body=body.body, by=request.user)
    return 201, LegalComment.objects.select_related("author").get(pk=comment.pk)


@router.post(
    "/legal-requests/{request_id}/withdraw",
    response={200: LegalRequestDetailOut, 403: Error, 404: Error},
    tags=LEGAL,
)
def withdraw_legal_request(request, request_id: int, body: WithdrawIn | None = None):
    """Close the request without a custom version (its partner's admins, or legal)."""
    lr = get_object_or_404(
        LegalRequest.objects.visible_to(request.user).select_related("partner"), pk=request_id
    )
    legal_request_withdraw(request=lr, by=request.user, note=body.note if body is not None else "")
    return _legal_requests(request).get(pk=lr.pk)
