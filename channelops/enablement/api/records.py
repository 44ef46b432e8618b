"""Enablement over the API (certifications, practitioner records, partner certifications, plans).

Practitioner records: ``GET /practitioner-records`` lists what the token's owner may see (staff:
every partner; partner people: their own partner's), ``POST /practitioner-records`` records one
result or a list (staff with ``enablement.add_practitionerrecord``; all items valid or nothing is
written — 422 with one message per bad item).
"""

# No `from __future__ import annotations` here: django-ninja cannot resolve a `Query[Schema]`
# parameter of a paginated endpoint from a string annotation (vitalik/django-ninja#1424).
from datetime import date, datetime
from typing import Annotated, Any

from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from channelops.core.apischema import ID_MAX, Error, InSchema, IsoDate
from channelops.core.pagination import Pagination

from ..querysets import filter_records, records_for
from ..services.records import practitioner_records_submit

router = Router(tags=["Enablement"])

MAX_ITEMS = 5000


class PractitionerRecordIn(InSchema):
    email: str = Field(..., min_length=3, max_length=254)
    name: str = Field(..., min_length=1, max_length=150, description="The person's full name")
    partner: int | None = Field(
        None, ge=1, le=ID_MAX, description="The partner's id (or give crm_account_id)"
    )
    crm_account_id: str | None = Field(None, max_length=40, description="The partner's CRM account id")
    certification: str = Field(..., min_length=1, max_length=150, description="Slug or name")
    training_completed: bool = False
    exam_passed: bool = False
    exam_score: int | None = Field(None, ge=0, le=100)
    completed_on: IsoDate
    expires_on: IsoDate | None = Field(
        None, description="Default: completed_on + the certification's validity"
    )
    external_id: str = Field("", max_length=100, description="The learning system's id of the result")


class PractitionerRecordOut(Schema):
    id: int
    partner_id: int
    user_id: int | None
    email: str
    full_name: str
    certification: str = Field(..., alias="certification.slug")
    certification_name: str = Field(..., alias="certification.name")
    training_completed: bool
    exam_passed: bool
    exam_score: int | None
    completed_on: date
    expires_on: date | None
    certified: bool
    source: str
    external_id: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_certified(obj: Any) -> bool:
        return bool(obj.is_certified())


class RecordsWritten(Schema):
    created: int
    updated: int
    unchanged: int
    record_ids: list[int] = Field(..., description="Records created or changed")


class RecordFilter(Schema):
    partner_id: int | None = Field(None, ge=1, le=ID_MAX)
    certification: str | None = Field(None, max_length=150, description="Slug or name")
    email: str | None = Field(None, max_length=254)
    certified: bool | None = Field(None, description="Only records that certify today (true) or not (false)")
    expires_before: IsoDate | None = Field(
        None, description="Only records that expire before this date (YYYY-MM-DD)"
    )


@router.get("/practitioner-records", response=list[PractitionerRecordOut])
@paginate(Pagination)
def list_practitioner_records(request, filters: Query[RecordFilter]):
    qs = filter_records(
        records_for(request.user),
        partner_id=filters.partner_id,
        certification=filters.certification or "",
        email=filters.email or "",
        certified=filters.certified,
        expires_before=filters.expires_before,
    )
    return qs.order_by("-completed_on", "-pk")


@router.post(
    "/practitioner-records",
    response={201: RecordsWritten, 403: Error},
)
def create_practitioner_records(
    request,
    body: PractitionerRecordIn
    | Annotated[list[PractitionerRecordIn], Field(min_length=1, max_length=MAX_ITEMS)],
):
    """Record one result or a list (upsert on certification + e-mail + completion date)."""
    items = body if isinstance(body, list) else [body]
    rows = []
    for item in items:
        row = item.dict()
        row["partner"] = str(row["partner"]) if row.get("partner") else ""
        rows.append(row)
    result = practitioner_records_submit(items=rows, by=request.user)
    return 201, {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "record_ids": result.record_ids,
    }
