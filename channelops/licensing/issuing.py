"""Issuing the signed license of an approved NFR request (S7 step 4)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from channelops.accounts.models import User
from channelops.core.events import publish

from .files import license_sign
from .keys import current_signing_key
from .models import TOP_PLAN, License, NfrRequest, Plan, RequestEvent


def license_note(*, users: int, plan: str, company: str) -> str:
    """ "25 Ultimate NFR licenses for partner Acme" (always in English: it is signed)."""
    with translation.override("en"):
        label = str(Plan(plan).label) if plan in Plan.values else plan
    noun = "license" if users == 1 else "licenses"
    return f"{users} {label} NFR {noun} for partner {company}"


def license_term(*, request: NfrRequest, today: date) -> tuple[date, date]:
    """(starts, expires): today and the request's term (default one year) — or, when the partner
    already holds active NFR licenses and this is not a renewal, the latest expiry among those
    (co-terming, so they all come up for review together)."""
    if not request.is_renewal:
        coterm = (
            License.objects.filter(partner_id=request.partner_id, revoked_at__isnull=True, expires__gt=today)
            .exclude(request_id=request.pk)
            .order_by("-expires")
            .values_list("expires", flat=True)
            .first()
        )
        if coterm is not None:
            return today, coterm
    months = request.term_months or 12
    return today, today + relativedelta(months=months)


def license_payload(
    *, request: NfrRequest, license_id: uuid.UUID, starts: date, expires: date
) -> dict[str, Any]:
    plan = request.plan or TOP_PLAN
    company = request.partner.legal_name
    return {
        "id": str(license_id),
        "licensee": request.contact_name,
        "company": company,
        "email": request.contact_email,
        "plan": str(plan),
        "users": request.seats,
        "nfr": True,
        "trial": False,
        "starts": starts.isoformat(),
        "expires": expires.isoformat(),
        "note": license_note(users=request.seats, plan=str(plan), company=company),
        "issuer": settings.LICENSE_ISSUER,
        "kid": "",  # set by license_sign to the signing key's id
    }


@transaction.atomic
def license_issue(*, request: NfrRequest, by: User | None) -> License:
    """Sign and store the license of ``request``; a second call returns the existing license.

    The request row is locked (``select_for_update``) first, so two concurrent approvals
    produce one license. Records a ``license_issued`` event on the request's timeline.
    """
    locked = NfrRequest.objects.select_for_update().select_related("partner").get(pk=request.pk)
    existing = License.objects.filter(request_id=locked.pk).first()
    if existing is not None:
        return existing
    today = timezone.localdate()
    starts, expires = license_term(request=locked, today=today)
    license_id = uuid.uuid4()
    key = current_signing_key()
    payload = license_payload(request=locked, license_id=license_id, starts=starts, expires=expires)
    payload["kid"] = key.kid
    text = license_sign(payload, key=key)
    try:
        with transaction.atomic():  # a savepoint: a concurrent issue of the same request wins
            lic = License.objects.create(
                id=license_id,
                request=locked,
                partner_id=locked.partner_id,
                contact_email=locked.contact_email,
                plan=payload["plan"],
                users=locked.seats,
                starts=starts,
                expires=expires,
                key_id=key.kid,
                payload=payload,
                file_text=text,
                issued_by=by,
            )
    except IntegrityError:
        return License.objects.get(request_id=locked.pk)
    RequestEvent.objects.create(
        request=locked, kind="license_issued", by=by, detail=f"{payload['note']}; id {license_id}"
    )
    publish(
        "license.issued",
        key=str(lic.pk),
        data={
            "license_id": str(lic.pk),
            "request": locked.reference,
            "partner_id": lic.partner_id,
            "plan": lic.plan,
            "users": lic.users,
            "starts": lic.starts.isoformat(),
            "expires": lic.expires.isoformat(),
        },
    )
    return lic
