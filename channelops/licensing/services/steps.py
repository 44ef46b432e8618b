"""The NFR request's steps: submit, ask for information, reject, approve (docs/licenses.md)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channelops.accounts.models import User
from channelops.core.events import publish
from channelops.core.exceptions import NotAllowed
from channelops.partners.models import Partner

from ..models import License, NfrRequest, RequestStatus
from .common import (
    ISSUE_PERM,
    DuplicateRequestError,
    _clean,
    _event,
    _link,
    _locked,
    _mail,
    _notify,
    _phd_emails,
    _tell_requester_side,
    may_issue,
    may_review,
    may_submit_for,
)

# --- the steps ------------------------------------------------------------------------------------


@transaction.atomic
def nfr_request_submit(
    *,
    partner: Partner,
    contact_name: str,
    contact_email: str,
    plan: str,
    seats: int,
    term_months: int,
    purpose: str,
    by: User,
    is_renewal: bool = False,
    renews: Any = None,
) -> NfrRequest:
    """A partner admin (or allowed partner user) of ``partner``, or staff, requests NFR licenses."""
    if not may_submit_for(by, partner):
        raise NotAllowed(_("You may not request NFR licenses for this partner."))
    data = _clean(
        contact_name=contact_name,
        contact_email=contact_email,
        plan=plan,
        seats=seats,
        term_months=term_months,
        purpose=purpose,
    )
    # Serialise submissions for this partner so two clicks cannot open two requests.
    partner = (
        Partner.objects.select_for_update(of=("self",))
        .select_related("region__routing__phd_specialist")
        .get(pk=partner.pk)
    )
    existing = (
        NfrRequest.objects.open()
        .filter(contact_email__iexact=data["contact_email"], plan=data["plan"])
        .order_by("created_at", "pk")
        .first()
    )
    if existing is not None:
        raise DuplicateRequestError(existing, by=by)
    if renews is not None and renews.partner_id != partner.pk:
        raise ValidationError(_("A renewal must be for the partner that holds the license."))
    req = NfrRequest(
        partner=partner,
        requested_by=by,
        is_renewal=bool(is_renewal) or renews is not None,
        renews=renews,
        **data,
    )
    req._history_user = by  # type: ignore[attr-defined]
    req.save()
    _event(
        req,
        "submitted",
        by,
        _("%(seats)s %(plan)s seats for %(months)s months")
        % {"seats": req.seats, "plan": req.get_plan_display(), "months": req.term_months},
    )
    _mail(
        _phd_emails(partner),
        "submitted",
        {"req": req, "partner": partner, "by": by, "link": _link("console:nfr_request", req.pk)},
        key=f"nfr-submitted:{req.pk}",
        partner_id=partner.pk,
    )
    _notify(req, by=by, kind="submitted")
    return req


@transaction.atomic
def nfr_request_ask(*, request: NfrRequest, by: User, question: str) -> NfrRequest:
    """The reviewer needs more information: the request waits for the partner's answer."""
    if not may_review(by):
        raise NotAllowed(_("Your role does not allow reviewing NFR requests."))
    req = _locked(request)
    if req.status != RequestStatus.SUBMITTED:
        raise ValidationError(
            _("Only a submitted request can be asked about (this one is %(status)s).")
            % {"status": req.get_status_display().lower()}
        )
    question = (question or "").strip()
    if not question:
        raise ValidationError({"question": _("Write the question for the partner.")})
    req.status = RequestStatus.NEEDS_INFO
    req.question = question[:5000]
    req.answer = ""
    req._history_user = by  # type: ignore[attr-defined]
    req.save(update_fields=["status", "question", "answer", "updated_at"])
    ev = _event(req, "question", by, question)
    ctx = {"req": req, "partner": req.partner, "question": req.question}
    _tell_requester_side(req, "question", ctx, key=f"nfr-question:{ev.pk}")
    _notify(req, by=by, kind="question")
    return req


# The fields a partner may amend with an answer, and staff may correct before deciding.
@transaction.atomic
def nfr_request_reject(*, request: NfrRequest, by: User, reason: str) -> NfrRequest:
    """Reject an open request with a reason (e-mailed to the requester)."""
    if not may_review(by):
        raise NotAllowed(_("Your role does not allow reviewing NFR requests."))
    req = _locked(request)
    if not req.is_open:
        raise ValidationError(
            _("This request is already %(status)s.") % {"status": req.get_status_display().lower()}
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the rejection.")})
    req.status = RequestStatus.REJECTED
    req.rejection_reason = reason[:5000]
    req.decided_by = by
    req.decided_at = timezone.now()
    req._history_user = by  # type: ignore[attr-defined]
    req.save(update_fields=["status", "rejection_reason", "decided_by", "decided_at", "updated_at"])
    _event(req, "rejected", by, reason)
    _publish_decision(req)
    ctx = {"req": req, "partner": req.partner, "reason": req.rejection_reason}
    _tell_requester_side(req, "rejected", ctx, key=f"nfr-rejected:{req.pk}")
    _notify(req, by=by, kind="rejected")
    return req


@transaction.atomic
def nfr_request_approve(*, request: NfrRequest, by: User) -> License:
    """Approve a submitted request: sign its license and queue the delivery, all in one transaction.

    Idempotent: approving an approved request (a second click, a second worker, a retried API
    call) returns the license already issued and queues nothing more. The request row is locked
    first, so concurrent approvals serialise.
    """
    from ..delivery import delivery_queue
    from ..eligibility import CERTIFICATION, approvable, evaluate
    from ..issuing import license_issue

    if not may_review(by):
        raise NotAllowed(_("Your role does not allow reviewing NFR requests."))
    if not may_issue(by):
        raise NotAllowed(
            _(
                "Issuing licenses needs the “Issue NFR licenses” privilege: ask for it with an access "
                "request (Console → Access)."
            )
        )
    req = _locked(request)
    if req.status == RequestStatus.APPROVED:
        return License.objects.get(request_id=req.pk)
    if req.status != RequestStatus.SUBMITTED:
        raise ValidationError(
            _("Only a submitted request can be approved (this one is %(status)s).")
            % {"status": req.get_status_display().lower()}
        )
    criteria = evaluate(req)
    if not approvable(criteria):
        failed = "; ".join(f"{c.label}: {c.reason}" for c in criteria if c.fails_approval)
        raise ValidationError(
            _("This request cannot be approved — %(failed)s. Reject it or ask the partner for information.")
            % {"failed": failed}
        )
    certification = next((c for c in criteria if c.name == CERTIFICATION), None)
    req.status = RequestStatus.APPROVED
    req.decided_by = by
    req.decided_at = timezone.now()
    req.eligibility = [
        {"name": c.name, "label": str(c.label), "passed": c.passed, "reason": str(c.reason)} for c in criteria
    ]
    req.encouraged = certification is not None and not certification.passed
    req._history_user = by  # type: ignore[attr-defined]
    req.save(update_fields=["status", "decided_by", "decided_at", "eligibility", "encouraged", "updated_at"])
    _event(
        req,
        "approved",
        by,
        _("Approved; certification encouragement will be sent.") if req.encouraged else _("Approved."),
    )
    lic = license_issue(request=req, by=by)
    from channelops.accounts.privileges import privilege_used

    privilege_used(user=by, perm=ISSUE_PERM, detail=f"{req.reference}: license {lic.id}")
    delivery_queue(request=req, license=lic)
    _notify(req, by=by, kind="approved")
    _publish_decision(req, license_id=str(lic.pk))
    return lic


def _publish_decision(req: NfrRequest, license_id: str | None = None) -> None:
    publish(
        "nfr_request.decided",
        key=str(req.pk),
        data={
            "request": req.reference,
            "partner_id": req.partner_id,
            "decision": req.status,
            "seats": req.seats,
            "plan": req.plan,
            "decided_at": req.decided_at.isoformat() if req.decided_at else None,
            "license_id": license_id,
        },
    )
