"""Partners and contacts over the API; every query starts from ``visible_to(request.user)``."""

# No `from __future__ import annotations` here: django-ninja cannot resolve a `Query[Schema]`
# parameter of a paginated endpoint from a string annotation (vitalik/django-ninja#1424);
# /api/v1/partners and /api/v1/openapi.json answered 500 with it.
from datetime import date, datetime

from django.shortcuts import get_object_or_404
from ninja import Field, FilterSchema, Query, Router, Schema
from ninja.pagination import paginate
from pydantic import field_validator

from channelops.core.pagination import Pagination

from .models import Contact, Partner, PartnerStatus
from .services import contact_create, partner_profile_update

router = Router(tags=["partners"])

# Documented on every operation (ninja does not add them for auth failures or validation errors).
ERRORS = {
    "responses": {
        "400": {"description": "The request body is not valid JSON."},
        "401": {"description": "Missing, unknown or revoked token."},
        "422": {"description": "Invalid input: `detail` lists each problem."},
    }
}


class PartnerOut(Schema):
    id: int
    legal_name: str
    website: str
    country: str
    region: str = Field(..., alias="region.code")
    tier: str = Field(..., alias="tier.slug")
    status: str
    cam_email: str | None = Field(None, alias="cam.email")
    engagement_score: int
    crm_account_id: str
    last_phd_review: date | None
    created_at: datetime


class PartnerFilter(FilterSchema):
    q: str | None = Field(None, max_length=200, description="Search name, website, country, CRM id")
    region: str | None = Field(None, max_length=10, description="Region code, e.g. EMEA")
    tier: str | None = Field(None, max_length=50, description="Tier slug, e.g. select")
    status: PartnerStatus | None = None


class PartnerPatch(Schema):
    website: str | None = Field(None, max_length=300)
    phone: str | None = Field(None, max_length=40)
    description: str | None = Field(None, max_length=5000)


class ContactOut(Schema):
    id: int
    partner_id: int
    first_name: str
    last_name: str
    email: str
    title: str
    phone: str
    is_primary: bool


def _django_email(value: str) -> str:
    """The same e-mail rule as the portal's forms (Django's validator)."""
    from django.core.exceptions import ValidationError as DjangoValidationError
    from django.core.validators import validate_email

    try:
        validate_email(value)
    except DjangoValidationError as exc:
        raise ValueError("Enter a valid e-mail address.") from exc
    return value


class ContactIn(Schema):
    partner_id: int
    first_name: str = Field(..., min_length=1, max_length=100)
    last_name: str = Field(..., min_length=1, max_length=100)
    email: str = Field(..., max_length=254, json_schema_extra={"format": "email"})
    title: str = Field("", max_length=120)
    phone: str = Field("", max_length=40)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return _django_email(value)


class Error(Schema):
    detail: object


@router.get("/partners", response=list[PartnerOut], openapi_extra=ERRORS)
@paginate(Pagination)
def list_partners(request, filters: Query[PartnerFilter]):  # type: ignore[no-untyped-def]
    qs = Partner.objects.visible_to(request.user).for_directory()
    qs = qs.filter_directory(
        q=filters.q or "", region=filters.region or "", tier=filters.tier or "", status=filters.status or ""
    )
    return qs.order_by("legal_name", "pk")


@router.get("/partners/{partner_id}", response={200: PartnerOut, 404: Error}, openapi_extra=ERRORS)
def get_partner(request, partner_id: int):  # type: ignore[no-untyped-def]
    return get_object_or_404(Partner.objects.visible_to(request.user).for_directory(), pk=partner_id)


@router.patch(
    "/partners/{partner_id}",
    response={200: PartnerOut, 403: Error, 404: Error, 422: Error},
    openapi_extra=ERRORS,
)
def patch_partner(request, partner_id: int, body: PartnerPatch):  # type: ignore[no-untyped-def]
    partner = get_object_or_404(Partner.objects.visible_to(request.user).for_directory(), pk=partner_id)
    partner_profile_update(
        partner=partner, by=request.user, data=body.dict(exclude_unset=True, exclude_none=True)
    )
    return Partner.objects.for_directory().get(pk=partner.pk)


@router.get("/contacts", response=list[ContactOut], tags=["contacts"], openapi_extra=ERRORS)
@paginate(Pagination)
def list_contacts(request, partner_id: int | None = None, q: str | None = Query(None, max_length=200)):  # type: ignore[no-untyped-def]
    qs = Contact.objects.visible_to(request.user)
    if partner_id is not None:
        qs = qs.filter(partner_id=partner_id)
    if q:
        qs = qs.filter(email__icontains=q) | qs.filter(last_name__icontains=q)
    return qs.order_by("last_name", "first_name", "pk")


@router.get(
    "/contacts/{contact_id}", response={200: ContactOut, 404: Error}, tags=["contacts"], openapi_extra=ERRORS
)
def get_contact(request, contact_id: int):  # type: ignore[no-untyped-def]
    return get_object_or_404(Contact.objects.visible_to(request.user), pk=contact_id)


@router.post(
    "/contacts",
    response={201: ContactOut, 403: Error, 404: Error, 422: Error},
    tags=["contacts"],
    openapi_extra=ERRORS,
)
def create_contact(request, body: ContactIn):  # type: ignore[no-untyped-def]
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
