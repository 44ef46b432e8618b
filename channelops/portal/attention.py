"""What needs a partner's attention: features register items for the portal dashboard.

Each provider receives the partner and the person and returns a list of
``Attention`` items (title, detail, link). Providers must run a constant number
of queries whatever the data size.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from channelops.core.attention import (  # noqa: F401 (re-exported)
    Attention,
    AttentionQuery,
    attention_for,
    register_attention,
)
from channelops.core.union import shaped


def _is_admin(partner: Any, user: Any) -> bool:
    m = getattr(user, "partner_membership", None)
    return m is not None and m.partner_id == partner.pk and m.is_admin


def _pending_invitations(partner: Any, user: Any) -> list[Attention] | AttentionQuery:
    """Partner admins: colleagues invited who have not accepted (expired invitations included: resend
    or cancel them on the users page)."""
    from channelops.accounts.models import User

    if not _is_admin(partner, user):
        return []
    # invited (an unusable password until the invitation is accepted), still active, never accepted
    pending = (
        User.objects.filter(
            membership__partner=partner,
            is_active=True,
            password__startswith=UNUSABLE_PASSWORD_PREFIX,
            invitations__accepted_at__isnull=True,
        )
        .exclude(invitations__accepted_at__isnull=False)
        .annotate(expired=Max("invitations__expires_at"))
    )
    return AttentionQuery(shaped(pending.order_by(), pk="pk", at="expired"), _invitations_item)


def _invitations_item(rows: list[dict[str, Any]]) -> list[Attention]:
    if not rows:
        return []
    n = len(rows)
    now = timezone.now()
    expired = sum(1 for r in rows if r["at"] is not None and r["at"] <= now)
    detail = _("Resend the invitation or cancel it on the users page.")
    if expired:
        detail = (
            ngettext("%(n)d invitation has expired.", "%(n)d invitations have expired.", expired)
            % {"n": expired}
            + " "
            + detail
        )
    return [
        Attention(
            title=ngettext(
                "%(n)d colleague has not accepted their invitation",
                "%(n)d colleagues have not accepted their invitations",
                n,
            )
            % {"n": n},
            detail=detail,
            url=reverse("portal:users"),
            kind="invitations",
            action=_("Resend or cancel"),
        )
    ]


def _profile_incomplete(partner: Any, user: Any) -> list[Attention]:
    if not _is_admin(partner, user):
        return []
    missing = [
        label
        for field, label in (("website", _("website")), ("phone", _("phone")))
        if not getattr(partner, field)
    ]
    if not missing:
        return []
    return [
        Attention(
            title=_("Complete your company profile"),
            detail=_("Missing: %(fields)s.") % {"fields": ", ".join(missing)},
            url=reverse("portal:company"),
            kind="profile",
            action=_("Complete the profile"),
        )
    ]


def _not_active(partner: Any, user: Any) -> list[Attention]:
    if partner.status == "active":
        return []
    return [
        Attention(
            title=_("Your partnership is %(status)s") % {"status": partner.get_status_display().lower()},
            detail=_("Your channel account manager will contact you."),
            url=reverse("portal:company"),
            kind="partner_status",
        )
    ]


def register_defaults() -> None:
    for p in (_not_active, _profile_incomplete, _pending_invitations):
        register_attention(p)
