"""Privileged permissions: access requests (S7 item 6; docs/access-requests.md) — request, approve,
reject, revoke, withdraw, and the daily expiry of grants."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channelops.core.exceptions import NotAllowed
from channelops.core.links import absolute_url
from channelops.core.outbox import email_enqueue

from ..models import (
    JUSTIFICATION_MIN_LENGTH,
    OPEN_ACCESS_STATUSES,
    AccessEventKind,
    AccessRequest,
    AccessStatus,
    StaffTeam,
    User,
)
from ..privileges import privileges
from ..roles import ADMINISTRATOR, LEADERSHIP
from ._common import _access_event, _forget_perm_cache


def _perm_object(perm: str) -> Permission:
    app_label, _sep, codename = perm.partition(".")
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
    if permission is None:
        raise ValidationError({"perm": _("The permission %(perm)s does not exist.") % {"perm": perm}})
    return permission


def _label(perm: str) -> str:
    p = privileges().get(perm)
    return p.label if p else perm


def access_managers(user: User) -> list[User]:
    """The person's managers: the active leads of the staff teams they are a member of (not themselves)."""
    return list(
        User.objects.filter(led_teams__members=user, is_active=True, is_staff=True)
        .exclude(pk=user.pk)
        .distinct()
        .order_by("email")
    )


def access_may_decide(request: AccessRequest, user: User) -> bool:
    """Approve or reject: the requester's manager, channel leadership or an administrator —
    never the requester."""
    if not user.is_active or not user.is_staff or user.pk == request.user_id:
        return False
    if user.is_superuser or user.has_role(ADMINISTRATOR, LEADERSHIP):
        return True
    return StaffTeam.objects.filter(lead=user, members__pk=request.user_id).exists()


def access_may_revoke(request: AccessRequest, user: User) -> bool:
    """Revoke: channel leadership or an administrator, or the holder relinquishing it."""
    if not user.is_active or not user.is_staff:
        return False
    return user.pk == request.user_id or user.is_superuser or user.has_role(ADMINISTRATOR, LEADERSHIP)


def _access_link(req: AccessRequest) -> str:
    return absolute_url("console:access_detail", req.pk)


def _access_mail(req: AccessRequest, *, to: list[str], template: str, step: str, **extra: object) -> None:
    if not to:
        return
    email_enqueue(
        to=to,
        template=f"accounts/email/{template}",
        context={
            "req": req,
            "requester": req.user,
            "privilege": _label(req.perm),
            "link": _access_link(req),
            **extra,
        },
        key=f"access:{req.pk}:{step}",
        topic=f"user:{req.user_id}",
    )


def _lock(req: AccessRequest) -> AccessRequest:
    return AccessRequest.objects.select_for_update(of=("self",)).select_related("user").get(pk=req.pk)


@transaction.atomic
def access_request_create(*, perm: str, justification: str, by: User) -> AccessRequest:
    """``by`` (staff) asks for a registered privilege; their manager(s) are e-mailed."""
    if not by.is_active or not by.is_staff:
        raise NotAllowed(_("Only staff can request privileged permissions."))
    perm = (perm or "").strip()
    if perm not in privileges():
        raise ValidationError({"perm": _("Choose one of the privileges that can be requested.")})
    justification = (justification or "").strip()
    if not justification:
        raise ValidationError({"justification": _("Say why you need this permission.")})
    if len(justification) < JUSTIFICATION_MIN_LENGTH:
        raise ValidationError(
            {
                "justification": _("The justification needs at least %(n)d characters.")
                % {"n": JUSTIFICATION_MIN_LENGTH}
            }
        )
    _perm_object(perm)
    User.objects.select_for_update().filter(pk=by.pk).first()  # one request at a time per person
    existing = AccessRequest.objects.filter(user=by, perm=perm, status__in=OPEN_ACCESS_STATUSES).first()
    if existing is not None:
        if existing.status == AccessStatus.REQUESTED:
            raise ValidationError(_("You already have an open request for this permission."))
        raise ValidationError(_("You already hold this permission."))
    managers = access_managers(by)
    req = AccessRequest(
        user=by, perm=perm, justification=justification, approver=managers[0] if managers else None
    )
    req._history_user = by  # type: ignore[attr-defined]
    req.save()
    _access_event(
        request=req, user=by, perm=perm, kind=AccessEventKind.REQUESTED, by=by, detail=justification
    )
    recipients = [m.email for m in managers] or list(
        User.objects.with_role(LEADERSHIP).exclude(pk=by.pk).values_list("email", flat=True).distinct()
    )
    _access_mail(req, to=sorted(set(recipients)), template="access_requested", step="requested")
    return req


@transaction.atomic
def access_request_approve(
    *, request: AccessRequest, by: User, note: str = "", granted_until: date | None = None
) -> AccessRequest:
    """Approve an open request: the permission is granted until ``granted_until`` (default: today
    plus ACCESS_GRANT_DAYS)."""
    req = _lock(request)
    if not access_may_decide(req, by):
        raise NotAllowed(
            _(
                "Only the requester's manager, channel leadership or an administrator can decide, never the requester."
            )
        )
    if req.status != AccessStatus.REQUESTED:
        raise ValidationError(_("This request is no longer open (%(s)s).") % {"s": req.get_status_display()})
    if not req.user.is_active or not req.user.is_staff:
        raise ValidationError(_("The requester is no longer active staff."))
    today = timezone.localdate()
    longest = today + timedelta(days=settings.ACCESS_GRANT_DAYS)
    until = granted_until or longest
    if until < today or until > longest:
        raise ValidationError(
            {
                "granted_until": _("Choose a date from today to %(d)s.") % {"d": longest.isoformat()},
            }
        )
    now = timezone.now()
    req.status = AccessStatus.APPROVED
    req.decided_by, req.decided_at, req.decision_note = by, now, (note or "").strip()
    req.granted_until = until
    req._history_user = by  # type: ignore[attr-defined]
    req.save()
    req.user.user_permissions.add(_perm_object(req.perm))
    _forget_perm_cache(req.user)
    _forget_perm_cache(request.user)
    _access_event(
        request=req,
        user=req.user,
        perm=req.perm,
        kind=AccessEventKind.APPROVED,
        by=by,
        detail=req.decision_note,
    )
    _access_event(
        request=req,
        user=req.user,
        perm=req.perm,
        kind=AccessEventKind.GRANTED,
        by=by,
        detail=f"until {until.isoformat()}",
    )
    _access_mail(req, to=[req.user.email], template="access_decided", step="approved", approved=True)
    return req


@transaction.atomic
def access_request_reject(*, request: AccessRequest, by: User, note: str) -> AccessRequest:
    """Reject an open request; the note (required) is sent to the requester."""
    req = _lock(request)
    if not access_may_decide(req, by):
        raise NotAllowed(
            _(
                "Only the requester's manager, channel leadership or an administrator can decide, never the requester."
            )
        )
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say why the request is rejected.")})
    if req.status != AccessStatus.REQUESTED:
        raise ValidationError(_("This request is no longer open (%(s)s).") % {"s": req.get_status_display()})
    req.status = AccessStatus.REJECTED
    req.decided_by, req.decided_at, req.decision_note = by, timezone.now(), note
    req._history_user = by  # type: ignore[attr-defined]
    req.save()
    _access_event(
        request=req, user=req.user, perm=req.perm, kind=AccessEventKind.REJECTED, by=by, detail=note
    )
    _access_mail(req, to=[req.user.email], template="access_decided", step="rejected", approved=False)
    return req


@transaction.atomic
def access_request_revoke(*, request: AccessRequest, by: User, reason: str) -> AccessRequest:
    """End a grant now (leadership, administrator, or the holder relinquishing it)."""
    req = _lock(request)
    if not access_may_revoke(req, by):
        raise NotAllowed(_("Only channel leadership, an administrator or the holder can revoke a grant."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the permission is revoked.")})
    if req.status != AccessStatus.APPROVED:
        raise ValidationError(
            _("Only a granted permission can be revoked (this one is %(s)s).")
            % {"s": req.get_status_display()}
        )
    req.status = AccessStatus.REVOKED
    req.revoked_by, req.revoked_at, req.revoke_reason = by, timezone.now(), reason
    req._history_user = by  # type: ignore[attr-defined]
    req.save()
    req.user.user_permissions.remove(_perm_object(req.perm))
    _forget_perm_cache(req.user)
    _forget_perm_cache(request.user)
    if by.pk == req.user_id:
        _forget_perm_cache(by)
    _access_event(
        request=req, user=req.user, perm=req.perm, kind=AccessEventKind.REVOKED, by=by, detail=reason
    )
    _access_mail(req, to=[req.user.email], template="access_revoked", step="revoked")
    return req


@transaction.atomic
def access_request_withdraw(*, request: AccessRequest, by: User) -> AccessRequest:
    """The requester takes back their open request."""
    req = _lock(request)
    if by.pk != req.user_id:
        raise NotAllowed(_("Only the requester can withdraw a request."))
    if req.status != AccessStatus.REQUESTED:
        raise ValidationError(_("This request is no longer open (%(s)s).") % {"s": req.get_status_display()})
    req.status = AccessStatus.WITHDRAWN
    req._history_user = by  # type: ignore[attr-defined]
    req.save()
    _access_event(request=req, user=req.user, perm=req.perm, kind=AccessEventKind.WITHDRAWN, by=by)
    return req


def access_grants_expire(*, today: date | None = None) -> int:
    """The daily job: end the grants whose ``granted_until`` is past (each in its own transaction)."""
    today = today or timezone.localdate()
    done = 0
    for pk in AccessRequest.objects.filter(status=AccessStatus.APPROVED, granted_until__lt=today).values_list(
        "pk", flat=True
    ):
        done += _access_grant_expire(pk=pk, today=today)
    return done


@transaction.atomic
def _access_grant_expire(*, pk: int, today: date) -> int:
    req = AccessRequest.objects.select_for_update(of=("self",)).select_related("user").get(pk=pk)
    if req.status != AccessStatus.APPROVED or req.granted_until is None or req.granted_until >= today:
        return 0
    req.status = AccessStatus.EXPIRED
    req.save()
    req.user.user_permissions.remove(_perm_object(req.perm))
    _access_event(
        request=req,
        user=req.user,
        perm=req.perm,
        kind=AccessEventKind.EXPIRED,
        by=None,
        detail=f"granted until {req.granted_until.isoformat()}",
    )
    _access_mail(req, to=[req.user.email], template="access_expired", step="expired")
    return 1
