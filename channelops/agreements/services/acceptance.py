"""A partner admin's click-through acceptance (immutable evidence), and refused edits of it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channelops.accounts.models import User
from channelops.core.events import publish
from channelops.core.outbox import email_enqueue
from channelops.partners.models import Partner, PartnerStatus

from ..compliance import compliance_refresh
from ..models import Acceptance, AgreementVersion, EventKind, LegalRequest, LegalStatus, content_hash
from ..querysets import covered_region_codes, partner_agreement_rows
from ._common import _event, _require_partner_admin


@transaction.atomic
def agreement_accept(
    *,
    partner: Partner,
    version: AgreementVersion | int,
    submitted_hash: str,
    by: User,
    ip: str | None = None,
    user_agent: str = "",
) -> Acceptance:
    """Record a partner admin's click-through acceptance of the exact text they were shown."""
    _require_partner_admin(partner, by)
    partner = Partner.objects.select_for_update().select_related("region").get(pk=partner.pk)
    if partner.status != PartnerStatus.ACTIVE:
        raise ValidationError(_("Only active partners can accept agreements."))
    vid = version if isinstance(version, int) else version.pk
    rows = {r.current.pk: r for r in partner_agreement_rows(partner) if r.current is not None}
    row = rows.get(vid)
    if row is None:
        raise ValidationError(
            {"version": _("This is not the version your company is asked to accept. Reload the page.")}
        )
    current = row.current
    if submitted_hash != current.content_hash:
        raise ValidationError(
            {"content_hash": _("The text you accepted does not match the published text. Reload the page.")}
        )
    if row.accepted is not None and row.accepted.version_id == current.pk:
        raise ValidationError(_("Your company has already accepted this version."))
    acceptance = Acceptance(
        partner=partner,
        template_id=current.template_id,
        version=current,
        content_hash=content_hash(AgreementVersion.objects.values_list("body", flat=True).get(pk=current.pk)),
        accepted_by=by,
        accepted_by_name=by.get_full_name()[:150],
        accepted_by_email=by.email,
        ip_address=ip or None,
        user_agent=(user_agent or "")[:300],
        regions=",".join(covered_region_codes(partner)),
    )
    acceptance._history_user = by  # type: ignore[attr-defined]
    acceptance.save()
    _event(
        partner,
        EventKind.ACCEPTED,
        by,
        current,
        _("%(v)s accepted from %(ip)s") % {"v": current, "ip": ip or "?"},
    )
    if current.legal_request_id:
        LegalRequest.objects.filter(pk=current.legal_request_id, status=LegalStatus.OFFERED).update(
            status=LegalStatus.ACCEPTED, closed_at=timezone.now(), closed_by=by
        )
        _event(partner, EventKind.LEGAL_CLOSED, by, current, _("Custom version accepted"))
    compliance_refresh(partner_ids=[partner.pk])
    publish(
        "agreement.accepted",
        key=str(acceptance.pk),
        data={
            "acceptance_id": acceptance.pk,
            "partner_id": partner.pk,
            "agreement": current.template.name,
            "version": current.label,
            "accepted_by": by.email,
            "accepted_at": acceptance.accepted_at.isoformat(),
            "content_hash": acceptance.content_hash,
        },
    )
    email_enqueue(
        to=by.email,
        template="agreements/email/accepted",
        context={"acceptance": acceptance, "version": current, "partner": partner},
        key=f"agreement-accepted:{acceptance.pk}",
        topic=f"partner:{partner.pk}",
    )
    _journey_tasks_complete(partner, by)
    return acceptance


def _journey_tasks_complete(partner: Partner, by: User) -> None:
    """The journey tasks "accept the partner agreements" tick themselves once nothing is left to accept
    (in this transaction; work/auto_tasks.py)."""
    from channelops.work.auto_tasks import tasks_complete_if

    tasks_complete_if(partner=partner, condition="agreements_accepted", by=by)


def acceptance_edit_refused(*, acceptance: Acceptance, by: User | None, how: str) -> None:
    """Record an attempt to change evidence (the change itself is refused elsewhere)."""
    _event(
        acceptance.partner,
        EventKind.EDIT_REFUSED,
        by,
        acceptance.version,
        _("Attempt to change acceptance #%(pk)s via %(how)s refused") % {"pk": acceptance.pk, "how": how},
    )
