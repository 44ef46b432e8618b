"""The partner's answer (with an amendment), withdrawal, and staff correction of an open NFR request."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS as NON_FIELD
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channelops.accounts.models import User
from channelops.core.exceptions import NotAllowed

from ..models import NfrRequest, RequestStatus
from .common import (
    DuplicateRequestError,
    _clean,
    _event,
    _link,
    _locked,
    _mail,
    _notify,
    _phd_emails,
    may_review,
    may_submit_for,
)

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
    from ..eligibility import approvable, evaluate

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
