"""The business plan: the partner's draft (save), its submission to the CAM, the CAM's accept or
return, and its versions.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from channelops.core.exceptions import NotAllowed
from channelops.core.links import absolute_url
from channelops.core.outbox import email_partner_people
from channelops.partners.models import Partner, PartnerMembership

from ...models import (
    BusinessPlan,
    BusinessPlanState,
    BusinessPlanTarget,
    Certification,
)
from ...models.plans import BUSINESS_PLAN_SECTIONS
from .access import _require_editor, may_review
from .entries import _as_int

SECTION_FIELDS = [f for f, _label, _help in BUSINESS_PLAN_SECTIONS]
MAX_TARGET_PEOPLE = 1000


# === business plan: writes ========================================================================


def _locked_partner_plans(partner: Partner) -> list[BusinessPlan]:
    Partner.objects.select_for_update(of=("self",)).filter(pk=partner.pk).first()
    return list(BusinessPlan.objects.filter(partner=partner).order_by("-version"))


def _clean_targets(targets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    errors: dict[str, list[str]] = {}
    out: list[dict[str, Any]] = []
    seen: set[int] = set()
    certs = {c.pk: c for c in Certification.objects.filter(active=True)}
    for i, row in enumerate(targets, start=1):
        cid = _as_int(row.get("certification") or row.get("certification_id"))
        people = _as_int(row.get("people"))
        by_date = row.get("by_date")
        if isinstance(by_date, str):
            try:
                by_date = date.fromisoformat(by_date)
            except ValueError:
                by_date = None
        cert = certs.get(cid) if cid is not None else None
        row_errors = []
        if cert is None:
            row_errors.append(_("choose a certification from the catalog"))
        elif cert.pk in seen:
            row_errors.append(_("%(cert)s has two targets") % {"cert": cert.name})
        if people is None or not 1 <= people <= MAX_TARGET_PEOPLE:
            row_errors.append(
                _("the number of people is a whole number from 1 to %(max)s") % {"max": MAX_TARGET_PEOPLE}
            )
        if by_date is None:
            row_errors.append(_("enter the date (YYYY-MM-DD)"))
        if row_errors or cert is None:  # (no certification is always an error)
            errors["targets"] = errors.get("targets", []) + [
                _("Target %(n)s: %(what)s.") % {"n": i, "what": "; ".join(row_errors)}
            ]
            continue
        seen.add(cert.pk)
        out.append({"certification": cert, "people": people, "by_date": by_date})
    if errors:
        raise ValidationError(errors)
    return out


@transaction.atomic
def business_plan_save(
    *, partner: Partner, by: Any, sections: dict[str, str], targets: list[dict[str, Any]]
) -> BusinessPlan:
    """Save the partner's draft business plan: the current draft is edited; without one a new version is
    started (copying nothing — the form starts from the latest version). Sections may be incomplete
    in a draft; targets are validated (known certification, 1–1000 people, a date)."""
    _require_editor(by, partner)
    errors: dict[str, list[str]] = {}
    clean_sections = {}
    for f in SECTION_FIELDS:
        text = (sections.get(f) or "").strip()
        if len(text) > 5000:
            errors[f] = [_("At most 5,000 characters.")]
        clean_sections[f] = text
    try:
        clean_targets = _clean_targets(targets)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    plans = _locked_partner_plans(partner)
    draft = next((p for p in plans if p.state == BusinessPlanState.DRAFT), None)
    if draft is None:
        draft = BusinessPlan(partner=partner, version=(plans[0].version + 1) if plans else 1, created_by=by)
    for f, v in clean_sections.items():
        setattr(draft, f, v)
    draft._history_user = by  # type: ignore[attr-defined]
    draft.save()
    old = {t.certification_id: t for t in draft.targets.all()}
    keep = set()
    for t in clean_targets:
        row = old.get(t["certification"].pk) or BusinessPlanTarget(
            plan=draft, certification=t["certification"]
        )
        row.people, row.by_date = t["people"], t["by_date"]
        row._history_user = by  # type: ignore[attr-defined]
        row.save()
        keep.add(row.pk)
    for row in old.values():
        if row.pk not in keep:
            row._history_user = by  # type: ignore[attr-defined]
            row.delete()
    return draft


_admin_emails = PartnerMembership.objects.admin_emails


_link = absolute_url


def _mail(to: list[str], template: str, context: dict[str, Any], *, key: str, partner_id: int) -> None:
    email_partner_people(to, f"enablement/email/{template}", context, key=key, partner_id=partner_id)


@transaction.atomic
def business_plan_submit(*, partner: Partner, by: Any) -> BusinessPlan:
    """Submit the partner's draft: every section filled in and at least one certification target. The
    previous submitted/accepted/returned version is superseded (kept as history). The CAM is e-mailed."""
    _require_editor(by, partner)
    plans = _locked_partner_plans(partner)
    draft = next((p for p in plans if p.state == BusinessPlanState.DRAFT), None)
    if draft is None:
        raise ValidationError(_("There is no draft to submit: save the business plan first."))
    errors: dict[str, list[str]] = {}
    for f, label, _help in BUSINESS_PLAN_SECTIONS:
        if not getattr(draft, f).strip():
            errors[f] = [_("Fill in “%(section)s” before submitting.") % {"section": label}]
    if not draft.targets.exists():
        errors["targets"] = [_("Add at least one certification target before submitting.")]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    for p in plans:
        if p.pk != draft.pk and p.superseded_at is None:
            p.superseded_at = now
            p._history_user = by  # type: ignore[attr-defined]
            p.save(update_fields=["superseded_at", "updated_at"])
    draft.state = BusinessPlanState.SUBMITTED
    draft.submitted_at, draft.submitted_by = now, by
    draft._history_user = by  # type: ignore[attr-defined]
    draft.save()
    cam = partner.cam
    if cam is not None and cam.is_active:
        _mail(
            [cam.email],
            "plan_submitted",
            {"partner": partner, "plan": draft, "link": _link("console:plan_detail", partner.pk)},
            key=f"bplan-submitted:{draft.pk}",
            partner_id=partner.pk,
        )
    return draft


def _decide(*, plan: BusinessPlan, by: Any, state: str, comment: str) -> BusinessPlan:
    if not may_review(by):
        raise NotAllowed(_("Your role does not allow reviewing business plans."))
    plan = BusinessPlan.objects.select_for_update(of=("self",)).get(pk=plan.pk)
    if plan.state != BusinessPlanState.SUBMITTED or plan.superseded_at is not None:
        raise ValidationError(_("Only a submitted, current business plan can be accepted or returned."))
    plan.state = state
    plan.decided_at, plan.decided_by = timezone.now(), by
    plan.review_comment = comment
    plan._history_user = by  # type: ignore[attr-defined]
    plan.save()
    partner = Partner.objects.get(pk=plan.partner_id)
    _mail(
        _admin_emails(plan.partner_id),
        f"plan_{state}",
        {"partner": partner, "plan": plan, "comment": comment, "link": _link("portal:business_plan")},
        key=f"bplan-{state}:{plan.pk}",
        partner_id=plan.partner_id,
    )
    return plan


@transaction.atomic
def business_plan_accept(*, plan: BusinessPlan, by: Any, comment: str = "") -> BusinessPlan:
    """Accept a submitted plan (CAM or Education Services); the partner's admins are e-mailed."""
    return _decide(plan=plan, by=by, state=BusinessPlanState.ACCEPTED, comment=(comment or "").strip())


@transaction.atomic
def business_plan_return(*, plan: BusinessPlan, by: Any, comment: str) -> BusinessPlan:
    """Return a submitted plan with a comment saying what to change; the partner's admins are e-mailed."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": [_("Say what the partner should change.")]})
    return _decide(plan=plan, by=by, state=BusinessPlanState.RETURNED, comment=comment)


# === business plan: reads =========================================================================


def business_plan_versions(partner: Partner) -> list[BusinessPlan]:
    """Every version, newest first, with targets (2 queries)."""
    return list(
        BusinessPlan.objects.filter(partner=partner)
        .select_related("submitted_by", "decided_by")
        .prefetch_related("targets__certification")
        .order_by("-version")
    )


def current_plan(versions: list[BusinessPlan]) -> BusinessPlan | None:
    """The version to show: the newest that is not superseded and not a draft, else the draft."""
    live = [p for p in versions if p.superseded_at is None and p.state != BusinessPlanState.DRAFT]
    return live[0] if live else next((p for p in versions if p.state == BusinessPlanState.DRAFT), None)


def next_version_number(partner: Partner) -> int:
    return (BusinessPlan.objects.filter(partner=partner).aggregate(m=Max("version"))["m"] or 0) + 1
