"""Re-evaluation: :func:`partner_certifications_evaluate` (batched; called on every
``practitioner_records_changed`` and daily) opens exactly one "Partner Certification Award" work item
when a partner first meets an automatic certification's requirements, flags a held certification
"under review" when the partner falls below them (and restores it when met again);
:func:`partner_certifications_daily` is the daily job (expiries and onboarding deadlines).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channelops.core.outbox import email_enqueue
from channelops.partners.models import Partner

from ...models import (
    Admission,
    CertState,
    PartnerCertification,
    PartnerCertificationStatus,
    PractitionerRecord,
)
from ...models.awards import HELD_STATES
from ._common import (
    CHUNK,
    OPENABLE_STATES,
    _console_link,
    _fallback_dri,
    _save,
    _status_for,
    _work_template,
)
from .progress import (
    _active_certifications,
    _certified_counts,
    _counts_met,
    _PartnerChecks,
    _required_cert_ids,
)

log = logging.getLogger(__name__)


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
    from ..training_partners import onboarding_deadlines_run

    result.update(onboarding_deadlines_run(today=today))
    return result
