"""What every NFR request step shares: permissions, the duplicate check, notifications, e-mail
helpers and the validation of a request's fields."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channelops.accounts.models import User
from channelops.core.links import absolute_url
from channelops.core.outbox import email_partner_people
from channelops.notifications.registry import notify, register_watchable
from channelops.partners.models import Partner, PartnerMembership

from ..models import NfrRequest, Plan, RequestEvent

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


def _locked(req: NfrRequest) -> NfrRequest:
    return (
        NfrRequest.objects.select_for_update(of=("self",))
        .select_related("partner__region__routing__phd_specialist", "requested_by")
        .get(pk=req.pk)
    )
