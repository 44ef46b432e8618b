"""Writes for people: invitations, sign-in setup, API tokens, access requests for privileged permissions."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import date, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channelops.core.exceptions import NotAllowed
from channelops.core.links import absolute_url
from channelops.core.outbox import email_enqueue

from .models import (
    JUSTIFICATION_MIN_LENGTH,
    OPEN_ACCESS_STATUSES,
    AccessEvent,
    AccessEventKind,
    AccessRequest,
    AccessStatus,
    ApiToken,
    Invitation,
    StaffTeam,
    User,
)
from .privileges import privileges
from .roles import ADMINISTRATOR, LEADERSHIP, PRIVILEGED

TOKEN_PREFIX = "cho_"
INVITATION_DAYS = 14


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def user_create(
    *,
    email: str,
    full_name: str = "",
    password: str | None = None,
    is_staff: bool = False,
    is_superuser: bool = False,
    roles: list[str] | None = None,
    email_verified: bool = False,
) -> User:
    """Create a person with their (verified or not) primary e-mail address and staff roles.

    For set-up code (demo data, partner people, tests), not for a person acting in a page: the
    staff flag, superuser flag and roles given here are recorded as access events without an
    actor. Changing them later is ``user_access_change`` (a superuser, never on their own account)."""
    email = User.objects.normalize_email(email).strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("A person with this e-mail address already exists.")})
    user = User.objects.create_user(
        email=email, password=password, full_name=full_name, is_staff=is_staff, is_superuser=is_superuser
    )
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=email_verified)
    groups = list(Group.objects.filter(name__in=roles or []).order_by("name"))
    if groups:
        user.groups.add(*groups)
    added = [name for name, on in ((STAFF, is_staff), (SUPERUSER, is_superuser)) if on]
    added += [_role_key(g) for g in groups]
    for what in added:
        _access_event(
            request=None, user=user, perm=what, kind=AccessEventKind.ACCESS_ADDED, by=None, detail="created"
        )
    return user


# --- a person's staff flag, superuser flag, roles and direct permissions (issue 11 item 5) -------

STAFF = "staff"
SUPERUSER = "superuser"
ACCESS_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")


def _role_key(group: Group) -> str:
    return f"role:{group.name}"


def _perm_key(permission: Permission) -> str:
    return f"{permission.content_type.app_label}.{permission.codename}"


def may_change_access(*, user: User, by: User | None) -> bool:
    """Who may change ``user``'s staff flag, superuser flag, roles or direct permissions: an active
    superuser, and never on their own account."""
    return bool(
        by is not None
        and by.is_authenticated
        and by.is_active
        and by.is_staff
        and by.is_superuser
        and by.pk != user.pk
    )


def user_access_refused(*, user: User, by: User, fields: list[str]) -> AccessEvent:
    """Record a refused attempt to change ``fields`` of ``user``'s access (call it outside the
    refused change's transaction, or it is rolled back with it)."""
    return _access_event(
        request=None,
        user=user,
        perm="account",
        kind=AccessEventKind.ACCESS_REFUSED,
        by=by,
        detail=_("Refused change of %(fields)s") % {"fields": ", ".join(sorted(fields))},
    )


def user_access_change(
    *,
    user: User,
    by: User,
    is_staff: bool | None = None,
    is_superuser: bool | None = None,
    groups: Iterable[Group] | None = None,
    permissions: Iterable[Permission] | None = None,
) -> list[AccessEvent]:
    """Set ``user``'s staff flag, superuser flag, roles (groups) and direct permissions (None: leave
    as it is). Only an active superuser, never on their own account (``NotAllowed``; the
    refusal is recorded). Privileged permissions are not given or taken here: they come only from
    approved access requests (a ``ValidationError`` if asked; existing grants are kept). Each
    change is an ``AccessEvent`` (``access_added``/``access_removed``); returns them."""
    if not may_change_access(user=user, by=by):
        asked = [
            name
            for name, value in zip(ACCESS_FIELDS, (is_staff, is_superuser, groups, permissions), strict=True)
            if value is not None
        ]
        if by is not None and by.is_authenticated:
            user_access_refused(user=user, by=by, fields=asked)  # kept unless the caller rolls back
        raise NotAllowed(
            _("Only a superuser can change staff, superuser, role or permission settings, never their own.")
        )
    return _user_access_apply(
        user=user, by=by, is_staff=is_staff, is_superuser=is_superuser, groups=groups, permissions=permissions
    )


@transaction.atomic
def role_permissions_change(
    *, group: Group, by: User, permissions: Iterable[Permission]
) -> list[AccessEvent]:
    """Set the permissions of a role (group). Only an active superuser; privileged permissions
    are never part of a role (``ValidationError``). Each added or removed permission is an
    access event for every member of the role (detail ``through role:<name>``)."""
    if not (by.is_active and by.is_staff and by.is_superuser):
        raise NotAllowed(_("Only a superuser can change the permissions of a role."))
    wanted = {p.pk: p for p in Permission.objects.filter(pk__in=[p.pk for p in permissions])}
    privileged = sorted(_perm_key(p) for p in wanted.values() if _perm_key(p) in PRIVILEGED)
    if privileged:
        raise ValidationError(
            {
                "permissions": _("%(perms)s can only be granted through an access request.")
                % {"perms": ", ".join(privileged)}
            }
        )
    current = {p.pk: p for p in group.permissions.select_related("content_type")}
    changes = [(AccessEventKind.ACCESS_ADDED, wanted[pk]) for pk in sorted(set(wanted) - set(current))]
    changes += [(AccessEventKind.ACCESS_REMOVED, current[pk]) for pk in sorted(set(current) - set(wanted))]
    group.permissions.set(list(wanted.values()))
    members = list(User.objects.filter(groups=group).order_by("pk"))
    return [
        _access_event(
            request=None,
            user=member,
            perm=_perm_key(p),
            kind=kind,
            by=by,
            detail=f"through {_role_key(group)}",
        )
        for kind, p in changes
        for member in members
    ]


@transaction.atomic
def _user_access_apply(
    *,
    user: User,
    by: User,
    is_staff: bool | None,
    is_superuser: bool | None,
    groups: Iterable[Group] | None,
    permissions: Iterable[Permission] | None,
) -> list[AccessEvent]:
    target = User.objects.select_for_update().get(pk=user.pk)
    changes: list[tuple[str, str]] = []  # (kind, what)
    for field, key, value in (("is_staff", STAFF, is_staff), ("is_superuser", SUPERUSER, is_superuser)):
        if value is not None and bool(value) != getattr(target, field):
            setattr(target, field, bool(value))
            changes.append((AccessEventKind.ACCESS_ADDED if value else AccessEventKind.ACCESS_REMOVED, key))
    if changes:
        target._history_user = by
        target.save(update_fields=["is_staff", "is_superuser"])
    if groups is not None:
        wanted = {g.pk: g for g in groups}
        current = {g.pk: g for g in target.groups.all()}
        for pk in sorted(set(wanted) - set(current)):
            changes.append((AccessEventKind.ACCESS_ADDED, _role_key(wanted[pk])))
        for pk in sorted(set(current) - set(wanted)):
            changes.append((AccessEventKind.ACCESS_REMOVED, _role_key(current[pk])))
        target.groups.set(list(wanted.values()))
    if permissions is not None:
        wanted_p = {p.pk: p for p in Permission.objects.filter(pk__in=[p.pk for p in permissions])}
        privileged = [_perm_key(p) for p in wanted_p.values() if _perm_key(p) in PRIVILEGED]
        if privileged:
            raise ValidationError(
                {
                    "user_permissions": _("%(perms)s can only be granted through an access request.")
                    % {"perms": ", ".join(sorted(privileged))}
                }
            )
        current_p = {p.pk: p for p in target.user_permissions.select_related("content_type")}
        kept = [p for p in current_p.values() if _perm_key(p) in PRIVILEGED]  # granted by requests
        for pk in sorted(set(wanted_p) - set(current_p)):
            changes.append((AccessEventKind.ACCESS_ADDED, _perm_key(wanted_p[pk])))
        for pk in sorted(set(current_p) - set(wanted_p)):
            if _perm_key(current_p[pk]) not in PRIVILEGED:
                changes.append((AccessEventKind.ACCESS_REMOVED, _perm_key(current_p[pk])))
        target.user_permissions.set([*wanted_p.values(), *kept])
    _forget_perm_cache(user)
    user.__dict__.pop("staff_roles", None)
    user.is_staff, user.is_superuser = target.is_staff, target.is_superuser
    return [_access_event(request=None, user=target, perm=what, kind=kind, by=by) for kind, what in changes]


@transaction.atomic
def invitation_send(*, user: User, invited_by: User | None, context: dict | None = None) -> Invitation:
    """Create an invitation for ``user`` and queue the e-mail with the one-time link."""
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        user=user,
        token_hash=_hash(token),
        invited_by=invited_by,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    link = absolute_url("accounts:invitation_accept", token)
    email_enqueue(
        to=user.email,
        template="accounts/email/invitation",
        context={
            "user": user,
            "invited_by": invited_by,
            "link": link,
            "days": INVITATION_DAYS,
            **(context or {}),
        },
        key=f"invitation:{invitation.pk}",
        topic=f"user:{user.pk}",
    )
    return invitation


def invitation_for_token(token: str) -> Invitation | None:
    inv = Invitation.objects.select_related("user").filter(token_hash=_hash(token)).first()
    return inv if inv and inv.is_usable else None


@transaction.atomic
def invitation_accept(*, invitation: Invitation, password: str, full_name: str = "") -> User:
    """Set the invited person's password; the link proved the mailbox, so the address is verified."""
    inv = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not inv.is_usable:
        raise ValidationError(_("This invitation has expired or was already used."))
    user = inv.user
    user.set_password(password)
    if full_name:
        user.full_name = full_name
    user.save()
    EmailAddress.objects.filter(user=user, email__iexact=user.email).update(verified=True, primary=True)
    inv.accepted_at = timezone.now()
    inv.save(update_fields=["accepted_at"])
    return user


@transaction.atomic
def api_token_create(*, user: User, name: str = "API token") -> tuple[ApiToken, str]:
    """Create a token; returns the row and the clear token (shown once, never stored)."""
    if not user.is_active:
        raise ValidationError(_("Tokens can only be created for active people."))
    if user.is_staff and not user_has_mfa(user):
        raise ValidationError(_("Staff must set up an authenticator app before creating API tokens."))
    clear = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name[:100], prefix=clear[:12], token_hash=_hash(clear))
    return token, clear


def api_token_authenticate(clear: str) -> User | None:
    """The active user a clear token belongs to, or None (unknown, revoked, inactive user)."""
    if not clear or not clear.startswith(TOKEN_PREFIX) or len(clear) > 200:
        return None
    token = ApiToken.objects.active().select_related("user").filter(token_hash=_hash(clear)).first()
    if token is None or not secrets.compare_digest(token.token_hash, _hash(clear)):
        return None
    if token.user.is_staff and not user_has_mfa(token.user):
        return None  # staff must use multi-factor authentication, also through the API
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: User | None = None) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def user_has_mfa(user: User) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


@transaction.atomic
def user_totp_activate(*, user: User, secret: str) -> None:
    """Give a person a TOTP authenticator with a known secret (demo data and tests)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
    TOTP.activate(user, secret)


# --- privileged permissions: access requests (S7 item 6; docs/access-requests.md) ----------------


def _perm_object(perm: str) -> Permission:
    app_label, _sep, codename = perm.partition(".")
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
    if permission is None:
        raise ValidationError({"perm": _("The permission %(perm)s does not exist.") % {"perm": perm}})
    return permission


def _forget_perm_cache(user: User) -> None:
    """Django caches a user's permissions on the object; a grant or revocation must not be hidden."""
    for attr in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(attr, None)


def _access_event(
    *, request: AccessRequest | None, user: User, perm: str, kind: str, by: User | None, detail: str = ""
) -> AccessEvent:
    return AccessEvent.objects.create(
        request=request, user=user, perm=perm, kind=kind, by=by, at=timezone.now(), detail=detail
    )


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


# --- staff teams ------------------------------------------------------------------------------------

TEAM_EDIT_PERM = "accounts.change_staffteam"


@transaction.atomic
def staff_team_update(
    *, team: StaffTeam, name: str, lead: User | None, members: Iterable[User], by: User
) -> StaffTeam:
    """Staff with ``accounts.change_staffteam`` set a team's name, lead and members (RACI routing
    and escalations read them). The lead is always a member; only active staff belong to a team."""
    if not (by.is_active and by.is_staff and by.has_perm(TEAM_EDIT_PERM)):
        raise NotAllowed(_("Your role does not allow changing staff teams."))
    people = list(members)
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Give the team a name.")
    if lead is not None and not (lead.is_staff and lead.is_active):
        errors["lead"] = _("The lead must be an active staff member.")
    outsiders = [u.email for u in people if not (u.is_staff and u.is_active)]
    if outsiders:
        errors["members"] = _("Only active staff can be members: %(who)s.") % {"who": ", ".join(outsiders)}
    if errors:
        raise ValidationError(errors)
    team = StaffTeam.objects.select_for_update().get(pk=team.pk)
    team.name = name
    team.lead = lead
    team._history_user = by  # type: ignore[attr-defined]
    team.save()
    if lead is not None and all(u.pk != lead.pk for u in people):
        people.append(lead)
    team.members.set(people)
    return team
