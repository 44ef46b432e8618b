"""Partner certifications over the API (read-only): the catalog with its requirements, the statuses the
token's owner may see (staff: every partner; partner people: their own), and one partner's progress."""

# No `from __future__ import annotations` here: django-ninja cannot resolve a `Query[Schema]`
# parameter of a paginated endpoint from a string annotation (vitalik/django-ninja#1424).
from datetime import date, datetime

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from channelops.core.apischema import ID_MAX, Error
from channelops.core.pagination import Pagination
from channelops.partners.models import Partner

from ..models import CertState, PartnerCertification, PartnerCertificationStatus
from ..services.awards import partner_progress

awards_router = Router(tags=["Partner certifications"])


class PartnerCertRequirementOut(Schema):
    certification: str = Field(..., alias="certification.slug")
    certification_name: str = Field(..., alias="certification.name")
    count: int


class PartnerCertificationOut(Schema):
    slug: str
    name: str
    short_name: str
    description: str
    admission: str
    requires_compliance: bool
    requires_business_plan: bool
    lapse_months: int | None
    requirements: list[PartnerCertRequirementOut]

    @staticmethod
    def resolve_requirements(obj: PartnerCertification) -> list:
        return list(obj.requirements.all())


class PartnerCertStatusOut(Schema):
    id: int
    partner_id: int
    partner: str = Field(..., alias="partner.legal_name")
    certification: str = Field(..., alias="certification.slug")
    state: CertState
    awarded_at: datetime | None
    flagged_at: datetime | None
    flag_reason: str
    deadline: date | None
    award_item_id: int | None
    onboarding_item_id: int | None


class PartnerCertStatusFilter(Schema):
    partner_id: int | None = Field(None, ge=1, le=ID_MAX)
    state: CertState | None = None
    certification: str | None = Field(None, max_length=60)


class PartnerCertRequirementProgressOut(Schema):
    certification: str
    required: int
    have: int
    text: str


class PartnerCertProgressOut(Schema):
    certification: str
    name: str
    state: str
    met: bool
    still_needed: list[str]
    requirements: list[PartnerCertRequirementProgressOut]
    expiring: list[str]
    compliance: bool | None
    business_plan: bool | None


@awards_router.get("/partner-certifications", response=list[PartnerCertificationOut])
def list_partner_certifications(request):
    """The partner certifications offered and their requirements."""
    return list(
        PartnerCertification.objects.filter(active=True).prefetch_related("requirements__certification")
    )


@awards_router.get("/partner-certification-statuses", response=list[PartnerCertStatusOut])
@paginate(Pagination)
def list_partner_certification_statuses(request, filters: Query[PartnerCertStatusFilter]):
    """Where partners stand with each partner certification (partner people: their own partner only)."""
    qs = PartnerCertificationStatus.objects.visible_to(request.user).select_related(
        "partner", "certification"
    )
    if filters.partner_id is not None:
        qs = qs.filter(partner_id=filters.partner_id)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.certification:
        qs = qs.filter(certification__slug=filters.certification)
    return qs.order_by("partner__legal_name", "certification__position", "pk")


@awards_router.get(
    "/partners/{partner_id}/certification-progress",
    response={200: list[PartnerCertProgressOut], 404: Error},
)
def get_partner_certification_progress(request, partner_id: int):
    """What the partner has and still needs for each partner certification."""
    partner = get_object_or_404(Partner.objects.visible_to(request.user), pk=partner_id)
    return [
        {
            "certification": p.certification.slug,
            "name": p.certification.name,
            "state": p.state,
            "met": p.met,
            "still_needed": p.still_needed,
            "requirements": [
                {
                    "certification": r.requirement.certification.slug,
                    "required": r.required,
                    "have": r.have,
                    "text": r.text,
                }
                for r in p.requirements
            ],
            "expiring": [e.text for e in p.expiring],
            "compliance": p.compliance,
            "business_plan": p.business_plan,
        }
        for p in partner_progress(partner)
    ]
