"""Region exceptions: a partner asks for its agreement to cover more regions; leadership decides."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channelops.accounts.models import User
from channelops.notifications.hooks import region_exception_changed
from channelops.partners.models import Partner, Region

from ..models import EventKind, ExceptionStatus, RegionException
from ..querysets import covered_region_codes
from ._common import (
    DECIDE_REGION_PERM,
    _admin_emails,
    _event,
    _link,
    _notify,
    _require_partner_admin,
    _require_staff_perm,
    _staff_emails,
)


@transaction.atomic
def region_exception_request(
    *, partner: Partner, regions: list[Region], justification: str, by: User
) -> RegionException:
    """A partner admin asks for its agreement to cover more regions; channel leadership decides."""
    _require_partner_admin(partner, by)
    justification = (justification or "").strip()
    if not justification:
        raise ValidationError({"justification": _("Explain why your company needs more than one region.")})
    if not regions:
        raise ValidationError({"regions": _("Choose at least one additional region.")})
    covered = set(covered_region_codes(partner))
    for r in regions:
        if not r.active:
            raise ValidationError({"regions": _("%(r)s is not accepting partners.") % {"r": r}})
        if r.code in covered:
            raise ValidationError({"regions": _("Your agreement already covers %(r)s.") % {"r": r}})
    if RegionException.objects.filter(partner=partner, status=ExceptionStatus.PENDING).exists():
        raise ValidationError(_("Your company already has a region request waiting for a decision."))
    exc = RegionException(partner=partner, justification=justification[:5000], requested_by=by)
    exc._history_user = by  # type: ignore[attr-defined]
    exc.save()
    exc.regions.set(regions)
    codes = ", ".join(r.code for r in regions)
    _event(partner, EventKind.REGION_REQUESTED, by, None, codes)
    to = _staff_emails("channel_leadership")
    _notify(
        to,
        "agreements/email/region_requested",
        {
            "exception": exc,
            "partner": partner,
            "codes": codes,
            "link": _link("console:region_exception", exc.pk),
        },
        key=f"region-exception-requested:{exc.pk}",
        partner_id=partner.pk,
    )
    region_exception_changed(exc, by=by, new=True)
    return exc


@transaction.atomic
def region_exception_decide(
    *, exception: RegionException, approve: bool, note: str = "", by: User
) -> RegionException:
    """Channel leadership approves or denies; the partner's admins are told."""
    _require_staff_perm(by, DECIDE_REGION_PERM)
    exc = RegionException.objects.select_for_update().select_related("partner").get(pk=exception.pk)
    if exc.status != ExceptionStatus.PENDING:
        raise ValidationError(_("This request was already %(s)s.") % {"s": exc.get_status_display().lower()})
    if not approve and not note.strip():
        raise ValidationError({"note": _("Give the partner a reason for the denial.")})
    exc.status = ExceptionStatus.APPROVED if approve else ExceptionStatus.DENIED
    exc.decided_by = by
    exc.decided_at = timezone.now()
    exc.decision_note = note.strip()[:5000]
    exc._history_user = by  # type: ignore[attr-defined]
    exc.save()
    codes = ", ".join(exc.regions.values_list("code", flat=True))
    _event(exc.partner, EventKind.REGION_DECIDED, by, None, f"{exc.get_status_display()}: {codes}")
    to = _admin_emails(exc.partner)
    _notify(
        to,
        "agreements/email/region_decided",
        {
            "exception": exc,
            "partner": exc.partner,
            "codes": codes,
            "link": _link("portal:agreements"),
        },
        key=f"region-exception-decided:{exc.pk}",
        partner_id=exc.partner_id,
    )
    region_exception_changed(exc, by=by, new=False)
    return exc
