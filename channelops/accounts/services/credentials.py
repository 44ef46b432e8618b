"""Sign-in credentials: invitations (one-time links), personal API tokens, the TOTP authenticator."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channelops.core.exceptions import NotAllowed
from channelops.core.links import absolute_url
from channelops.core.outbox import email_enqueue

from ..models import ApiToken, Invitation, User

TOKEN_PREFIX = "cho_"
INVITATION_DAYS = 14


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


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


def pending_invitations(user: User) -> list[Invitation]:
    """The person's invitations not accepted (expired ones included), newest first; empty once one was
    accepted or the person has a password."""
    if user.has_usable_password() or user.invitations.filter(accepted_at__isnull=False).exists():
        return []
    return list(user.invitations.filter(accepted_at__isnull=True).order_by("-created_at", "-pk"))


def _require_inviter(user: User, by: User) -> None:
    """Staff, or an admin of the same partner as the invited person (accounts knows memberships only
    through ``partner_membership``: the partners app is above it)."""
    if by.is_staff and by.is_active:
        return
    mine, theirs = by.partner_membership, user.partner_membership
    if mine is None or theirs is None or mine.partner_id != theirs.partner_id or not mine.is_admin:
        raise NotAllowed(_("Only your company's partner admins manage its invitations."))


def _end(invitations: list[Invitation], *, by: User, reason: str) -> None:
    now = timezone.now()
    for inv in invitations:
        if inv.expires_at > now:
            inv.expires_at = now
            inv._history_user = by  # type: ignore[attr-defined]
            inv._change_reason = reason  # type: ignore[attr-defined]
            inv.save(update_fields=["expires_at"])


@transaction.atomic
def invitation_resend(*, user: User, by: User, context: dict | None = None) -> Invitation:
    """Send a new invitation to a person who has not accepted theirs; the earlier links stop working
    (audited: each invitation's history records who ended it and why)."""
    _require_inviter(user, by)
    User.objects.select_for_update().filter(pk=user.pk).first()
    pending = pending_invitations(user)
    if not pending:
        raise ValidationError(_("%(email)s has no pending invitation.") % {"email": user.email})
    if not user.is_active:
        raise ValidationError(_("%(email)s was deactivated.") % {"email": user.email})
    _end(pending, by=by, reason="Resent")
    return invitation_send(user=user, invited_by=by, context=context)


@transaction.atomic
def invitation_cancel(*, user: User, by: User) -> list[Invitation]:
    """End the person's pending invitations (their links stop working; audited). The caller deactivates
    the person (partners ``partner_invitation_cancel``)."""
    _require_inviter(user, by)
    User.objects.select_for_update().filter(pk=user.pk).first()
    pending = pending_invitations(user)
    if not pending:
        raise ValidationError(_("%(email)s has no pending invitation.") % {"email": user.email})
    _end(pending, by=by, reason="Cancelled")
    return pending


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
    from .. import hooks

    hooks.invitation_accepted.call(user=user)
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
