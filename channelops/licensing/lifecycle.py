"""A license after issuing (S7 item 5): staff revocation, expiry reminders, renewal requests.

- ``license_revoke`` — staff with ``licensing.change_license`` revoke with a reason; the license
  then appears in ``/licenses/revoked.json`` and ``verify_license`` refuses it.
- ``license_reminders_send`` — the daily job: e-mail the license contact and the partner's people
  ``LICENSE_REMINDER_DAYS`` (default 30 and 7) days before expiry, once per license and lead time.
- ``license_renewal_request`` — the "Request renewal" button: a renewal NFR request for the license.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from channelops.accounts.models import User
from channelops.core.events import publish
from channelops.core.exceptions import NotAllowed

from .models import License, LicenseReminder, NfrRequest, RequestEvent, RequestStatus
from .services import _admin_emails, _link, _mail, may_submit_for, nfr_request_submit

REVOKE_PERM = "licensing.change_license"
VIEW_PERM = "licensing.view_license"
REVOCATION_REASON_MAX = 2000
#: Statuses of a renewal request that stop the reminders (the renewal is on its way).
RENEWAL_PENDING = (RequestStatus.SUBMITTED, RequestStatus.NEEDS_INFO, RequestStatus.APPROVED)


# --- reading ---------------------------------------------------------------------------------------


def reminder_days() -> tuple[int, ...]:
    """``settings.LICENSE_REMINDER_DAYS`` as sorted lead times (days before expiry), validated."""
    raw: Any = settings.LICENSE_REMINDER_DAYS
    parts = raw.split(",") if isinstance(raw, str) else list(raw)
    try:
        days = sorted({int(str(p).strip()) for p in parts if str(p).strip()})
    except ValueError:
        days = []
    if not days or not all(1 <= d <= 365 for d in days):
        raise ImproperlyConfigured(
            "LICENSE_REMINDER_DAYS (CHANNELOPS_LICENSE_REMINDER_DAYS) must list whole numbers of days "
            f'before expiry from 1 to 365, like "30,7" (got {raw!r}).'
        )
    return tuple(days)


@dataclass(frozen=True)
class LicenseStatus:
    key: str  # active | expiring | expired | revoked
    label: str


def license_status(lic: License, *, today: date | None = None) -> LicenseStatus:
    """Revoked, expired (``today`` ≥ expires), expiring soon (within the largest reminder lead time) or active."""
    today = today or timezone.localdate()
    if lic.revoked_at is not None:
        return LicenseStatus("revoked", _("Revoked"))
    if lic.expires <= today:
        return LicenseStatus("expired", _("Expired"))
    if (lic.expires - today).days <= max(reminder_days()):
        return LicenseStatus("expiring", _("Expiring soon"))
    return LicenseStatus("active", _("Active"))


def filter_status(qs: QuerySet[License], status: str, *, today: date | None = None) -> QuerySet[License]:
    """Restrict ``qs`` to one of the statuses of :func:`license_status`."""
    today = today or timezone.localdate()
    soon = today + timedelta(days=max(reminder_days()))
    if status == "revoked":
        return qs.filter(revoked_at__isnull=False)
    if status == "expired":
        return qs.filter(revoked_at__isnull=True, expires__lte=today)
    if status == "expiring":
        return qs.filter(revoked_at__isnull=True, expires__gt=today, expires__lte=soon)
    if status == "active":
        return qs.filter(revoked_at__isnull=True, expires__gt=soon)
    return qs


def may_revoke(user: Any) -> bool:
    return bool(getattr(user, "is_staff", False) and user.is_active and user.has_perm(REVOKE_PERM))


def may_request_renewal(user: Any, lic: License) -> bool:
    """Partner people who may submit NFR requests for the license's partner, or staff with add_nfrrequest."""
    return may_submit_for(user, lic.partner)


def pending_renewal(lic: License) -> NfrRequest | None:
    """The open or approved request that renews ``lic``, if any."""
    return (
        NfrRequest.objects.filter(renews_id=lic.pk, status__in=RENEWAL_PENDING)
        .order_by("created_at", "pk")
        .first()
    )


# --- helpers -----------------------------------------------------------------------------------------


def _partner_recipients(lic: License) -> list[str]:
    """The license contact, the requesting partner person and the partner's admins (once each)."""
    to = [lic.contact_email, *_admin_emails(lic.partner_id)]
    requester = lic.request.requested_by
    if requester is not None and requester.is_active and not requester.is_staff:
        to.append(requester.email)
    return sorted({a.lower() for a in to if a})


def _locked(lic: License) -> License:
    # Lock only the license row: PostgreSQL refuses FOR UPDATE over nullable outer joins.
    return (
        License.objects.select_for_update(of=("self",))
        .select_related("partner", "request__requested_by")
        .get(pk=lic.pk)
    )


# --- revocation ----------------------------------------------------------------------------------------


@transaction.atomic
def license_revoke(*, license: License, by: User, reason: str) -> License:
    """Revoke ``license`` with a reason: it is published in ``/licenses/revoked.json`` and no longer verifies.

    Records a ``license_revoked`` event on the request's timeline and e-mails the license contact
    and the partner's admins (once per license).
    """
    if not may_revoke(by):
        raise NotAllowed(_("Your role does not allow revoking licenses."))
    lic = _locked(license)
    if lic.revoked_at is not None:
        raise ValidationError(
            _("This license was already revoked on %(date)s.")
            % {"date": timezone.localtime(lic.revoked_at).strftime("%Y-%m-%d")}
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for revoking the license.")})
    if len(reason) > REVOCATION_REASON_MAX:
        raise ValidationError(
            {"reason": _("The reason is at most %(max)s characters.") % {"max": REVOCATION_REASON_MAX}}
        )
    lic.revoked_at = timezone.now()
    lic.revoked_by = by
    lic.revocation_reason = reason
    lic._history_user = by  # type: ignore[attr-defined]
    lic.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
    RequestEvent.objects.create(request=lic.request, kind="license_revoked", by=by, detail=reason[:500])
    publish(
        "license.revoked",
        key=str(lic.pk),
        data={
            "license_id": str(lic.pk),
            "partner_id": lic.partner_id,
            "revoked_at": lic.revoked_at.isoformat(),
            "reason": reason,
        },
    )
    to = sorted({a.lower() for a in [lic.contact_email, *_admin_emails(lic.partner_id)] if a})
    _mail(
        to,
        "revoked",
        {
            "license": lic,
            "partner": lic.partner,
            "reason": reason,
            "link": _link("portal:license", lic.pk),
        },
        key=f"license-revoked:{lic.pk}",
        partner_id=lic.partner_id,
    )
    return lic


# --- expiry reminders ----------------------------------------------------------------------------------


def _lead_time(days_left: int, leads: tuple[int, ...]) -> int | None:
    """The smallest lead time that is at least ``days_left`` (None: not within any)."""
    return next((d for d in leads if d >= days_left), None)


@transaction.atomic
def license_reminders_send(*, today: date | None = None) -> int:
    """Send the expiry reminders due ``today``; returns how many were sent.

    For each unrevoked license expiring after ``today`` and within the largest lead time, the lead
    time is the smallest one ≥ the days left. A ``LicenseReminder`` row per (license, lead time)
    makes each reminder go out once, even when the job runs twice or concurrently: the row and
    its e-mail are written in one savepoint, and the unique constraint refuses a second row.
    Licenses with a renewal request submitted, waiting for information or approved are skipped.
    """
    today = today or timezone.localdate()
    leads = reminder_days()
    renewing = NfrRequest.objects.filter(renews__isnull=False, status__in=RENEWAL_PENDING).values("renews_id")
    candidates = list(
        License.objects.filter(
            revoked_at__isnull=True, expires__gt=today, expires__lte=today + timedelta(days=max(leads))
        )
        .exclude(pk__in=renewing)
        .select_related("partner", "request__requested_by")
        .order_by("expires", "id")
    )
    sent_before = set(
        LicenseReminder.objects.filter(license__in=[c.pk for c in candidates]).values_list(
            "license_id", "days_before"
        )
    )
    sent = 0
    for lic in candidates:
        days_left = (lic.expires - today).days
        lead = _lead_time(days_left, leads)
        if lead is None or (lic.pk, lead) in sent_before:
            continue
        try:
            with transaction.atomic():  # a savepoint: a concurrent run that got there first wins
                LicenseReminder.objects.create(license=lic, days_before=lead)
                _send_reminder(lic, lead=lead, days_left=days_left)
        except IntegrityError:
            continue
        sent += 1
    return sent


def _send_reminder(lic: License, *, lead: int, days_left: int) -> None:
    context = {
        "license": lic,
        "partner": lic.partner,
        "days_left": days_left,
        "link": _link("portal:license", lic.pk) + "#renew",
    }
    _mail(
        _partner_recipients(lic),
        "reminder",
        context,
        key=f"license-reminder:{lic.pk}:{lead}",
        partner_id=lic.partner_id,
    )
    requester = lic.request.requested_by
    if requester is not None and requester.is_active and requester.is_staff:
        _mail(
            [requester.email],
            "reminder",
            {**context, "link": _link("console:license", lic.pk)},
            key=f"license-reminder-staff:{lic.pk}:{lead}",
            partner_id=lic.partner_id,
        )
    RequestEvent.objects.create(
        request=lic.request,
        kind="reminder_sent",
        detail=_("Expiry reminder %(lead)s days before expiry: %(left)s days left, expires %(date)s")
        % {"lead": lead, "left": days_left, "date": lic.expires.isoformat()},
    )


# --- renewal -------------------------------------------------------------------------------------------


@transaction.atomic
def license_renewal_request(*, license: License, by: User) -> NfrRequest:
    """Request the renewal of ``license``: a renewal NFR request with the license's contact, plan and users.

    The rules of ``nfr_request_submit`` apply (its ``DuplicateRequestError`` when a request for the
    same contact and plan is already open).
    """
    lic = License.objects.select_related("partner", "request").get(pk=license.pk)
    if not may_request_renewal(by, lic):
        raise NotAllowed(_("You may not request NFR licenses for this partner."))
    if lic.revoked_at is not None:
        raise ValidationError(_("A revoked license cannot be renewed; request new licenses instead."))
    approved = (
        NfrRequest.objects.filter(renews_id=lic.pk, status=RequestStatus.APPROVED).order_by("pk").first()
    )
    if approved is not None:
        raise ValidationError(
            _("This license was already renewed by %(reference)s.") % {"reference": approved.reference}
        )
    return nfr_request_submit(
        partner=lic.partner,
        contact_name=lic.request.contact_name,
        contact_email=lic.contact_email,
        plan=lic.plan,
        seats=lic.users,
        term_months=12,
        purpose=f"Renewal of license {lic.pk}",
        by=by,
        renews=lic,
    )
