"""Partners and contacts over the API; every query starts from ``visible_to(request.user)``."""

# No `from __future__ import annotations` here: django-ninja cannot resolve a `Query[Schema]`
# parameter of a paginated endpoint from a string annotation (vitalik/django-ninja#1424);
# /api/v1/partners and /api/v1/openapi.json answered 500 with it.
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Field, FilterSchema, Query, Router, Schema
from ninja.pagination import paginate
from pydantic import field_validator

from channelops.core.apischema import ID_MAX, Error, InSchema
from channelops.core.pagination import Pagination

from .models import Application, ApplicationStatus, Contact, Partner, PartnerStatus, Tier
from .registration import _require_approver, application_approve, application_reject, application_submit
from .services import contact_create, partner_profile_update

router = Router(tags=["partners"])


class PartnerOut(Schema):
    id: int
    legal_name: str
    website: str
    country: str = Field(..., description="Two-letter ISO 3166-1 country code")
    region: str = Field(..., alias="region.code")
    tier: str = Field(..., alias="tier.slug")
    status: str
    cam_email: str | None = Field(None, alias="cam.email")
    engagement_score: int
    crm_account_id: str
    last_phd_review: date | None
    created_at: datetime

    @staticmethod
    def resolve_country(obj: Partner) -> str:
        return str(obj.country)  # the stored code (a Country object prints as its code)


class PartnerFilter(FilterSchema):
    q: str | None = Field(None, max_length=200, description="Search name, website, country, CRM id")
    region: str | None = Field(None, max_length=10, description="Region code, e.g. EMEA")
    tier: str | None = Field(None, max_length=50, description="Tier slug, e.g. select")
    status: PartnerStatus | None = None


class PartnerPatch(InSchema):
    website: str | None = Field(None, max_length=300)
    phone: str | None = Field(
        None,
        max_length=40,
        description="An international number with its country code, e.g. +49 30 123456 (stored as E.164)",
    )
    description: str | None = Field(None, max_length=5000)


def _phone(value: object) -> str:
    """A stored phone number as E.164 text ("" when there is none)."""
    return str(value) if value else ""


class ContactOut(Schema):
    id: int
    partner_id: int
    first_name: str
    last_name: str
    email: str
    title: str
    phone: str = Field(..., description='International number in E.164 ("+4930123456"), or ""')
    is_primary: bool

    @staticmethod
    def resolve_phone(obj: Contact) -> str:
        return _phone(obj.phone)


def _django_email(value: str) -> str:
    """The same e-mail rule as the portal's forms (Django's validator)."""
    from django.core.exceptions import ValidationError as DjangoValidationError
    from django.core.validators import validate_email

    try:
        validate_email(value)
    except DjangoValidationError as exc:
        raise ValueError("Enter a valid e-mail address.") from exc
    return value


class ContactIn(InSchema):
    partner_id: int
    first_name: str = Field(..., min_length=1, max_length=100)
    last_name: str = Field(..., min_length=1, max_length=100)
    email: str = Field(..., max_length=254, json_schema_extra={"format": "email"})
    title: str = Field("", max_length=120)
    phone: str = Field(
        "",
        max_length=40,
        description="An international number with its country code, e.g. +49 30 123456 (stored as E.164)",
    )

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return _django_email(value)


@router.get("/partners", response=list[PartnerOut])
@paginate(Pagination)
def list_partners(request, filters: Query[PartnerFilter]):
    qs = Partner.objects.visible_to(request.user).for_directory()
    qs = qs.filter_directory(
        q=filters.q or "", region=filters.region or "", tier=filters.tier or "", status=filters.status or ""
    )
    return qs.order_by("legal_name", "pk")


@router.get("/partners/{partner_id}", response={200: PartnerOut, 404: Error})
def get_partner(request, partner_id: int):
    return get_object_or_404(Partner.objects.visible_to(request.user).for_directory(), pk=partner_id)


@router.patch(
    "/partners/{partner_id}",
    response={200: PartnerOut, 403: Error, 404: Error},
)
def patch_partner(request, partner_id: int, body: PartnerPatch):
    partner = get_object_or_404(Partner.objects.visible_to(request.user).for_directory(), pk=partner_id)
    partner_profile_update(
        partner=partner, by=request.user, data=body.dict(exclude_unset=True, exclude_none=True)
    )
    return Partner.objects.for_directory().get(pk=partner.pk)


@router.get("/contacts", response=list[ContactOut], tags=["contacts"])
@paginate(Pagination)
def list_contacts(
    request,
    partner_id: int | None = Query(None, ge=1, le=ID_MAX),
    q: str | None = Query(None, max_length=200),
):
    qs = Contact.objects.visible_to(request.user)
    if partner_id is not None:
        qs = qs.filter(partner_id=partner_id)
    if q:
        qs = qs.filter(email__icontains=q) | qs.filter(last_name__icontains=q)
    return qs.order_by("last_name", "first_name", "pk")


@router.get("/contacts/{contact_id}", response={200: ContactOut, 404: Error}, tags=["contacts"])
def get_contact(request, contact_id: int):
    return get_object_or_404(Contact.objects.visible_to(request.user), pk=contact_id)


@router.post(
    "/contacts",
    response={201: ContactOut, 403: Error, 404: Error},
    tags=["contacts"],
)
def create_contact(request, body: ContactIn):
    partner = get_object_or_404(Partner.objects.visible_to(request.user), pk=body.partner_id)
    contact = contact_create(
        by=request.user,
        partner=partner,
        first_name=body.first_name,
        last_name=body.last_name,
        email=str(body.email),
        title=body.title,
        phone=body.phone,
    )
    return 201, contact


# --- applications (registration on a company's behalf, approval, rejection) ---------------------


class ApplicationOut(Schema):
    id: int
    status: ApplicationStatus
    company_name: str
    website: str
    company_domain: str
    country: str = Field(..., description="Two-letter ISO 3166-1 country code")
    region: str = Field(..., alias="region.code")
    programs: list[str] = Field(..., description="Partner type (program) slugs")
    first_name: str
    last_name: str
    email: str
    phone: str = Field(..., description='International number in E.164 ("+4930123456"), or ""')
    title: str
    message: str
    created_at: datetime
    verified_at: datetime | None
    decided_at: datetime | None
    decided_by_email: str | None = Field(None, alias="decided_by.email")
    rejection_reason: str
    partner_id: int | None = Field(None, description="The partner created on approval")

    @staticmethod
    def resolve_phone(obj: Application) -> str:
        return _phone(obj.phone)

    @staticmethod
    def resolve_country(obj: Application) -> str:
        return str(obj.country)  # the stored code (a Country object prints as its code)

    @staticmethod
    def resolve_programs(obj: Application) -> list[str]:
        return [p.slug for p in obj.programs.all()]


class ApplicationIn(InSchema):
    company_name: str = Field(..., min_length=1, max_length=200)
    website: str = Field(..., min_length=1, max_length=300, description="The company's website (URL)")
    # Checked by the service against django-countries' list (``de`` is read as ``DE``), so an
    # unknown code is a 422 naming the field like every other model rule: {"detail": {"country": …}}.
    country: str = Field(
        ..., min_length=2, max_length=2, description="Two-letter ISO 3166-1 country code, e.g. DE"
    )
    region: str = Field(..., min_length=1, max_length=10, description="Region code, e.g. EMEA")
    programs: list[str] = Field(
        default_factory=list, max_length=20, description="Partner type (program) slugs, e.g. reseller"
    )
    first_name: str = Field(..., min_length=1, max_length=100)
    last_name: str = Field(..., min_length=1, max_length=100)
    email: str = Field(..., max_length=254, json_schema_extra={"format": "email"})
    phone: str = Field(
        "",
        max_length=40,
        description="An international number with its country code, e.g. +49 30 123456 (stored as E.164)",
    )
    title: str = Field("", max_length=120)
    message: str = Field("", max_length=5000)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return _django_email(value)

    @field_validator("programs")
    @classmethod
    def _programs(cls, value: list[str]) -> list[str]:
        if any(len(p) > 50 for p in value):
            raise ValueError("A partner type slug has at most 50 characters.")
        return value


class ApplicationApproveIn(InSchema):
    tier: str | None = Field(None, max_length=50, description="Tier slug; default: the lowest tier")
    cam: str | None = Field(None, max_length=254, description="E-mail of the channel account manager (a CAM)")


class ApplicationRejectIn(InSchema):
    reason: str = Field(..., min_length=1, max_length=5000, description="E-mailed to the applicant")


def _applications(request):
    return (
        Application.objects.visible_to(request.user)
        .select_related("region", "decided_by")
        .prefetch_related("programs")
    )


@router.get("/applications", response=list[ApplicationOut], tags=["applications"])
@paginate(Pagination)
def list_applications(request, status: ApplicationStatus | None = None):
    qs = _applications(request)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-pk")


@router.get(
    "/applications/{application_id}",
    response={200: ApplicationOut, 404: Error},
    tags=["applications"],
)
def get_application(request, application_id: int):
    return get_object_or_404(_applications(request), pk=application_id)


@router.post(
    "/applications",
    response={201: ApplicationOut, 403: Error},
    tags=["applications"],
)
def create_application(request, body: ApplicationIn):
    """Register a company on its behalf (staff): no e-mail verification, the application is submitted."""
    app, _token = application_submit(
        company_name=body.company_name,
        website=body.website,
        country=body.country,
        region=body.region,
        programs=body.programs,
        first_name=body.first_name,
        last_name=body.last_name,
        email=body.email,
        phone=body.phone,
        title=body.title,
        message=body.message,
        by=request.user,
    )
    return 201, _applications(request).get(pk=app.pk)


@router.post(
    "/applications/{application_id}/approve",
    response={200: ApplicationOut, 403: Error, 404: Error},
    tags=["applications"],
)
def approve_application(request, application_id: int, body: ApplicationApproveIn | None = None):
    """Approve: creates the partner (active) and invites the applicant as its partner admin."""
    app = get_object_or_404(_applications(request), pk=application_id)
    _require_approver(request.user)  # before looking up the tier and CAM (a 403 is the clearer answer)
    tier = cam = None
    if body is not None and body.tier:
        tier = Tier.objects.filter(slug=body.tier).first()
        if tier is None:
            raise ValidationError({"tier": "Unknown tier. Use a tier slug, e.g. open."})
    if body is not None and body.cam:
        from channelops.accounts.models import User

        cam = User.objects.with_role("cam").filter(email__iexact=body.cam.strip()).first()
        if cam is None:
            raise ValidationError({"cam": "No active channel account manager has this e-mail address."})
    application_approve(application=app, by=request.user, tier=tier, cam=cam)
    return _applications(request).get(pk=app.pk)


@router.post(
    "/applications/{application_id}/reject",
    response={200: ApplicationOut, 403: Error, 404: Error},
    tags=["applications"],
)
def reject_application(request, application_id: int, body: ApplicationRejectIn):
    """Reject with a reason, which is e-mailed to the applicant."""
    app = get_object_or_404(_applications(request), pk=application_id)
    application_reject(application=app, by=request.user, reason=body.reason)
    return _applications(request).get(pk=app.pk)
