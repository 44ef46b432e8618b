"""Enablement and business plans over the API: ``plans_router`` (added in ``channelops/api.py``).

Partner-scoped: a partner's people read their own partner's plans (another partner's → 404), staff
with the view permission read any; partner admins save (a validation error → 422, nothing changes).
"""

# No `from __future__ import annotations` (django-ninja resolves the schemas at import time).

from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from channelops.core.apischema import Error, InSchema, IsoDate
from channelops.partners.models import Partner

from ..models import BusinessPlan
from ..services import plans as svc

plans_router = Router(tags=["Enablement plans"])


class EntryIn(InSchema):
    full_name: str = Field(max_length=150)
    email: str = Field(max_length=254)
    certification_id: int
    target_date: IsoDate
    note: str = Field("", max_length=500)


class EnablementPlanIn(InSchema):
    entries: list[EntryIn]


class EntryOut(Schema):
    id: int
    full_name: str
    email: str
    certification_id: int
    certification: str
    target_date: date
    note: str
    certified: bool
    overdue: bool


class ProgressOut(Schema):
    certification: str
    target: int
    actual: int


class EnablementPlanOut(Schema):
    partner_id: int
    entries: list[EntryOut]
    progress: list[ProgressOut]


class TargetIn(InSchema):
    certification_id: int
    people: int
    by_date: IsoDate


class BusinessPlanIn(InSchema):
    target_customers: str = ""
    services_offered: str = ""
    go_to_market: str = ""
    resourcing: str = ""
    certification_summary: str = ""
    targets: list[TargetIn] = []
    submit: bool = False


class TargetOut(Schema):
    certification_id: int
    certification: str
    people: int
    by_date: date
    certified_now: int


class BusinessPlanVersionOut(Schema):
    version: int
    state: str
    submitted_at: datetime | None
    decided_at: datetime | None
    superseded_at: datetime | None
    review_comment: str
    target_customers: str
    services_offered: str
    go_to_market: str
    resourcing: str
    certification_summary: str
    targets: list[TargetOut]


class BusinessPlanOut(Schema):
    partner_id: int
    required: bool
    on_file: bool
    current: BusinessPlanVersionOut | None
    versions: list[BusinessPlanVersionOut]


def _partner(request: HttpRequest, partner_id: int) -> Partner:
    user: Any = request.user
    partner = get_object_or_404(Partner.objects.visible_to(user), pk=partner_id)
    if user.is_staff and not svc.may_view_plans(user):
        raise PermissionDenied(_("Your role does not allow seeing partner plans."))
    return partner


def _editor(request: HttpRequest, partner_id: int) -> Partner:
    partner = _partner(request, partner_id)
    if not svc.may_edit_plans(request.user, partner):
        raise PermissionDenied(_("Only the partner's admins can change its plans."))
    return partner


def _enablement_out(partner: Partner) -> dict[str, Any]:
    progress = svc.enablement_progress(partner)
    chart = svc.enablement_chart(progress)
    return {
        "partner_id": partner.pk,
        "entries": [
            {
                "id": p.entry.pk,
                "full_name": p.entry.full_name,
                "email": p.entry.email,
                "certification_id": p.entry.certification_id,
                "certification": p.entry.certification.name,
                "target_date": p.entry.target_date,
                "note": p.entry.note,
                "certified": p.certified,
                "overdue": p.overdue,
            }
            for p in progress
        ],
        "progress": [{"certification": b.label, "target": b.target, "actual": b.actual} for b in chart.bars],
    }


@plans_router.get(
    "/partners/{partner_id}/enablement-plan",
    response={200: EnablementPlanOut, 404: Error},
)
def get_enablement_plan(request: HttpRequest, partner_id: int) -> Any:
    """The partner's enablement plan: each person with whether they are certified now, and per certification
    the people planned vs certified."""
    return _enablement_out(_partner(request, partner_id))


@plans_router.put(
    "/partners/{partner_id}/enablement-plan",
    response={200: EnablementPlanOut, 403: Error, 404: Error},
)
def put_enablement_plan(request: HttpRequest, partner_id: int, payload: EnablementPlanIn) -> Any:
    """Replace the enablement plan (partner admins). Rows keeping a person and certification keep their id."""
    partner = _editor(request, partner_id)
    svc.enablement_plan_replace(partner=partner, by=request.user, entries=[e.dict() for e in payload.entries])
    return _enablement_out(partner)


@plans_router.post(
    "/partners/{partner_id}/enablement-plan",
    response={200: EnablementPlanOut, 403: Error, 404: Error},
)
def add_enablement_plan_entry(request: HttpRequest, partner_id: int, payload: EntryIn) -> Any:
    """Add one person to the enablement plan (partner admins)."""
    partner = _editor(request, partner_id)
    data = payload.dict()
    svc.enablement_plan_entry_add(
        partner=partner,
        by=request.user,
        full_name=data["full_name"],
        email=data["email"],
        certification=data["certification_id"],
        target_date=data["target_date"],
        note=data["note"],
    )
    return _enablement_out(partner)


def _version_out(plan: BusinessPlan, actual: dict[tuple[int, int], int]) -> dict[str, Any]:
    return {
        **{f: getattr(plan, f) for f in ("version", "state", "submitted_at", "decided_at", "superseded_at")},
        "review_comment": plan.review_comment,
        **{f: getattr(plan, f) for f in svc.SECTION_FIELDS},
        "targets": [
            {
                "certification_id": t.certification_id,
                "certification": t.certification.name,
                "people": t.people,
                "by_date": t.by_date,
                "certified_now": actual.get((plan.partner_id, t.certification_id), 0),
            }
            for t in plan.targets.all()
        ],
    }


def _business_out(partner: Partner) -> dict[str, Any]:
    versions = svc.business_plan_versions(partner)
    actual = svc.certified_counts([partner.pk])
    current = svc.current_plan(versions)
    return {
        "partner_id": partner.pk,
        "required": svc.business_plan_required(partner),
        "on_file": any(p.state in ("submitted", "accepted") and p.superseded_at is None for p in versions),
        "current": _version_out(current, actual) if current is not None else None,
        "versions": [_version_out(p, actual) for p in versions],
    }


@plans_router.get("/partners/{partner_id}/business-plan", response={200: BusinessPlanOut, 404: Error})
def get_business_plan(request: HttpRequest, partner_id: int) -> Any:
    """The partner's business plan: the current version (or the draft), every version, and the targets with
    the people certified now."""
    return _business_out(_partner(request, partner_id))


def _save(request: HttpRequest, partner_id: int, payload: BusinessPlanIn) -> Any:
    partner = _editor(request, partner_id)
    data = payload.dict()
    svc.business_plan_save(
        partner=partner,
        by=request.user,
        sections={f: data[f] for f in svc.SECTION_FIELDS},
        targets=[
            {"certification": t["certification_id"], "people": t["people"], "by_date": t["by_date"]}
            for t in data["targets"]
        ],
    )
    if data["submit"]:
        svc.business_plan_submit(partner=partner, by=request.user)
    return _business_out(partner)


@plans_router.put(
    "/partners/{partner_id}/business-plan",
    response={200: BusinessPlanOut, 403: Error, 404: Error},
)
def put_business_plan(request: HttpRequest, partner_id: int, payload: BusinessPlanIn) -> Any:
    """Save the draft (partner admins; a new version when the latest is submitted); `submit: true` submits it."""
    return _save(request, partner_id, payload)


@plans_router.post(
    "/partners/{partner_id}/business-plan",
    response={200: BusinessPlanOut, 403: Error, 404: Error},
)
def post_business_plan(request: HttpRequest, partner_id: int, payload: BusinessPlanIn) -> Any:
    """Same as PUT (save the draft; `submit: true` submits it)."""
    return _save(request, partner_id, payload)
