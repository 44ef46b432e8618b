"""Writes for NFR requests (S7 steps 1–3): submit, ask for information, answer (and amend),
withdraw, correct, reject.

Each step is one transaction that records a ``RequestEvent`` (the timeline), tells the
watchers of "nfr_requests" (notification rules) and queues its e-mails in the outbox.
Approval and issuing (steps 4–5) come with the license signing.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS as NON_FIELD
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channelops.accounts.models import User
from channelops.core.events import publish
from channelops.core.exceptions import NotAllowed
from channelops.core.links import absolute_url
from channelops.core.outbox import email_partner_people
from channelops.notifications.registry import notify, register_watchable
from channelops.partners.models import Partner, PartnerMembership

from .models import License, NfrRequest, Plan, RequestEvent, RequestStatus

ADD_PERM = "licensing.add_nfrrequest"
ISSUE_PERM = "licensing.issue_license"
REVIEW_PERM = "licensing.change_nfrrequest"
VIEW_PERM = "licensing.view_nfrrequest"
WATCH = "nfr_requests"

SEATS_MIN, SEATS_MAX = 1, 1000
TERM_MIN, TERM_MAX = 1, 36


class DuplicateRequestError(ValidationError):
    """A second open request for the same contact e-mail and plan; ``existing`` is the first.

    The message names the first request only to people who may see it (its partner's people, staff).
    """

    def __init__(self, existing: NfrRequest, *, by: Any = None) -> None:
        self.existing = existing
        params = {
            "reference": existing.reference,
            "email": existing.contact_email,
            "plan": existing.get_plan_display(),
        }
        visible = by is not None and (by.is_staff or by.partner_id == existing.partner_id)
        if visible:
            message = _(
                "%(reference)s is already open for %(email)s and the %(plan)s plan; "
                "add to that request instead of opening a second one."
            )
        else:
            message = _("A request for %(email)s and the %(plan)s plan is already open.")
        super().__init__({"contact_email": message % params})


# --- notifications ------------------------------------------------------------------------------


def _same_partner(user: Any, obj: Any) -> bool:
    return user.is_staff or (user.partner_id is not None and user.partner_id == obj.partner_id)


def register_watchables() -> None:
    register_watchable(
        WATCH,
        gettext_lazy("NFR license requests"),
        _same_partner,
        perm=VIEW_PERM,
        staff_only=False,
        description=gettext_lazy("New NFR license requests, questions, answers and decisions."),
    )


_TITLES = {
    "submitted": gettext_lazy("New NFR request %(ref)s from %(partner)s: %(seats)s %(plan)s"),
    "question": gettext_lazy("NFR request %(ref)s of %(partner)s needs information"),
    "answer": gettext_lazy("NFR request %(ref)s of %(partner)s answered"),
    "rejected": gettext_lazy("NFR request %(ref)s of %(partner)s rejected"),
    "approved": gettext_lazy("NFR request %(ref)s of %(partner)s approved: license issued"),
    "withdrawn": gettext_lazy("NFR request %(ref)s of %(partner)s withdrawn by the partner"),
    "corrected": gettext_lazy("NFR request %(ref)s of %(partner)s corrected by the help desk"),
}


def _notify(req: NfrRequest, *, by: User, kind: str) -> None:
    title = str(_TITLES[kind]) % {
        "ref": req.reference,
        "partner": req.partner.legal_name,
        "seats": req.seats,
        "plan": req.get_plan_display(),
    }
    notify(
        watch=WATCH,
        obj=req,
        actor=by,
        new=kind == "submitted",
        title=title,
        url=reverse("console:nfr_request", args=[req.pk]),
        partner_id=req.partner_id,
        partner_url=reverse("portal:nfr_request", args=[req.pk]),
    )


# --- helpers --------------------------------------------------------------------------------------


_link = absolute_url


def _event(req: NfrRequest, kind: str, by: User | None, detail: str = "") -> RequestEvent:
    return RequestEvent.objects.create(request=req, kind=kind, by=by, detail=(detail or "")[:2000])


def _phd_emails(partner: Partner) -> list[str]:
    """The PHD specialist of the partner's region; without one, every PHD specialist."""
    phd = partner.phd_specialist
    if phd is not None and phd.is_active:
        return [phd.email]
    return list(
        User.objects.filter(is_active=True, is_staff=True, groups__name="phd_specialist")
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )


_admin_emails = PartnerMembership.objects.admin_emails


def _mail(to: list[str], template: str, context: dict[str, Any], *, key: str, partner_id: int) -> None:
    email_partner_people(to, f"licensing/email/{template}", context, key=key, partner_id=partner_id)


def _tell_requester_side(req: NfrRequest, template: str, context: dict[str, Any], *, key: str) -> None:
    """E-mail the requesting side: partner people with the portal link, a requesting CAM with the console link."""
    partner_people, staff = _partner_side(req)
    for to, page, suffix in (
        (partner_people, "portal:nfr_request", ""),
        (staff, "console:nfr_request", "-staff"),
    ):
        _mail(
            to,
            template,
            {**context, "link": _link(page, req.pk)},
            key=f"{key.split(':', 1)[0]}{suffix}:{key.split(':', 1)[1]}",
            partner_id=req.partner_id,
        )


def _partner_side(req: NfrRequest) -> tuple[list[str], list[str]]:
    """(partner people to e-mail with the portal link, staff to e-mail with the console link)."""
    requester = req.requested_by
    if requester is not None and requester.is_active and not requester.is_staff:
        return [requester.email], []
    staff = [requester.email] if requester is not None and requester.is_active else []
    return _admin_emails(req.partner_id), staff


def may_submit_for(user: Any, partner: Partner) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_staff:
        return user.has_perm(ADD_PERM)
    m = user.partner_membership
    return m is not None and m.partner_id == partner.pk and m.may_submit


def may_review(user: Any) -> bool:
    return bool(getattr(user, "is_staff", False) and user.has_perm(REVIEW_PERM))


def may_download(user: Any, license: Any) -> bool:
    """Staff who may see licenses, or the partner's people who may request them (the file is a secret)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_staff:
        return bool(user.has_perm("licensing.view_license"))
    return may_submit_for(user, license.partner)


def may_issue(user: Any) -> bool:
    """A reviewer who also holds the issuing privilege (granted through an access request)."""
    from channelops.accounts.privileges import has_privilege

    return may_review(user) and has_privilege(user, ISSUE_PERM)


def _clean(
    *, contact_name: str, contact_email: str, plan: str, seats: Any, term_months: Any, purpose: str
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    contact_name = (contact_name or "").strip()
    contact_email = (contact_email or "").strip().lower()
    purpose = (purpose or "").strip()
    if not contact_name:
        errors["contact_name"] = _("Name the person the license is for.")
    elif len(contact_name) > 150:
        errors["contact_name"] = _("The contact name is at most 150 characters.")
    try:
        validate_email(contact_email)
    except ValidationError:
        errors["contact_email"] = _("Enter the license contact's e-mail address, like name@company.com.")
    if plan not in Plan.values:
        errors["plan"] = _("Choose a plan: %(plans)s.") % {"plans": ", ".join(str(p.label) for p in Plan)}
    try:
        seats = int(seats)
    except (TypeError, ValueError):
        seats = None
    if seats is None or not SEATS_MIN <= seats <= SEATS_MAX:
        errors["seats"] = _("Seats must be a whole number from %(min)s to %(max)s.") % {
            "min": SEATS_MIN,
            "max": SEATS_MAX,
        }
    try:
        term_months = int(term_months)
    except (TypeError, ValueError):
        term_months = None
    if term_months is None or not TERM_MIN <= term_months <= TERM_MAX:
        errors["term_months"] = _("The term must be from %(min)s to %(max)s months.") % {
            "min": TERM_MIN,
            "max": TERM_MAX,
        }
    if not purpose:
        errors["purpose"] = _("Say what the licenses are for (demos, training, a proof of concept…).")
    elif len(purpose) > 5000:
        errors["purpose"] = _("The purpose is at most 5000 characters.")
    if errors:
        raise ValidationError(errors)
    return {
        "contact_name": contact_name,
        "contact_email": contact_email,
        "plan": plan,
        "seats": seats,
        "term_months": term_months,
        "purpose": purpose,
    }


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


def _locked(req: NfrRequest) -> NfrRequest:
    return (
        NfrRequest.objects.select_for_update(of=("self",))
        .select_related("partner__region__routing__phd_specialist", "requested_by")
        .get(pk=req.pk)
    )


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
AMENDABLE = ("seats", "term_months", "contact_name", "contact_email")
_AMENDABLE_LABELS = {
    "seats": gettext_lazy("Seats"),
    "term_months": gettext_lazy("Term (months)"),
    "contact_name": gettext_lazy("License contact name"),
    "contact_email": gettext_lazy("License contact e-mail"),
}


def _changes_into(
    errors: dict[str, Any], req: NfrRequest, amend: dict[str, Any] | None, *, by: User
) -> dict[str, tuple[Any, Any]]:
    """:func:`_changes`, its field errors added to ``errors`` (then no change) so they are shown
    together with the form's other errors; a duplicate request still raises."""
    try:
        return _changes(req, amend, by=by)
    except DuplicateRequestError:
        raise
    except ValidationError as exc:
        errors.update(exc.message_dict)
        return {}


def _changes(req: NfrRequest, amend: dict[str, Any] | None, *, by: User) -> dict[str, tuple[Any, Any]]:
    """Validate ``amend`` (some of :data:`AMENDABLE`) with the rules of a new request; return the
    fields whose value changes, ``{field: (old, new)}``. Raises ``ValidationError`` (field errors)."""
    amend = {k: v for k, v in (amend or {}).items() if k in AMENDABLE and v not in (None, "")}
    if not amend:
        return {}
    current = {f: getattr(req, f) for f in ("contact_name", "contact_email", "plan", "seats", "term_months")}
    data = _clean(**{**current, **amend, "purpose": req.purpose})
    changed = {f: (current[f], data[f]) for f in AMENDABLE if data[f] != current[f]}
    if "contact_email" in changed:
        existing = (
            NfrRequest.objects.open()
            .filter(contact_email__iexact=data["contact_email"], plan=req.plan)
            .exclude(pk=req.pk)
            .order_by("created_at", "pk")
            .first()
        )
        if existing is not None:
            raise DuplicateRequestError(existing, by=by)
    return changed


def _apply(req: NfrRequest, changed: dict[str, tuple[Any, Any]]) -> str:
    """Set the changed fields on ``req``; the timeline's lines, one per field: ``Seats: 500 → 5``."""
    for field, (_old, new) in changed.items():
        setattr(req, field, new)
    return "\n".join(f"{_AMENDABLE_LABELS[f]}: {old} → {new}" for f, (old, new) in changed.items())


def _checks_now(req: NfrRequest) -> str:
    """The eligibility checks re-run on the changed request, as a line for the timeline."""
    from .eligibility import approvable, evaluate

    criteria = evaluate(req)
    if approvable(criteria):
        return _("Eligibility checks re-run: approvable.")
    failed = "; ".join(f"{c.label}: {c.reason}" for c in criteria if c.fails_approval)
    return _("Eligibility checks re-run: not approvable — %(failed)s") % {"failed": failed}


@transaction.atomic
def nfr_request_answer(
    *, request: NfrRequest, by: User, answer: str, amend: dict[str, Any] | None = None
) -> NfrRequest:
    """The partner answers the question and may amend the request's seats, term and license contact
    (``amend``: some of :data:`AMENDABLE`, validated like a new request). Each changed field is
    recorded old → new on the timeline with the eligibility checks re-run; the request is back in
    the queue, the PHD specialist told. Nothing changes on any error."""
    req = _locked(request)
    if not may_submit_for(by, req.partner):
        raise NotAllowed(_("You may not answer for this partner."))
    if req.status != RequestStatus.NEEDS_INFO:
        raise ValidationError(_("This request is not waiting for information."))
    answer = (answer or "").strip()
    errors: dict[str, Any] = {}
    if not answer:
        errors["answer"] = _("Write your answer.")
    changed = _changes_into(errors, req, amend, by=by)
    if errors:
        raise ValidationError(errors)
    amended = _apply(req, changed)
    req.status = RequestStatus.SUBMITTED
    req.answer = answer[:5000]
    req._history_user = by  # type: ignore[attr-defined]
    if changed:
        req._change_reason = _("Amended with the answer")  # type: ignore[attr-defined]
    req.save(update_fields=["status", "answer", "updated_at", *changed])
    ev = _event(req, "answer", by, answer)
    if changed:
        _event(req, "amended", by, f"{amended}\n{_checks_now(req)}")
    _mail(
        _phd_emails(req.partner),
        "answer",
        {
            "req": req,
            "partner": req.partner,
            "amended": amended,
            "link": _link("console:nfr_request", req.pk),
        },
        key=f"nfr-answer:{ev.pk}",
        partner_id=req.partner_id,
    )
    _notify(req, by=by, kind="answer")
    return req


def may_withdraw(user: Any, req: NfrRequest) -> bool:
    """Partner people who may answer for the request's partner (its admins and the users allowed to
    submit requests), while the request is undecided."""
    return req.is_open and not getattr(user, "is_staff", False) and may_submit_for(user, req.partner)


@transaction.atomic
def nfr_request_withdraw(*, request: NfrRequest, by: User) -> NfrRequest:
    """The partner takes back an undecided request (submitted or needing information): it becomes
    *withdrawn*, leaves the open queue and can no longer be answered, approved or rejected. The
    region's partner help desk is e-mailed."""
    req = _locked(request)
    if getattr(by, "is_staff", False) or not may_submit_for(by, req.partner):
        raise NotAllowed(_("You may not withdraw requests of this partner."))
    if not req.is_open:
        raise ValidationError(
            _("Only an undecided request can be withdrawn (this one is %(status)s).")
            % {"status": req.get_status_display().lower()}
        )
    req.status = RequestStatus.WITHDRAWN
    req._history_user = by  # type: ignore[attr-defined]
    req.save(update_fields=["status", "updated_at"])
    ev = _event(req, "withdrawn", by, _("Withdrawn by the partner."))
    # the help desk of the partner's region (its PHD specialist; without one, every PHD specialist)
    _mail(
        _phd_emails(req.partner),
        "withdrawn",
        {
            "req": req,
            "partner": req.partner,
            "by_name": by.get_full_name() or by.email,
            "link": _link("console:nfr_request", req.pk),
        },
        key=f"nfr-withdrawn:{ev.pk}",
        partner_id=req.partner_id,
    )
    _notify(req, by=by, kind="withdrawn")
    return req


@transaction.atomic
def nfr_request_correct(*, request: NfrRequest, by: User, reason: str, amend: dict[str, Any]) -> NfrRequest:
    """A reviewer corrects an open request's seats, term or license contact before deciding, with a
    mandatory reason: validated like a new request, each change recorded old → new on the timeline
    and in the audit history (the reason as the history's change reason)."""
    if not may_review(by):
        raise NotAllowed(_("Your role does not allow reviewing NFR requests."))
    req = _locked(request)
    if not req.is_open:
        raise ValidationError(
            _("Only an open request can be corrected (this one is %(status)s).")
            % {"status": req.get_status_display().lower()}
        )
    reason = (reason or "").strip()
    errors: dict[str, Any] = {}
    if not reason:
        errors["reason"] = _("Say why you correct the request (the partner's people can see it).")
    changed = _changes_into(errors, req, amend, by=by)
    if not errors and not changed:
        errors[NON_FIELD] = _("Nothing to correct: change the seats, the term or the license contact.")
    if errors:
        raise ValidationError(errors)
    corrected = _apply(req, changed)
    req._history_user = by  # type: ignore[attr-defined]
    req._change_reason = reason[:100]  # type: ignore[attr-defined]
    req.save(update_fields=["updated_at", *changed])
    _event(req, "corrected", by, f"{reason[:1000]}\n{corrected}\n{_checks_now(req)}")
    _notify(req, by=by, kind="corrected")
    return req


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
    from .delivery import delivery_queue
    from .eligibility import CERTIFICATION, approvable, evaluate
    from .issuing import license_issue

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
