"""Reads: :func:`partner_progress` — for one partner, each partner certification with what it has and
exactly what it still needs (constant number of queries) — and :func:`next_certification`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from channelops.core.memo import memo_active
from channelops.partners.models import Partner, PartnerStatus

from ...models import (
    CertState,
    PartnerCertification,
    PartnerCertificationRequirement,
    PartnerCertificationStatus,
    PractitionerRecord,
)
from ...models.awards import HELD_STATES
from .catalog import applications_open, expiry_warning_days, invite_only_until


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
    requirements = PartnerCertificationRequirement.objects.select_related("certification")
    return list(
        PartnerCertification.objects.filter(active=True).prefetch_related(
            Prefetch("requirements", queryset=requirements)
        )  # (+1 for the requirements, joined with their certifications)
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
    """(compliant, reason): the partner is active and has accepted its agreements (constant queries).

    A read-only page inside ``core.memo.read_memo`` (the portal home) reads the maintained "not
    accepted" rows, which the agreement services keep current in their transaction, and shares them
    with the page's agreements item (1 query); elsewhere (award evaluation) they are computed."""
    from channelops.agreements.querysets import State, partner_agreement_rows, partner_outstanding_agreements

    if partner.status != PartnerStatus.ACTIVE:
        return False, _("the partner is %(status)s, not active") % {
            "status": partner.get_status_display().lower()
        }
    rows = partner_outstanding_agreements(partner) if memo_active() else partner_agreement_rows(partner)
    missing = [r for r in rows if r.state not in (State.ACCEPTED, State.DUE)]
    if missing:
        return False, _("agreement not accepted: %(names)s") % {
            "names": ", ".join(str(r.template.name) for r in missing)
        }
    return True, _("active, agreements accepted")


def business_plan_of(partner: Partner) -> bool:
    try:
        from ..plans import business_plan_on_file
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
