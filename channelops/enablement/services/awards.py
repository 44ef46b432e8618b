"""Partner certifications (S6): default data, progress, re-evaluation and the award workflow.

Reads:

* :func:`partner_progress` — for one partner, each partner certification with what it has and
  exactly what it still needs (constant number of queries).

Writes (services, keyword-only, ``by=`` the acting person):

* :func:`partner_certifications_evaluate` — re-evaluate partners (batched; called on every
  ``practitioner_records_changed`` and daily): opens exactly one "Partner Certification Award"
  work item when a partner first meets an automatic certification's requirements; flags a held
  certification "under review" when the partner falls below them (and restores it when met again).
* :func:`partner_certification_award` — record the award (closing the award or onboarding work
  item with every task done calls it), e-mail the partner admins, queue the CRM update.
* :func:`partner_certification_review_resolve` — staff keep or withdraw a certification under review.
* Certified Training Partners (invitation, application, candidates, deadlines): ``services/training_partners.py``.
* :func:`partner_certifications_daily` — the daily job (expiries and onboarding deadlines).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channelops.core.exceptions import NotAllowed
from channelops.core.links import absolute_url
from channelops.core.outbox import email_enqueue, outbox_enqueue
from channelops.partners.models import Partner, PartnerMembership, PartnerStatus

from ..models import (
    Admission,
    Certification,
    CertState,
    PartnerCertification,
    PartnerCertificationRequirement,
    PartnerCertificationStatus,
    PractitionerRecord,
)
from ..models.awards import HELD_STATES

log = logging.getLogger(__name__)

CRM_KIND = "crm.partner_update"
CHUNK = 500
OPENABLE_STATES = (CertState.NONE,)  # an automatic certification opens its award from these
JOINABLE_STATES = (CertState.NONE, CertState.LAPSED)  # an onboarding certification may start from these

# --- default data ------------------------------------------------------------------------------------

PARTNER_CERTIFICATIONS: list[dict[str, Any]] = [
    {
        "slug": "certified-professional-services-partner",
        "name": "Certified Professional Services Partner",
        "short_name": "PSP",
        "description": "Delivers professional services (implementation, migration) with certified engineers.",
        "position": 10,
        "admission": Admission.AUTOMATIC,
        "requirements": [
            ("professional-services-engineer", 2, "certified Professional Services Engineers"),
            ("solution-architect-core", 1, "certified Solution Architect Core"),
        ],
    },
    {
        "slug": "certified-training-partner",
        "name": "Certified Training Partner",
        "short_name": "CTP",
        "description": "Teaches the official courses with its own certified trainers.",
        "position": 20,
        "admission": Admission.ONBOARDING,
        "lapse_months": 6,
        "onboarding_template_slug": "certified-training-partner-onboarding",
        "requirements": [("certified-trainer", 2, "certified trainers")],
    },
]


def ensure_defaults(sender: Any = None, using: str = "default", **kwargs: Any) -> None:
    """Create the default partner certifications (idempotent: existing rows are left alone)."""
    for spec in PARTNER_CERTIFICATIONS:
        spec = dict(spec)
        requirements = spec.pop("requirements")
        if PartnerCertification.objects.using(using).filter(slug=spec["slug"]).exists():
            continue
        pc = PartnerCertification.objects.using(using).create(**spec)
        for cert_slug, count, label in requirements:
            cert = Certification.objects.using(using).filter(slug=cert_slug).first()
            if cert is not None:
                PartnerCertificationRequirement.objects.using(using).create(
                    partner_certification=pc, certification=cert, count=count, label=label
                )


# --- settings ----------------------------------------------------------------------------------------


def invite_only_until(pc: PartnerCertification) -> date | None:
    """The last day on which ``pc`` is invite-only (None: never invite-only)."""
    if pc.admission != Admission.ONBOARDING:
        return None
    return pc.invite_only_until or getattr(settings, "CTP_INVITE_ONLY_UNTIL", date(2021, 1, 31))


def applications_open(pc: PartnerCertification, today: date | None = None) -> bool:
    until = invite_only_until(pc)
    return pc.admission == Admission.ONBOARDING and (until is None or (today or timezone.localdate()) > until)


def reminder_days() -> tuple[int, ...]:
    return tuple(getattr(settings, "CTP_REMINDER_DAYS", (30, 7)))


def expiry_warning_days() -> int:
    return int(getattr(settings, "PARTNER_CERT_EXPIRY_WARNING_DAYS", 60))


# --- reads: progress -------------------------------------------------------------------------------


@dataclass
class Expiring:
    name: str
    expires_on: date
    days: int

    @property
    def text(self) -> str:
        if self.days == 1:
            return _("%(name)s's certification expires tomorrow") % {"name": self.name}
        return _("%(name)s's certification expires in %(days)d days") % {"name": self.name, "days": self.days}


@dataclass
class RequirementProgress:
    requirement: PartnerCertificationRequirement
    have: int
    people: list[str] = field(default_factory=list)
    expiring: list[Expiring] = field(default_factory=list)

    @property
    def required(self) -> int:
        return self.requirement.count

    @property
    def met(self) -> bool:
        return self.have >= self.required

    @property
    def missing(self) -> int:
        return max(0, self.required - self.have)

    @property
    def label(self) -> str:
        return self.requirement.label or _("certified %(name)s practitioners") % {
            "name": self.requirement.certification.name
        }

    @property
    def text(self) -> str:
        """E.g. "2 of 3 certified Professional Services Engineers"."""
        return _("%(have)d of %(required)d %(label)s") % {
            "have": min(self.have, self.required) if self.met else self.have,
            "required": self.required,
            "label": self.label,
        }


@dataclass
class Progress:
    certification: PartnerCertification
    status: PartnerCertificationStatus | None
    requirements: list[RequirementProgress]
    compliance: bool | None  # None: not required
    compliance_reason: str
    business_plan: bool | None  # None: not required
    today: date

    @property
    def state(self) -> str:
        return self.status.state if self.status else CertState.NONE

    @property
    def state_label(self) -> str:
        return str(CertState(self.state).label)

    @property
    def held(self) -> bool:
        return self.state in HELD_STATES

    @property
    def counts_met(self) -> bool:
        return all(r.met for r in self.requirements)

    @property
    def met(self) -> bool:
        return self.counts_met and self.compliance is not False and self.business_plan is not False

    @property
    def still_needed(self) -> list[str]:
        """What the partner still needs, one sentence each."""
        out = [r.text for r in self.requirements if not r.met]
        if self.compliance is False:
            out.append(_("Program compliance: %(reason)s") % {"reason": self.compliance_reason})
        if self.business_plan is False:
            out.append(_("A business plan on file"))
        return out

    @property
    def expiring(self) -> list[Expiring]:
        return [e for r in self.requirements for e in r.expiring]

    @property
    def invite_only_until(self) -> date | None:
        return invite_only_until(self.certification)

    @property
    def applications_open(self) -> bool:
        return applications_open(self.certification, self.today)


def _active_certifications() -> list[PartnerCertification]:
    """Active partner certifications with their requirements (2 queries)."""
    return list(
        PartnerCertification.objects.filter(active=True).prefetch_related(
            "requirements__certification"
        )  # (+1 for the requirements with their certifications)
    )


def _required_cert_ids(pcs: Iterable[PartnerCertification]) -> set[int]:
    return {r.certification_id for pc in pcs for r in pc.requirements.all()}


def _certified_counts(partner_ids: list[int], cert_ids: set[int], today: date) -> dict[tuple[int, int], int]:
    """(partner, certification) → number of distinct people currently certified (1 query)."""
    rows = (
        PractitionerRecord.objects.filter(partner_id__in=partner_ids, certification_id__in=cert_ids)
        .certified(today)
        .values("partner_id", "certification_id")
        .annotate(n=Count("email", distinct=True))
        .order_by()
    )
    return {(r["partner_id"], r["certification_id"]): r["n"] for r in rows}


def _counts_met(pc: PartnerCertification, pid: int, counts: dict[tuple[int, int], int]) -> bool:
    return all(counts.get((pid, r.certification_id), 0) >= r.count for r in pc.requirements.all())


def compliance_of(partner: Partner) -> tuple[bool, str]:
    """(compliant, reason): the partner is active and has accepted its agreements (constant queries)."""
    from channelops.agreements.querysets import State, partner_agreement_rows

    if partner.status != PartnerStatus.ACTIVE:
        return False, _("the partner is %(status)s, not active") % {
            "status": partner.get_status_display().lower()
        }
    missing = [r for r in partner_agreement_rows(partner) if r.state not in (State.ACCEPTED, State.DUE)]
    if missing:
        return False, _("agreement not accepted: %(names)s") % {
            "names": ", ".join(str(r.template.name) for r in missing)
        }
    return True, _("active, agreements accepted")


def business_plan_of(partner: Partner) -> bool:
    try:
        from .plans import business_plan_on_file
    except ImportError:  # pragma: no cover - the plans module ships with the app
        return False
    return bool(business_plan_on_file(partner))


class _PartnerChecks:
    """Compliance and business plan of partners, each computed once per evaluation."""

    def __init__(self) -> None:
        self._compliance: dict[int, tuple[bool, str]] = {}
        self._plan: dict[int, bool] = {}

    def compliance(self, partner: Partner) -> tuple[bool, str]:
        if partner.pk not in self._compliance:
            self._compliance[partner.pk] = compliance_of(partner)
        return self._compliance[partner.pk]

    def plan(self, partner: Partner) -> bool:
        if partner.pk not in self._plan:
            self._plan[partner.pk] = business_plan_of(partner)
        return self._plan[partner.pk]

    def missing(self, pc: PartnerCertification, partner: Partner) -> list[str]:
        """What ``partner`` lacks for ``pc`` besides the practitioner counts."""
        out = []
        if pc.requires_compliance:
            ok, reason = self.compliance(partner)
            if not ok:
                out.append(_("program compliance: %(reason)s") % {"reason": reason})
        if pc.requires_business_plan and not self.plan(partner):
            out.append(_("no business plan on file"))
        return out


def partner_progress(partner: Partner, *, today: date | None = None) -> list[Progress]:
    """Each active partner certification with what ``partner`` has and still needs.

    Queries: certifications + requirements (2), the partner's certified records (1), its statuses
    (1), compliance (the agreement rows) and the business plan — the same for any number of records.
    """
    today = today or timezone.localdate()
    pcs = _active_certifications()
    cert_ids = _required_cert_ids(pcs)
    records = list(
        PractitionerRecord.objects.filter(partner_id=partner.pk, certification_id__in=cert_ids)
        .certified(today)
        .order_by("full_name", "email", "-expires_on")
        .values("certification_id", "email", "full_name", "expires_on")
    )
    statuses = {
        s.certification_id: s
        for s in PartnerCertificationStatus.objects.filter(partner_id=partner.pk).select_related(
            "award_item", "onboarding_item"
        )
    }
    # per (certification, person): the record that keeps the person certified the longest
    people: dict[int, dict[str, dict[str, Any]]] = {}
    for rec in records:
        best = people.setdefault(rec["certification_id"], {}).get(rec["email"].lower())
        if best is None or (
            best["expires_on"] is not None and (rec["expires_on"] or date.max) > best["expires_on"]
        ):
            people[rec["certification_id"]][rec["email"].lower()] = rec
    checks = _PartnerChecks()
    warn = expiry_warning_days()
    out = []
    for pc in pcs:
        reqs = []
        for r in pc.requirements.all():
            holders = sorted(
                people.get(r.certification_id, {}).values(), key=lambda x: x["full_name"].lower()
            )
            expiring = [
                Expiring(h["full_name"], h["expires_on"], (h["expires_on"] - today).days)
                for h in holders
                if h["expires_on"] is not None and (h["expires_on"] - today).days <= warn
            ]
            reqs.append(RequirementProgress(r, len(holders), [h["full_name"] for h in holders], expiring))
        compliance = reason = None
        if pc.requires_compliance:
            compliance, reason = checks.compliance(partner)
        plan = checks.plan(partner) if pc.requires_business_plan else None
        out.append(Progress(pc, statuses.get(pc.pk), reqs, compliance, reason or "", plan, today))
    return out


def next_certification(progress: list[Progress]) -> Progress | None:
    """The next certification to reach: the first (by position) the partner does not hold."""
    return next((p for p in progress if not p.held), None)


# --- writes: evaluation -------------------------------------------------------------------------------


def _fallback_dri() -> Any:
    from channelops.accounts.models import StaffTeam, TeamKind, User

    team = (
        StaffTeam.objects.filter(kind=TeamKind.CHANNEL, lead__is_active=True).select_related("lead").first()
    )
    if team is not None:
        return team.lead
    return User.objects.filter(is_active=True, is_staff=True, is_superuser=True).order_by("pk").first()


def _work_template(slug: str) -> Any:
    from channelops.work.models import WorkTemplate

    return WorkTemplate.objects.filter(slug=slug, active=True).first()


def _save(status: PartnerCertificationStatus, by: Any) -> None:
    status._history_user = by  # type: ignore[attr-defined]
    status.save()


def _status_for(partner: Partner, pc: PartnerCertification) -> PartnerCertificationStatus:
    status, _created = PartnerCertificationStatus.objects.get_or_create(partner=partner, certification=pc)
    return status


_admin_emails = PartnerMembership.objects.admin_emails


def _portal_link() -> str:
    return absolute_url("portal:partner_certifications")


def _console_link(partner_id: int) -> str:
    return absolute_url("console:partner_certifications_partner", partner_id)


def _award_open(partner: Partner, pc: PartnerCertification, by: Any) -> PartnerCertificationStatus | None:
    """Open the award work item (the partner row is locked by the caller)."""
    from channelops.work.services.templates import work_item_from_template

    template = _work_template(pc.award_template_slug)
    if template is None:
        log.warning(
            "no active work template %r: award of %s to partner %s not opened",
            pc.award_template_slug,
            pc,
            partner.pk,
        )
        return None
    status = _status_for(partner, pc)
    if status.state not in OPENABLE_STATES:
        return None
    dri = partner.cam if partner.cam_id and partner.cam and partner.cam.is_active else _fallback_dri()
    try:
        item = work_item_from_template(
            template=template,
            by=None,
            dri=dri,
            partner=partner,
            subject=status,
            context={"certification": pc.name},
        )
    except ValidationError as exc:  # e.g. nobody on staff can be its DRI yet: the next evaluation retries
        log.warning("award of %s to partner %s not opened: %s", pc, partner.pk, exc)
        return None
    status.state, status.award_item = CertState.IN_AWARD, item
    status.flagged_at, status.flag_reason = None, ""
    _save(status, by)
    return status


def _flag(status: PartnerCertificationStatus, reasons: list[str], by: Any) -> None:
    status.state = CertState.UNDER_REVIEW
    status.flagged_at = timezone.now()
    status.flag_reason = "; ".join(reasons)[:2000]
    _save(status, by)
    partner = status.partner
    cam = partner.cam
    if cam is not None and cam.is_active:
        email_enqueue(
            to=cam.email,
            template="enablement/email/partner_cert_review",
            context={
                "partner": partner,
                "certification": status.certification,
                "reasons": reasons,
                "link": _console_link(partner.pk),
            },
            key=f"partner-cert-review:{status.pk}:{status.flagged_at.isoformat()}",
            topic=f"partner:{partner.pk}",
        )


def _restore(status: PartnerCertificationStatus, by: Any) -> None:
    status.state, status.flagged_at, status.flag_reason = CertState.AWARDED, None, ""
    _save(status, by)


def partner_certifications_evaluate(
    *, partner_ids: Iterable[int], today: date | None = None, by: Any = None
) -> dict[str, int]:
    """Re-evaluate partners against every active partner certification (see the module docstring).

    Runs in the caller's transaction. Per chunk of partners: certifications (2 queries), certified
    counts (1), statuses (1); then, only for partners whose practitioner counts meet a certification
    they could open or that they hold, the partners (1), compliance and business plan (constant per
    partner), and — to open awards — one lock of those partners' rows.
    """
    today = today or timezone.localdate()
    ids = sorted({int(p) for p in partner_ids})
    result = {"opened": 0, "flagged": 0, "restored": 0}
    if not ids:
        return result
    pcs = _active_certifications()
    if not pcs:
        return result
    cert_ids = _required_cert_ids(pcs)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        with transaction.atomic():
            _evaluate_chunk(chunk, pcs, cert_ids, today, by, result)
    return result


def _evaluate_chunk(
    ids: list[int],
    pcs: list[PartnerCertification],
    cert_ids: set[int],
    today: date,
    by: Any,
    result: dict[str, int],
) -> None:
    counts = _certified_counts(ids, cert_ids, today)
    statuses = {
        (s.partner_id, s.certification_id): s
        for s in PartnerCertificationStatus.objects.filter(partner_id__in=ids)
    }
    to_open: list[tuple[int, PartnerCertification]] = []
    held: list[tuple[int, PartnerCertification, PartnerCertificationStatus, bool]] = []
    for pid in ids:
        for pc in pcs:
            status = statuses.get((pid, pc.pk))
            met = _counts_met(pc, pid, counts)
            if status is not None and status.state in HELD_STATES:
                held.append((pid, pc, status, met))
            elif (
                met
                and pc.admission == Admission.AUTOMATIC
                and (status is None or status.state in OPENABLE_STATES)
            ):
                to_open.append((pid, pc))
    needed = {pid for pid, _pc in to_open} | {pid for pid, _pc, _s, _met in held}
    if not needed:
        return
    partners = {p.pk: p for p in Partner.objects.filter(pk__in=needed).select_related("cam")}
    checks = _PartnerChecks()
    for pid, pc, status, met in held:
        partner = partners.get(pid)
        if partner is None:
            continue
        status.partner = partner
        status.certification = pc
        reasons = []
        if not met:
            reasons = [
                _("%(have)d of %(required)d %(label)s")
                % {
                    "have": counts.get((pid, r.certification_id), 0),
                    "required": r.count,
                    "label": r.label or r.certification.name,
                }
                for r in pc.requirements.all()
                if counts.get((pid, r.certification_id), 0) < r.count
            ]
        reasons += checks.missing(pc, partner)
        if reasons and status.state == CertState.AWARDED:
            _flag(status, reasons, by)
            result["flagged"] += 1
        elif not reasons and status.state == CertState.UNDER_REVIEW:
            _restore(status, by)
            result["restored"] += 1
    ready = [(pid, pc) for pid, pc in to_open if pid in partners and not checks.missing(pc, partners[pid])]
    if not ready:
        return
    # One award per partner and certification, even with concurrent imports: lock the partners'
    # rows (in id order, so two evaluations never deadlock) and read their statuses again.
    locked = {
        p.pk: p
        for p in Partner.objects.select_for_update(of=("self",))
        .filter(pk__in={pid for pid, _pc in ready})
        .order_by("pk")
    }
    for pid, pc in ready:
        partner = locked.get(pid)
        if partner is None:
            continue
        partner.cam = partners[pid].cam
        if _award_open(partner, pc, by) is not None:
            result["opened"] += 1


def _on_records_changed(*, partner_ids: Iterable[int] = (), by: Any = None, **kwargs: Any) -> None:
    """Registered on ``practitioner_records_changed`` (runs in the caller's transaction)."""
    partner_certifications_evaluate(partner_ids=partner_ids, by=by)


# --- writes: award ------------------------------------------------------------------------------------


def _crm_payload(partner: Partner, status: PartnerCertificationStatus) -> dict[str, Any]:
    held = list(
        PartnerCertificationStatus.objects.filter(partner_id=partner.pk, state__in=HELD_STATES)
        .select_related("certification")
        .order_by("certification__position", "certification__name")
    )
    return {
        "partner_id": partner.pk,
        "crm_account_id": partner.crm_account_id,
        "fields": {
            "partner_certifications": [
                {
                    "slug": s.certification.slug,
                    "name": s.certification.name,
                    "state": s.state,
                    "awarded_on": s.awarded_at.date().isoformat() if s.awarded_at else None,
                }
                for s in held
            ]
        },
        "source": {"partner_certification": status.certification.slug, "status": status.pk},
    }


@transaction.atomic
def partner_certification_award(
    *, status: PartnerCertificationStatus, by: Any, item: Any = None
) -> PartnerCertificationStatus:
    """Award the certification: recorded on the status row, e-mailed to the partner admins, and an
    outbox message ``crm.partner_update`` with the partner's certifications."""
    if by is not None and not by.is_staff:
        raise NotAllowed(_("Only staff may award a partner certification."))
    partner = Partner.objects.select_for_update(of=("self",)).get(pk=status.partner_id)
    status = PartnerCertificationStatus.objects.select_related("certification").get(pk=status.pk)
    if status.state in HELD_STATES:
        return status
    status.state = CertState.AWARDED
    status.awarded_at, status.awarded_by = timezone.now(), by
    status.flagged_at, status.flag_reason = None, ""
    _save(status, by)
    key = f"{status.pk}:{item.pk if item is not None else status.awarded_at.isoformat()}"
    admins = _admin_emails(partner.pk)
    if admins:
        email_enqueue(
            to=admins,
            template="enablement/email/partner_cert_awarded",
            context={"partner": partner, "certification": status.certification, "link": _portal_link()},
            key=f"partner-cert-awarded:{key}",
            topic=f"partner:{partner.pk}",
        )
    outbox_enqueue(
        kind=CRM_KIND,
        key=f"{CRM_KIND}:partner-cert:{key}",
        topic=f"partner:{partner.pk}",
        payload=_crm_payload(partner, status),
    )
    return status


@transaction.atomic
def partner_certification_review_resolve(
    *, status: PartnerCertificationStatus, keep: bool, by: Any, note: str = ""
) -> PartnerCertificationStatus:
    """Staff decide on a certification under review: keep it (awarded) or withdraw it (not certified)."""
    if by is None or not by.is_staff:
        raise NotAllowed(_("Only staff may resolve a review."))
    Partner.objects.select_for_update(of=("self",)).get(pk=status.partner_id)
    status = PartnerCertificationStatus.objects.select_related("certification", "partner").get(pk=status.pk)
    if status.state != CertState.UNDER_REVIEW:
        raise ValidationError(_("This certification is not under review."))
    if keep:
        status.state = CertState.AWARDED
    else:
        status.state, status.awarded_at, status.awarded_by = CertState.NONE, None, None
        status.award_item = None
    status.flagged_at = None
    status.flag_reason = note.strip()[:2000]
    _save(status, by)
    outbox_enqueue(
        kind=CRM_KIND,
        key=f"{CRM_KIND}:partner-cert-review:{status.pk}:{timezone.now().isoformat()}",
        topic=f"partner:{status.partner_id}",
        payload=_crm_payload(status.partner, status),
    )
    return status


def may_award_onboarding(user: Any) -> bool:
    """Who closes an onboarding (Certified Training Partner) item and so awards it: Education Services
    (the role, or a member of the Education Services staff team), channel leadership, a superuser.
    The system (``user`` None, e.g. a job) may too."""
    if user is None:
        return True
    if not getattr(user, "is_staff", False) or not user.is_active:
        return False
    if user.is_superuser or user.has_role("education_services", "channel_leadership"):
        return True
    from channelops.accounts.models import StaffTeam, TeamKind

    return (
        StaffTeam.objects.filter(kind=TeamKind.EDUCATION_SERVICES)
        .filter(Q(members=user) | Q(lead=user))
        .exists()
    )


def _on_work_item_changed(*, item: Any, by: Any = None, new: bool = False, **kwargs: Any) -> None:
    """Closing an award or onboarding item: done with every task done → award; done with open tasks →
    refused (ValidationError, the close is rolled back); cancelled → back to "not certified"."""
    from channelops.work.models import CLOSED_STATUSES, WorkStatus

    if new or item.template_id is None or item.status not in CLOSED_STATUSES:
        return
    status = (
        PartnerCertificationStatus.objects.filter(
            Q(award_item_id=item.pk, state=CertState.IN_AWARD)
            | Q(onboarding_item_id=item.pk, state=CertState.ONBOARDING)
        )
        .select_related("certification")
        .first()
    )
    if status is None:
        return
    if item.status == WorkStatus.DONE:
        if status.onboarding_item_id == item.pk and not may_award_onboarding(by):
            raise ValidationError(
                {
                    "status": _(
                        "Education Services close this item and award %(cert)s (or channel leadership)."
                    )
                    % {"cert": status.certification.name}
                }
            )
        open_tasks = list(item.tasks.filter(done_at__isnull=True).values_list("title", flat=True))
        if open_tasks:
            raise ValidationError(
                {
                    "status": _(
                        "Closing this item awards %(cert)s: tick every task first. Still open: %(tasks)s."
                    )
                    % {"cert": status.certification.name, "tasks": "; ".join(open_tasks)}
                }
            )
        partner_certification_award(status=status, by=by, item=item)
        return
    status.state = CertState.NONE
    status.award_item = None if status.award_item_id == item.pk else status.award_item
    _save(status, by)


def partner_certifications_daily(*, today: date | None = None) -> dict[str, int]:
    """Daily: re-evaluate every partner with certified practitioners or a held certification (expiries
    flag held certifications for review), then the onboarding deadlines."""
    today = today or timezone.localdate()
    pcs = _active_certifications()
    cert_ids = _required_cert_ids(pcs)
    ids = set(
        PractitionerRecord.objects.filter(certification_id__in=cert_ids)
        .values_list("partner_id", flat=True)
        .distinct()
    ) | set(
        PartnerCertificationStatus.objects.filter(state__in=HELD_STATES).values_list("partner_id", flat=True)
    )
    result = partner_certifications_evaluate(partner_ids=ids, today=today)
    from .training_partners import onboarding_deadlines_run

    result.update(onboarding_deadlines_run(today=today))
    return result


# --- hooks ----------------------------------------------------------------------------------------------


def connect() -> None:
    """Register on the hooks, and register the queue and the daily job (``EnablementConfig.ready``)."""
    from channelops.core.queues import WorkQueue, register_queue
    from channelops.core.schedules import register_schedule
    from channelops.work.hooks import work_item_changed

    from ..hooks import practitioner_records_changed

    practitioner_records_changed.register(_on_records_changed)
    work_item_changed.register(_on_work_item_changed)
    register_queue(
        WorkQueue(
            key="partner_certs_review",
            title=gettext_lazy("Partner certifications under review"),
            description=gettext_lazy(
                "Certified partners that fell below their certification's requirements."
            ),
            items=lambda user: PartnerCertificationStatus.objects.visible_to(user).filter(
                state=CertState.UNDER_REVIEW
            ),
            url=lambda: reverse("console:partner_certifications") + "?state=under_review",
        )
    )
    register_schedule(
        name="partner_certifications_daily",
        rule="FREQ=DAILY;BYHOUR=5;BYMINUTE=45",
        task="channelops.enablement.tasks.partner_certifications_daily_task",
        description="Re-evaluate partner certifications (expiries flag them for review); remind and lapse "
        "Certified Training Partner onboarding attempts.",
    )
